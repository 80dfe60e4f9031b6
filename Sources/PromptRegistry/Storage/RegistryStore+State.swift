import Foundation

extension RegistryStore {
    /// Writes a state commit for `event` with `files` on top of `base` (nil: the first state
    /// commit) and moves the state ref from `base` to it with compare-and-swap. Objects first,
    /// the ref last: a crash leaves the old state or the new one. Returns how the move ended and
    /// the commit written.
    func commitState(_ event: StateEvent, files: [String: [UInt8]?], on base: StateSnapshot?) throws -> (ReferenceMove, CommitID) {
        let commit = try writeStateCommit(event, files: files, on: base)
        let log = "promptreg \(event.action.rawValue) seq \(event.seq)"
        return (try moveState(to: commit, from: base?.commit, seq: event.seq, log: log, derived: true), commit)
    }

    /// Writes the state commit for `event` on top of `base` without moving any ref.
    func writeStateCommit(_ event: StateEvent, files: [String: [UInt8]?], on base: StateSnapshot?) throws -> CommitID {
        var files = files
        files[Layout.eventFile] = CanonicalJSON.bytes(of: event)
        return try writeCommit(
            files: files, base: base?.tree, parents: base.map { [$0.commit] } ?? [], actor: event.actor, time: Date(),
            message: event.commitMessage)
    }

    /// Moves the local state ref from `old` (nil: absent) to `commit` (sequence `seq`) by
    /// compare-and-swap and records it as accepted. A `derived` commit (written by this process
    /// with `StateTransition`, authorised by its parent's policy) is checked when its parent was,
    /// and remembered so with the same mark write.
    func moveState(to commit: CommitID, from old: CommitID?, seq: Int64, log: String, derived: Bool = false) throws -> ReferenceMove {
        let outcome = try move(Layout.stateRef, to: commit, guarded: old.map { .at($0) } ?? .absent, logMessage: log)
        guard outcome == .moved else { return outcome }
        let policy = HistoryTrust.policy.markKey
        if derived, let old, checkedHeads[policy] == old { checkedHeads[policy] = commit }
        // The mark only lags when it cannot be written: the move itself has happened.
        try? accept(commit, seq: seq)
        return outcome
    }
}
