import Foundation

extension Registry {
    /// How many times a state update is re-read and re-applied after losing a race.
    static let maxStateAttempts = 50

    /// Applies `intent` to the current state as one new state commit, with compare-and-swap. On a
    /// lost race it re-reads the state and calls `intent` again (which may refuse by throwing), up
    /// to `maxStateAttempts` times; then it reports a conflict. Any storage failure (a full disk, an
    /// unreadable object) is a `PromptRegError` with code `storage` or `integrity`.
    func updateState(actor: String, _ intent: (StateSnapshot, StateStamp) throws -> StateUpdate) throws -> StateEvent {
        try withStore { store in
            if let remote = try writeThroughRemote(store) {
                return try updateStateThrough(remote, store: store, actor: actor, intent)
            }
            var lockedLastTime = false
            for attempt in 0..<Self.maxStateAttempts {
                if attempt > 0 { Self.backoff(attempt) }
                try GitLockFiles.refuseStale(reference: Layout.stateRef, in: store.path)
                let mark = try store.acceptedState()
                let snapshot = try StateSnapshot.current(store)
                let currentSeq = try snapshot.event().seq
                _ = try store.checkAccepted(snapshot.commit, seq: currentSeq, against: mark)
                let (event, files) = try prepareCommit(on: snapshot, seq: currentSeq + 1, actor: actor, intent, store)
                switch try store.commitState(event, files: files, on: snapshot).0 {
                case .moved: return event
                case .lostRace: lockedLastTime = false
                case .locked: lockedLastTime = true
                }
            }
            if lockedLastTime { throw GitLockFiles.heldError(reference: Layout.stateRef, registry: store.path) }
            throw PromptRegError(
                .conflict, "the state changed under this command \(Self.maxStateAttempts) times in a row; nothing was written",
                fix: "run the command again; if it keeps failing, too many writers are racing")
        }
    }

    /// The event and files of the state commit `intent` makes on `snapshot` (sequence `seq`): the
    /// history up to `snapshot` checked first (so nothing is built on a forged undo entry or
    /// policy), the change authorised by the trust policy in force, the files derived from the
    /// event. Call under `withStore`.
    func prepareCommit(
        on snapshot: StateSnapshot, seq: Int64, actor: String, _ intent: (StateSnapshot, StateStamp) throws -> StateUpdate, _ store: RegistryStore
    ) throws -> (StateEvent, [String: [UInt8]?]) {
        let head = try snapshot.event()
        guard head.action.isKnown else { throw StateTransition.newer(head) }
        try store.checkHistory(to: snapshot.commit, trust: store.trustAnchor.map(HistoryTrust.anchor) ?? .policy)
        let stamp = StateStamp(seq: seq, time: Timestamp.string(Date()), actor: actor)
        let update = try intent(snapshot, stamp)
        let event = update.event(stamp, signedBy: try snapshot.authorize(update))
        return (event, try StateTransition.files(for: event, on: snapshot))
    }

    /// Sleeps a little longer after each lost race, with jitter so racing writers spread out.
    static func backoff(_ attempt: Int) {
        let base = min(50_000, 500 << min(attempt, 7))
        usleep(UInt32(base + Int.random(in: 0...base)))
    }
}
