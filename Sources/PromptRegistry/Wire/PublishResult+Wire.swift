extension PublishResult: Encodable {
    enum CodingKeys: String, CodingKey {
        case name, version, digest, layers, previous
        case requiredBump = "required_bump"
        case seq, actor, time
    }

    /// The new version, its digests, what it was compared with, and the state commit that recorded it.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(version, forKey: .version)
        try container.encode(digest, forKey: .digest)
        try container.encode(Dictionary(uniqueKeysWithValues: layerDigests.map { ($0.key.rawValue, $0.value) }), forKey: .layers)
        try container.encodeIfPresent(previous, forKey: .previous)
        try container.encode(requiredBump, forKey: .requiredBump)
        try container.encode(event.seq, forKey: .seq)
        try container.encode(event.actor, forKey: .actor)
        try container.encode(event.time, forKey: .time)
    }
}
