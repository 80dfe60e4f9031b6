extension VersionDiff: Encodable {
    enum CodingKeys: String, CodingKey {
        case from, to
        case fromDigest = "from_digest"
        case toDigest = "to_digest"
        case requiredBump = "required_bump"
        case changedLayers = "changed_layers"
        case changes
        case templateDiffs = "template_diffs"
    }

    /// Both versions with their digests, the required bump by name, and every change.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("\(old.name)@\(old.version)", forKey: .from)
        try container.encode("\(new.name)@\(new.version)", forKey: .to)
        try container.encode(old.digest, forKey: .fromDigest)
        try container.encode(new.digest, forKey: .toDigest)
        try container.encode(comparison.requiredBump, forKey: .requiredBump)
        try container.encode(comparison.changedLayers, forKey: .changedLayers)
        try container.encode(comparison.changes, forKey: .changes)
        try container.encode(comparison.templateDiffs, forKey: .templateDiffs)
    }
}
