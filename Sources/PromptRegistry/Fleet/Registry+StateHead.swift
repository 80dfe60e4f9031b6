extension Registry {
    /// The state the registry is at now: its sequence number and commit. One ref read while the
    /// state has not moved since the last call; what a watcher polls to notice that a channel moved.
    public func stateHead() throws -> StateHead {
        try withStore { store in
            let commit = try StateSnapshot.currentCommit(store)
            if let last = lastStateHead, last.commit == commit.hex { return last }
            try store.checkAnchored(commit)
            let head = StateHead(seq: try StateSnapshot.at(commit, store).checkedSeq(), commit: commit.hex)
            lastStateHead = head
            return head
        }
    }
}

/// Where the registry's state is: the sequence number of its newest event and the state commit.
/// The commit names the whole state, so two equal heads answer every read the same way.
public struct StateHead: Sendable, Hashable, Codable {
    /// Sequence number of the newest state event (0 for a new registry).
    public let seq: Int64
    /// The state commit id (40 hex digits).
    public let commit: String

    /// A head with these values.
    public init(seq: Int64, commit: String) {
        self.seq = seq
        self.commit = commit
    }

    enum CodingKeys: String, CodingKey {
        case seq = "state_seq"
        case commit = "state_commit"
    }
}
