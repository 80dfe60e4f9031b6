/// What a pull or a push did.
public struct SyncResult: Sendable, Codable, Equatable {
    /// The remote.
    public let remote: String
    /// The local state's sequence number afterwards.
    public let stateSeq: Int64
    /// The local state commit afterwards.
    public let stateCommit: String
    /// Version refs created (pull: locally; push: on the remote).
    public let versions: Int
    /// Local changes not yet on the remote that were re-applied on top of the remote's state.
    public let reapplied: Int
    /// What happened to the state, in words: `up to date`, `fast-forwarded`, `pushed`, ...
    public let outcome: String

    enum CodingKeys: String, CodingKey {
        case remote
        case stateSeq = "state_seq"
        case stateCommit = "state_commit"
        case versions, reapplied, outcome
    }
}
