/// A bundle as `list` shows it.
public struct BundleSummary: Sendable, Codable {
    /// Bundle name.
    public let name: String
    /// How many versions are published.
    public let versionCount: Int
    /// The highest version.
    public let latest: SemanticVersion
    /// Channel name to the version it runs.
    public let channels: [String: SemanticVersion]

    enum CodingKeys: String, CodingKey {
        case name
        case versionCount = "version_count"
        case latest, channels
    }
}

/// A version as `versions` shows it.
public struct VersionSummary: Sendable, Codable {
    /// The version.
    public let version: SemanticVersion
    /// Its bundle digest.
    public let digest: Digest
    /// When it was published.
    public let time: String
    /// Who published it.
    public let actor: String
    /// Why.
    public let message: String
    /// Channels that run it now.
    public let channels: [String]
}

/// One cell of `status`: where one channel of one bundle points.
public struct ChannelStatus: Sendable, Codable, Equatable {
    /// Bundle name.
    public let bundle: String
    /// Channel name.
    public let channel: String
    /// The pointer.
    public let pointer: ChannelPointer
    /// The kill in force, when this channel of the bundle is killed (`kill` in JSON, absent when live).
    public var kill: KillRecord? = nil
}
