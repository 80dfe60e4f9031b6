/// Stored in each version's tree: who published it, when, why, and what they allowed.
public struct PublishRecord: Codable, Sendable, Equatable {
    /// Format tag.
    public var format = "promptreg.publish/v1"
    /// Bundle name.
    public var name: String
    /// The version.
    public var version: SemanticVersion
    /// The bundle digest.
    public var digest: Digest
    /// Who published it.
    public var actor: String
    /// When, as ISO 8601 UTC.
    public var time: String
    /// Why.
    public var message: String
    /// Published with `--allow-floating-model`.
    public var allowFloatingModel: Bool
    /// Published with `--allow-secrets`.
    public var allowSecrets: Bool

    enum CodingKeys: String, CodingKey {
        case format, name, version, digest, actor, time, message
        case allowFloatingModel = "allow_floating_model"
        case allowSecrets = "allow_secrets"
    }
}

extension PublishRecord: StoredDocument {}
