/// Stored in the state for each published version: the digest it was published with (which a
/// moved version ref cannot rewrite) and the commit that holds it.
public struct VersionRecord: Codable, Sendable, Equatable {
    /// Format tag.
    public var format = "promptreg.version/v1"
    /// The version.
    public var version: SemanticVersion
    /// The bundle digest at publish time.
    public var digest: Digest
    /// The version commit (git object id).
    public var commit: String
    /// The state sequence number of the publish.
    public var seq: Int64
    /// When, as ISO 8601 UTC.
    public var time: String
    /// Who published it.
    public var actor: String
}

extension VersionRecord: StoredDocument {
    var rangeProblem: String? {
        if CommitID(hex: commit) == nil { return "commit '\(Names.printable(String(commit.prefix(80))))' is not a 40-digit hexadecimal commit id" }
        return sequenceProblem(seq)
    }
}
