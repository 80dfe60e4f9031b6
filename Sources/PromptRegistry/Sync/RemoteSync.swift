/// Pull and push between the local registry and one remote, under the registry's lock.
///
/// The remote's refs are fetched into `refs/promptreg-remotes/<remote>/...`; local refs move only
/// afterwards and only forward: version refs are created when absent (a differing one is an
/// integrity error), the state ref fast-forwards to the remote's state, and local changes the
/// remote does not have yet are re-applied on top of it. A remote whose state does not descend
/// from what this registry last saw there (rewound or forked) is refused and nothing local changes.
struct RemoteSync {
    let store: RegistryStore
    let remote: String
    /// Checks a remote state before the local state moves to it or onto it; throws to refuse it.
    let checkState: (CommitID) throws -> Void

    private var trackingState: String { RegistryStore.trackingRef(Layout.stateRef, remote: remote) }

    /// Fetches and checks the remote, then brings the local registry up to date. A remote with
    /// no registry yet is an error unless `allowingEmpty` (a push to a new repository).
    func pull(trusting minimum: AcceptedState? = nil, allowingEmpty: Bool = false) throws -> SyncResult {
        // A pull or push killed mid-way leaves lock files that no process holds; they would block
        // every later sync of this registry.
        GitLockFiles.removeAbandoned(in: store.path)
        let fetched = try fetch()
        guard let remoteState = fetched.state else {
            let versions = try adoptVersionRefs()
            if allowingEmpty { return try result(versions: versions, reapplied: 0, "the remote holds no registry yet") }
            throw PromptRegError(
                .notFound, "\(remote) holds no promptreg registry (no \(Layout.stateRef))",
                fix: "check the URL; to start a shared registry, push a local one to an empty repository there")
        }
        if let minimum { try checkTrusted(remoteState, minimum) }
        let mark = try store.acceptedState()
        let local = try store.target(of: Layout.stateRef)
        // Nothing local moves, and no version ref is created, before the remote state passed.
        if let local, try local == remoteState || store.isDescendant(local, of: remoteState) {} else { try checkState(remoteState) }
        let versions = try adoptVersionRefs()
        guard let local else {
            let seq = try StateSnapshot.at(remoteState, store).checkedSeq()
            _ = try store.moveState(to: remoteState, from: nil, seq: seq, log: "promptreg clone from \(remote)")
            return try result(versions: versions, reapplied: 0, "cloned")
        }
        if local == remoteState { return try result(versions: versions, reapplied: 0, "up to date") }
        if try store.isDescendant(remoteState, of: local) {
            let seq = try StateSnapshot.at(remoteState, store).checkedSeq()
            _ = try store.checkAccepted(remoteState, seq: seq, against: mark)
            try Self.require(try store.moveState(to: remoteState, from: local, seq: seq, log: "promptreg pull from \(remote): fast-forward"), store)
            return try result(versions: versions, reapplied: 0, "fast-forwarded")
        }
        if try store.isDescendant(local, of: remoteState) {
            return try result(versions: versions, reapplied: 0, "local is ahead: push to send it")
        }
        let reapplied = try rebase(local: local, onto: remoteState)
        return try result(versions: versions, reapplied: reapplied, "re-applied local changes on top")
    }

    /// Sends local versions and state the remote lacks; local changes are first re-applied on top
    /// of the remote's state when it moved meanwhile.
    func push() throws -> SyncResult {
        for attempt in 0..<Registry.maxRemoteAttempts {
            if attempt > 0 { Registry.backoff(attempt + 6) }
            let pulled = try pull(allowingEmpty: true)
            guard let local = try store.target(of: Layout.stateRef) else { throw Self.raced }
            let remoteState = try store.target(of: trackingState)
            if local == remoteState { return try result(versions: 0, reapplied: pulled.reapplied, "up to date") }
            let sent = try sendVersionRefs()
            switch try pushState(local, over: remoteState) {
            case .moved: return try result(versions: sent, reapplied: pulled.reapplied, "pushed")
            case .lostRace, .locked: continue
            }
        }
        throw PromptRegError(
            .conflict, "\(remote)'s state kept moving under this push \(Registry.maxRemoteAttempts) times; nothing more was sent",
            fix: "run the push again")
    }

    /// Pushes the state ref to `commit` with compare-and-swap against `expected` (the value this
    /// process last saw there), then records the remote's new value locally.
    func pushState(_ commit: CommitID, over expected: CommitID?) throws -> ReferenceMove {
        let outcome = try store.push(
            [RemoteUpdate(commit: commit, reference: Layout.stateRef, guarded: expected.map { .at($0) } ?? .absent)], to: remote)
        if outcome == .moved {
            _ = try store.move(trackingState, to: commit, guarded: expected.map { .at($0) } ?? .absent, logMessage: "promptreg push")
        }
        return outcome
    }

    /// Creates on the remote every local version ref it lacks (create-only); returns how many.
    /// A version ref another writer created there first with other content is a conflict.
    func sendVersionRefs() throws -> Int {
        let missing = try store.references(matching: Layout.allVersionRefs).filter { reference in
            try store.target(of: RegistryStore.trackingRef(reference.name, remote: remote)) == nil
        }
        let updates = missing.map { RemoteUpdate(commit: $0.target, reference: $0.name, guarded: .absent) }
        guard try store.push(updates, to: remote) == .moved else {
            throw PromptRegError(
                .conflict, "another writer created one of \(missing.map(\.name).joined(separator: ", ")) on \(remote) first",
                fix: "pull, then publish again: promptreg chooses the next free version")
        }
        for reference in missing {
            _ = try store.move(
                RegistryStore.trackingRef(reference.name, remote: remote), to: reference.target, guarded: .absent,
                logMessage: "promptreg push")
        }
        return missing.count
    }

