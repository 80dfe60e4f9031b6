import Foundation

/// Local state commits that a remote does not have yet, re-applied on top of the remote's newer
/// state: each event's changes are applied again to the new base under the same rule as a local
/// write (a pointer is set to what the event set it to; a version is recorded unless the base
/// already has that version with other content, which is a conflict). The events keep their
/// actor, time, action and message and get new sequence numbers. A replayed promote pushes an
/// undo entry as a promote does; a replayed rollback sets the versions it set (it pops no undo
/// entry). A replayed kill or revive leaves the channel killed or live as the event did. The
/// files of each replayed commit follow from its event (`StateTransition`).
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
            let stamp = StateStamp(seq: try current.event().seq + 1, time: event.time, actor: event.actor)
            guard let update = try reapply(event, from: original, on: current, stamp) else { continue }
            // The newer state's trust policy decides, as for any write made now.
            let replayed = update.event(stamp, signedBy: try current.authorize(update))
            let files = try StateTransition.files(for: replayed, on: current)
            current = try StateSnapshot.at(try store.writeStateCommit(replayed, files: files, on: current), store)
        }
        return current.commit
    }

    /// The update that does on `current` what `event` did in `original`; nil when `current` has
    /// it done already.
    private func reapply(_ event: StateEvent, from original: StateSnapshot, on current: StateSnapshot, _ stamp: StateStamp) throws -> StateUpdate? {
        guard !event.isLegacy || event.action == .initialise else {
            throw PromptRegError(
                .conflict, "the local change at seq \(event.seq) was made offline by a promptreg before 0.4 and cannot be re-applied by this one",
                fix: "send it with the promptreg that made it, or make the change again after the pull")
        }
        var plan = ChannelPlan(snapshot: current)
        var update: StateUpdate
        switch event.action {
        case .initialise:
            return nil
        case .publish:
            for change in event.changes { try republish(change, on: current, into: &plan) }
            update = plan.update(action: event.action, message: event.message)
        case .promote, .rollback:
            for change in event.changes { try repoint(change, from: original, on: current, stamp, into: &plan) }
            update = plan.update(action: event.action, message: event.message)
        case .channelCreate:
            guard let channel = event.channel, try !current.channels().contains(channel) else { return nil }
            update = StateUpdate(action: event.action, message: event.message, channel: channel, document: event.document)
        case .channelDelete:
            guard let channel = event.channel, try current.channels().contains(channel) else { return nil }
            let removed = try current.pointers(channel).sorted { $0.key < $1.key }.map { name, pointer in
                StateChange(bundle: name, channel: channel, from: PointerTarget(pointer), to: nil)
            }
            update = StateUpdate(action: event.action, message: event.message, changes: removed, channel: channel)
        case .evalRecord:
            // A record never collides: it is named by its own sequence number, which it takes anew.
            guard var statement = try event.document.map({ try EvalStatement.read(from: Data($0.canonicalBytes), location: "event seq \(event.seq)") }) else { return nil }
            statement.predicate.seq = stamp.seq
            update = StateUpdate(action: event.action, message: event.message, document: JSONValue(encoding: statement))
        case .gateChange, .rampChange, .trustPolicy:
            // A policy's last write wins.
            update = StateUpdate(action: event.action, message: event.message, channel: event.channel, document: event.document)
            if event.action == .gateChange, event.document == nil, try event.channel.map({ try current.gate($0) }) == nil { return nil }
        case .kill, .revive:
            for change in event.changes { try rekill(change, from: original, on: current, into: &plan) }
            update = plan.update(action: event.action, message: event.message)
        case .propose, .approve:
            throw PromptRegError(
                .conflict, "a proposal or an approval made offline (seq \(event.seq)) cannot be re-applied on a newer remote state: the channel it is about may have moved",
                fix: "make proposals and approvals with the upstream reachable")
        default:
            throw StateTransition.newer(event)
        }
        let moves = [StateEvent.Action.publish, .promote, .rollback, .kill, .revive].contains(event.action)
        return moves && update.changes.isEmpty ? nil : update
    }

    /// Records the version `change` published, unless the base has it already.
    private func republish(_ change: StateChange, on current: StateSnapshot, into plan: inout ChannelPlan) throws {
        guard let target = change.to else { return }
        if let existing = try current.versionRecord(change.bundle, target.version) {
            guard existing.digest == target.digest else {
                throw PromptRegError(
                    .conflict,
                    "\(change.bundle)@\(target.version) was published here and, with other content, on the remote; the local publish cannot be re-applied",
                    fix: "publish the local content again as a new version after the pull", subject: .init(bundle: change.bundle, version: target.version.description))
            }
            return
        }
        plan.record(change)
    }

    /// Sets the pointer `change` moved to what `original` holds (removed when it holds none).
    private func repoint(_ change: StateChange, from original: StateSnapshot, on current: StateSnapshot, _ stamp: StateStamp, into plan: inout ChannelPlan) throws {
        guard let channel = change.channel else { return }
        try current.requireDeclared(channel)
        let now = try current.pointer(channel, change.bundle)
        guard var pointer = try original.pointer(channel, change.bundle) else { return }
        // A canary promote that did not set a share keeps the share the channel has now.
        if channel == canaryChannel, let target = change.to, target.traffic == (change.from?.traffic ?? 0) {
            pointer.traffic = now?.traffic ?? pointer.traffic
        }
        if let now, now.version == pointer.version, now.digest == pointer.digest, now.traffic == pointer.traffic { return }
        (pointer.seq, pointer.time, pointer.actor) = (stamp.seq, stamp.time, stamp.actor)
        plan.move(change.bundle, on: channel, from: now, to: pointer)
    }

    /// Kills or revives what `change` names as `original` holds it, unless the base is that way
    /// already: a channel killed or revived on both sides stays so.
    private func rekill(_ change: StateChange, from original: StateSnapshot, on current: StateSnapshot, into plan: inout ChannelPlan) throws {
        guard let channel = change.channel else { return }
        try current.requireDeclared(channel)
        let wanted = try original.kill(channel, change.bundle)
        guard (try current.kill(channel, change.bundle) != nil) != (wanted != nil) else { return }
        plan.record(change)
    }
}
