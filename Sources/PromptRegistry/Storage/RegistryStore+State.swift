import Foundation

extension RegistryStore {
    /// Writes a state commit for `event` with `files` on top of `base` (nil: the first state
    /// commit) and moves the state ref from `base` to it with compare-and-swap. Objects first,
    /// the ref last: a crash leaves the old state or the new one.
    /// Returns how the move ended and the commit written.
    func commitState(_ event: StateEvent, files: [String: [UInt8]?], on base: StateSnapshot?) throws -> (ReferenceMove, CommitID) {
        var files = files
        files[Layout.eventFile] = CanonicalJSON.bytes(of: event)
        let commit = try writeCommit(
            files: files, base: base?.tree, parents: base.map { [$0.commit] } ?? [], actor: event.actor, time: Date(),
            message: event.commitMessage)
        let outcome = try move(
            Layout.stateRef, to: commit, guarded: base.map { .at($0.commit) } ?? .absent,
            logMessage: "promptreg \(event.action.rawValue) seq \(event.seq)")
        // The mark only lags when it cannot be written: the write itself has happened.
        if outcome == .moved { try? accept(commit, seq: event.seq) }
        return (outcome, commit)
    }
}
