extension PublishResult: Encodable {
    enum CodingKeys: String, CodingKey {
        case previous
        case requiredBump = "required_bump"
        case seq, actor, time
    }

    /// The new version, its digests, what it was compared with, and the state commit that recorded it.
    public func encode(to encoder: Encoder) throws {
        try VersionIdentity(name: name, version: version, digest: digest, layerDigests: layerDigests).encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(previous, forKey: .previous)
        try container.encode(requiredBump, forKey: .requiredBump)
        try container.encode(event.seq, forKey: .seq)
        try container.encode(event.actor, forKey: .actor)
        try container.encode(event.time, forKey: .time)
    }
}