    /// What the fetch brought: the remote's state now and the one this registry saw there before.
    private struct Fetched {
        let state: CommitID?
        let previous: CommitID?
    }

    /// Fetches into the tracking namespace; a remote state that does not descend from the one seen
    /// before is refused and the tracking ref put back, so nothing local changes.
    private func fetch() throws -> Fetched {
        let previous = try store.target(of: trackingState)
        try store.fetch(remote)
        let state = try store.target(of: trackingState)
        if let previous, let state, try !store.isDescendant(state, of: previous) {
            _ = try store.move(trackingState, to: previous, guarded: .at(state), logMessage: "promptreg: refused a rewound remote state")
            throw PromptRegError(
                .integrity,
                "\(remote)'s state went backwards or was forked: it was \(previous.short) when last seen, and is now \(state.short), which does not descend from it; nothing local changed",
                fix: "do not pull from this remote until its state is restored to \(previous.short) or a state that descends from it")
        }
        return Fetched(state: state, previous: previous)
    }

    /// Creates every version ref the remote has and this registry lacks; a version ref that
    /// differs from the local one is an integrity error naming both commits. All are checked
    /// before any is created.
    private func adoptVersionRefs() throws -> Int {
        let prefix = RegistryStore.trackingPrefix(remote)
        var missing: [(String, CommitID)] = []
        for tracked in try store.references(matching: prefix + "versions/*") {
            let local = "refs/promptreg/" + tracked.name.dropFirst(prefix.count)
            guard Layout.parseVersionRef(local) != nil else { continue }
            switch try store.target(of: local) {
            case nil: missing.append((local, tracked.target))
            case let existing? where existing != tracked.target:
                throw PromptRegError(
                    .integrity,
                    "\(remote) has \(local) at \(tracked.target.short), but this registry has it at \(existing.short): published versions never change; nothing local changed",
                    fix: "find out which copy was altered (verify this registry and a fresh clone) before trusting either", remedy: .verify)
            default: break
            }
        }
        for (reference, commit) in missing {
            _ = try store.move(reference, to: commit, guarded: .absent, logMessage: "promptreg pull from \(remote)")
        }
        return missing.count
    }

    /// Refuses a remote state older than `minimum` or not descending from it (a new host's pin).
    private func checkTrusted(_ state: CommitID, _ minimum: AcceptedState) throws {
        let seq = try StateSnapshot.at(state, store).checkedSeq()
        if let trusted = CommitID(hex: minimum.commit), (try? store.commit(trusted)) == nil {
            throw PromptRegError(
                .integrity,
                "\(remote)'s state \(state.short) (seq \(seq)) does not contain the trusted state \(trusted.short) (seq \(minimum.seq)): the remote was forked or rewound to a history without it; nothing was cloned",
                fix: "do not trust this remote until its state is the trusted one or descends from it; check the pin with whoever gave it to you")
        }
        if let trusted = CommitID(hex: minimum.commit), let trustedSeq = try? StateSnapshot.at(trusted, store).event().seq,
            trustedSeq != minimum.seq
        {
            throw PromptRegError(
                .invalidInput, "the trusted state \(trusted.short) has sequence \(trustedSeq), not \(minimum.seq); nothing was cloned",
                fix: "give the sequence number and the commit of the same state (a pull's JSON output gives both)")
        }
        _ = try store.checkAccepted(state, seq: seq, against: minimum)
    }

    /// Re-applies the local state commits the remote lacks (those after the newest commit both
    /// histories share) on top of `remoteState` and moves the local state there. Returns how many
    /// changes were re-applied.
    private func rebase(local: CommitID, onto remoteState: CommitID) throws -> Int {
        guard let base = try store.mergeBase(local, remoteState) else {
            throw PromptRegError(
                .integrity,
                "the local state \(local.short) and \(remote)'s state \(remoteState.short) have unrelated histories; nothing local changed",
                fix: "this registry was not cloned from \(remote); clone it afresh, or remove the remote")
        }
        let replay = try StateReplay(store: store, from: base, to: local)
        let rebased = try replay.apply(onto: remoteState)
        let seq = try StateSnapshot.at(rebased, store).event().seq
        // Mark first (both states acceptable), then move the ref, then mark the new state alone.
        try store.accept(rebased, seq: seq, replacing: local)
        try Self.require(
            try store.move(Layout.stateRef, to: rebased, guarded: .at(local), logMessage: "promptreg rebase onto \(remote) \(remoteState.short)"), store)
        try? store.accept(rebased, seq: seq)
        return replay.count
    }

    private func result(versions: Int, reapplied: Int, _ outcome: String) throws -> SyncResult {
        let state = try StateSnapshot.current(store)
        return SyncResult(
            remote: remote, stateSeq: try state.event().seq, stateCommit: state.commit.hex, versions: versions, reapplied: reapplied,
            outcome: outcome)
    }

    /// Throws unless the local state ref moved: another local writer moved it first, or holds its lock.
    private static func require(_ move: ReferenceMove, _ store: RegistryStore) throws {
        switch move {
        case .moved: return
        case .lostRace: throw raced
        case .locked: throw GitLockFiles.heldError(reference: Layout.stateRef, registry: store.path)
        }
    }

    /// Another local writer moved the state during the sync.
    static let raced = PromptRegError(.conflict, "another local writer moved the state during the sync; nothing was lost", fix: "run the command again")
}
