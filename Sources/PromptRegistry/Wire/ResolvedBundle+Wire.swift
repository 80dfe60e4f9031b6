extension ResolvedBundle: Encodable {
    enum CodingKeys: String, CodingKey {
        case bundle, channel, bucket
        case stateSeq = "state_seq"
    }

    /// The bundle as `show` prints it, with the channel, bucket and state sequence of the answer.
    public func encode(to encoder: Encoder) throws {
        try bundle.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(channel, forKey: .channel)
        try container.encodeIfPresent(bucket, forKey: .bucket)
        try container.encode(stateSeq, forKey: .stateSeq)
    }
}
