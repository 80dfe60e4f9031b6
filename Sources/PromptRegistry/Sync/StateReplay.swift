/// Local state commits that a remote does not have yet, re-applied on top of the remote's newer
/// state: each event's changes are applied again to the new base under the same rule as a local
/// write (a pointer is set to what the event set it to; a version is recorded unless the base
/// already has that version with other content, which is a conflict). The events keep their
/// actor, time, action and message and get new sequence numbers. A replayed promote pushes an
/// undo entry as a promote does; a replayed rollback does not pop one. A replayed kill or revive
/// leaves the channel killed or live as the event did.
struct StateReplay {
    let store: RegistryStore
    /// The commits to re-apply, oldest first.
    private let commits: [StateSnapshot]

    /// How many state commits are re-applied.
    var count: Int { commits.count }

    /// The commits after `base` up to and including `local` (which descends from `base`).
    init(store: RegistryStore, from base: CommitID, to local: CommitID) throws {
        self.store = store
        var found: [StateSnapshot] = []
        var current = try StateSnapshot.at(local, store)
        while current.commit != base {
            found.append(current)
            guard let parent = try current.parent() else { break }
            current = parent
        }
        commits = found.reversed()
    }

    /// Writes the re-applied commits on top of `base` (no ref moves); returns the last one.
    func apply(onto base: CommitID) throws -> CommitID {
        var current = try StateSnapshot.at(base, store)
        for original in commits {
            let event = try original.event()
            let seq = try current.event().seq + 1
            let stamp = StateStamp(seq: seq, time: event.time, actor: event.actor)
            let update = try reapply(event, from: original, on: current, stamp)
            // The newer state's trust policy decides, as for any write made now.
            let signer = try current.authorize(event.action, update.changes)
            guard !update.changes.isEmpty || !update.files.isEmpty else { continue }
            let replayed = StateEvent(
                seq: seq, time: event.time, actor: event.actor, action: event.action, message: event.message, changes: update.changes,
                signedBy: signer)
            current = try StateSnapshot.at(try store.writeStateCommit(replayed, files: update.files, on: current), store)
        }
        return current.commit
    }

    /// The update that does on `current` what `event` did in `original`.
    private func reapply(_ event: StateEvent, from original: StateSnapshot, on current: StateSnapshot, _ stamp: StateStamp) throws -> StateUpdate {
        var plan = ChannelPlan(snapshot: current)
        switch event.action {
        case .initialise:
            break
        case .publish:
            for change in event.changes { try republish(change, from: original, on: current, stamp, into: &plan) }
        case .promote, .rollback:
            for change in event.changes { try repoint(change, from: original, on: current, stamp, undoable: event.action == .promote, into: &plan) }
        case .channelCreate, .channelDelete:
            try redeclare(from: original, on: current, into: &plan)
        case .evalRecord, .gateChange, .rampChange, .trustPolicy:
            try copyFiles(from: original, into: &plan)
        case .kill, .revive:
            for change in event.changes { try rekill(change, from: original, on: current, into: &plan) }
        case .propose, .approve:
            throw PromptRegError(
                .conflict, "a proposal or an approval made offline (seq \(event.seq)) cannot be re-applied on a newer remote state: the channel it is about may have moved",
                fix: "make proposals and approvals with the upstream reachable (without --offline)")
        }
        return try plan.update(action: event.action, message: event.message)
    }

    /// Records the version `change` published, unless the base has it already.
    private func republish(_ change: StateChange, from original: StateSnapshot, on current: StateSnapshot, _ stamp: StateStamp, into plan: inout ChannelPlan) throws {
        guard let target = change.to, var record = try original.versionRecord(change.bundle, target.version) else { return }
        if let existing = try current.versionRecord(change.bundle, target.version) {
            guard existing.digest == record.digest else {
                throw PromptRegError(
                    .conflict,
                    "\(change.bundle)@\(target.version) was published here and, with other content, on the remote; the local publish cannot be re-applied",
                    fix: "publish the local content again as a new version after the pull", subject: .init(bundle: change.bundle, version: target.version.description))
            }
            return
        }
        (record.seq, record.time, record.actor) = (stamp.seq, stamp.time, stamp.actor)
        for (path, bytes) in try current.publishFiles(change.bundle, record) { plan.setFile(path, to: bytes) }
        plan.record(change)
    }

    /// Sets the pointer `change` moved to what `original` holds (removed when it holds none).
    private func repoint(
        _ change: StateChange, from original: StateSnapshot, on current: StateSnapshot, _ stamp: StateStamp, undoable: Bool,
        into plan: inout ChannelPlan
    ) throws {
        guard let channel = change.channel else { return }
        try current.requireDeclared(channel)
        let now = try current.pointer(channel, change.bundle)
        guard var pointer = try original.pointer(channel, change.bundle) else {
            if let now { plan.remove(change.bundle, on: channel, from: now) }
            return
        }
        // A canary promote that did not set a share keeps the share the channel has now.
        if channel == canaryChannel, let target = change.to, target.traffic == (change.from?.traffic ?? 0) {
            pointer.traffic = now?.traffic ?? pointer.traffic
        }
        if let now, now.version == pointer.version, now.digest == pointer.digest, now.traffic == pointer.traffic { return }
        (pointer.seq, pointer.time, pointer.actor) = (stamp.seq, stamp.time, stamp.actor)
        try plan.move(change.bundle, on: channel, from: now, to: pointer, undoable: undoable)
    }

    /// Sets the kill `change` names to what `original` holds (removed when it holds none),
    /// unless the base is that way already: a channel killed or revived on both sides stays so.
    private func rekill(_ change: StateChange, from original: StateSnapshot, on current: StateSnapshot, into plan: inout ChannelPlan) throws {
        guard let channel = change.channel else { return }
        try current.requireDeclared(channel)
        let wanted = try original.kill(channel, change.bundle)
        guard (try current.kill(channel, change.bundle) != nil) != (wanted != nil) else { return }
        plan.setFile(Layout.killFile(channel, change.bundle), to: wanted.map { CanonicalJSON.bytes(of: $0) })
        plan.record(change)
    }

    /// The files `original` changed (eval records, policy documents), as it left them: records
    /// never collide (each is named by its own sequence number) and a policy's last write wins.
    private func copyFiles(from original: StateSnapshot, into plan: inout ChannelPlan) throws {
        guard let parent = try original.parent() else { return }
        for path in try store.changedFiles(from: parent.tree, to: original.tree) where path != Layout.eventFile {
            plan.setFile(path, to: try store.file(path, in: original.tree).map(Array.init))
        }
    }

    /// Channel declarations: those `original` added are declared, those it removed are removed.
    private func redeclare(from original: StateSnapshot, on current: StateSnapshot, into plan: inout ChannelPlan) throws {
        let before = Set(try original.parent()?.channels() ?? [])
        let after = Set(try original.channels())
        for added in after.subtracting(before) where try !current.channels().contains(added) {
            plan.setFile(Layout.channelDeclarationFile(added), to: CanonicalJSON.bytes(of: try original.declaration(added)))
        }
        for removed in before.subtracting(after) where try current.channels().contains(removed) {
            for (name, pointer) in try current.pointers(removed) { plan.remove(name, on: removed, from: pointer) }
            plan.setFile(Layout.channelDirectory(removed), to: nil)
        }
    }
}
