/// What `promptreg serve` answers on `/healthz`: the state it serves and, as a relay, how fresh
/// that state is.
public struct ServerHealth: Codable, Sendable, Equatable {
    /// Always `ok` while the server answers.
    public var status = "ok"
    /// The state served now.
    public var state: StateHead
    /// The remote the server relays, when it relays one.
    public var following: String?
    /// Seconds since the last successful pull from `following`; nil before the first.
    public var secondsSinceSync: Double?
    /// Why the last pull failed, when it did (the server keeps serving the last good state).
    public var lastSyncError: String?

    /// A health report for a server at `state`.
    public init(state: StateHead, following: String? = nil, secondsSinceSync: Double? = nil, lastSyncError: String? = nil) {
        self.state = state
        self.following = following
        self.secondsSinceSync = secondsSinceSync
        self.lastSyncError = lastSyncError
    }

    enum CodingKeys: String, CodingKey {
        case status, state, following
        case secondsSinceSync = "seconds_since_sync"
        case lastSyncError = "last_sync_error"
    }
}
