/// What `verify` found.
public struct VerifyReport: Sendable, Encodable {
    /// One problem: where and what.
    public struct Problem: Sendable, Codable, Equatable {
        /// `NAME@VERSION`, or `state` for the state history.
        public let subject: String
        /// The layer, where the problem is in one.
        public let layer: String?
        /// What is wrong.
        public let message: String
    }
    /// Versions whose digests were recomputed.
    public let versionsChecked: Int
    /// State commits whose sequence was checked.
    public let stateCommitsChecked: Int
    /// Everything that is wrong; empty when the registry is sound.
    public let problems: [Problem]
    /// What is incomplete but harmless: a version ref whose publish was interrupted before the
    /// state recorded it (the version is absent; running the same publish again finishes it).
    public let warnings: [Problem]

    /// True when nothing is wrong.
    public var ok: Bool { problems.isEmpty }

    enum CodingKeys: String, CodingKey {
        case versionsChecked = "versions_checked"
        case stateCommitsChecked = "state_commits_checked"
        case problems, warnings, ok
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(versionsChecked, forKey: .versionsChecked)
        try container.encode(stateCommitsChecked, forKey: .stateCommitsChecked)
        try container.encode(problems, forKey: .problems)
        try container.encode(warnings, forKey: .warnings)
        try container.encode(ok, forKey: .ok)
    }
}
