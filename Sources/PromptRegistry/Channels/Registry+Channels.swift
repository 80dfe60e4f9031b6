import Foundation

/// The channel that serves a share of subjects instead of `prod` (see `Canary`).
public let canaryChannel = "canary"
/// The stable channel: what resolve uses by default.
public let stableChannel = "prod"

extension Registry {
    /// Points `channel` of one bundle at the version `reference` names (which is verified first).
    /// `traffic` (0-100) is the canary share and is only accepted for the canary channel.
    /// A channel's promotion gate refuses a candidate without a good enough eval result, unless
    /// `overrideGate` gives a reason (recorded with the event).
    @discardableResult
    public func promote(
        _ reference: BundleReference, to channel: String, traffic: Double? = nil, message: String, actor: String,
        overrideGate: String? = nil
    ) throws -> StateEvent {
        try updateState(actor: actor) { snapshot, stamp in
            try promoteUpdate(reference, to: channel, traffic: traffic, message: message, overrideGate: overrideGate, snapshot, stamp)
        }
    }

    /// The state update `promote(_:to:traffic:...)` writes at `snapshot`.
    func promoteUpdate(
        _ reference: BundleReference, to channel: String, traffic: Double?, message: String, overrideGate: String?,
        _ snapshot: StateSnapshot, _ stamp: StateStamp
    ) throws -> StateUpdate {
        try Names.checkChannel(channel)
        if let traffic {
            guard traffic.isFinite, (0...100).contains(traffic) else {
                throw PromptRegError(
                    .invalidInput, "traffic \(traffic) is outside 0...100", fix: "give a percentage such as 5 or 12.5",
                    subject: .init(channel: channel))
            }
            guard channel == canaryChannel else {
                throw PromptRegError(
                    .invalidInput, "a traffic share applies to the \(canaryChannel) channel only, not \(channel)",
                    fix: "give the share with the promote to \(canaryChannel), then promote \(canaryChannel) to \(stableChannel) when it is good",
                    remedy: .canaryTraffic, subject: .init(channel: channel))
            }
        }
        try snapshot.requireDeclared(channel)
        let record = try Self.findVersion(reference, in: snapshot)
        _ = try verifiedVersion(reference.name, record)
        let current = try snapshot.pointer(channel, reference.name)
        let pointer = ChannelPointer(
            version: record.version, digest: record.digest,
            traffic: channel == canaryChannel ? (traffic ?? current?.traffic ?? 0) : nil,
            seq: stamp.seq, time: stamp.time, actor: stamp.actor)
        if let current, current.version == pointer.version, current.digest == pointer.digest, current.traffic == pointer.traffic {
            throw PromptRegError(
                .conflict,
                "\(channel) of \(reference.name) already points at \(record.version)\(current.traffic.map { " with \(PointerTarget.percent($0)) traffic" } ?? ""); nothing changed"
            )
        }
        let refusal = try snapshot.gateRefusal(channel, reference.name, candidate: record)
        var plan = ChannelPlan(snapshot: snapshot)
        plan.move(reference.name, on: channel, from: current, to: pointer)
        return try Self.gated(plan.update(action: .promote, message: message), refusals: [refusal].compactMap { $0 }, override: overrideGate)
    }

    /// Gives channel `target` the version channel `source` has, for `names` (every bundle on
    /// `source` when empty), in one state commit. A promoted canary's traffic goes back to 0.
    @discardableResult
    public func promote(
        channel source: String, to target: String, bundles names: [String] = [], message: String, actor: String,
        overrideGate: String? = nil
    ) throws -> StateEvent {
        try Names.checkChannel(source)
        try Names.checkChannel(target)
        guard source != target else {
            throw PromptRegError(.usage, "promote from \(source) to itself changes nothing", fix: "name two different channels")
        }
        for name in names { try Names.checkBundle(name) }
        var seen = Set<String>()
        let names = names.filter { seen.insert($0).inserted }
        return try updateState(actor: actor) { snapshot, stamp in
            try promoteUpdate(channel: source, to: target, bundles: names, message: message, overrideGate: overrideGate, snapshot, stamp)
        }
    }

    /// The state update `promote(channel:to:...)` writes at `snapshot`.
    func promoteUpdate(
        channel source: String, to target: String, bundles names: [String], message: String, overrideGate: String?,
        _ snapshot: StateSnapshot, _ stamp: StateStamp
    ) throws -> StateUpdate {
        try snapshot.requireDeclared(source)
        try snapshot.requireDeclared(target)
        // Named bundles: read just their pointers; otherwise every bundle on the source channel.
        let onSource = try names.isEmpty ? snapshot.pointers(source) : snapshot.pointers(source, of: names)
        let selected = names.isEmpty ? onSource.keys.sorted() : names
        guard !selected.isEmpty else {
            throw PromptRegError(
                .notFound, "no bundle is on \(source)", fix: "promote a version to \(source) first",
                remedy: .promote(bundle: nil, channel: source), subject: .init(channel: source))
        }
        var plan = ChannelPlan(snapshot: snapshot)
        var refusals: [PromptRegError] = []
        for name in selected {
            guard let pointer = onSource[name] else {
                throw PromptRegError(
                    .notFound, "\(name) is not on \(source)", fix: "see where it is", remedy: .showStatus,
                    subject: .init(bundle: name, channel: source))
            }
            let current = try snapshot.pointer(target, name)
            if current?.version != pointer.version || current?.digest != pointer.digest {
                let candidate = try Self.findVersion(.version(name, pointer.version), in: snapshot)
                if let refusal = try snapshot.gateRefusal(target, name, candidate: candidate) { refusals.append(refusal) }
                let moved = ChannelPointer(
                    version: pointer.version, digest: pointer.digest, traffic: target == canaryChannel ? 0 : nil,
                    seq: stamp.seq, time: stamp.time, actor: stamp.actor)
                plan.move(name, on: target, from: current, to: moved)
            }
            if let traffic = pointer.traffic, traffic > 0 {
                var settled = pointer
                (settled.traffic, settled.seq, settled.time, settled.actor) = (0, stamp.seq, stamp.time, stamp.actor)
                plan.move(name, on: source, from: pointer, to: settled)
            }
        }
        guard !plan.changes.isEmpty else {
            throw PromptRegError(
                .conflict, "\(target) already runs what \(source) runs for \(selected.joined(separator: ", ")); nothing changed")
        }
        return try Self.gated(plan.update(action: .promote, message: message), refusals: refusals, override: overrideGate)
    }

    /// `update` when no gate refused it, or when `override` gives a reason (recorded with it);
    /// else the first refusal.
    static func gated(_ update: StateUpdate, refusals: [PromptRegError], override: String?) throws -> StateUpdate {
        guard let refusal = refusals.first else { return update }
        guard let override, !override.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw refusal }
        var overridden = update
        overridden.gateOverride = "\(override) (overrode: \(refusals.map(\.message).joined(separator: "; ")))"
        return overridden
    }

    /// Reverts the most recent change to `channel` (for the bundles it touched, or only `names`),
    /// in one state commit. Repeated rollbacks walk further back. With `version`, sets exactly
    /// that published version for the one bundle named.
    @discardableResult
    public func rollback(
        channel: String, bundles names: [String] = [], to version: SemanticVersion? = nil, message: String, actor: String
    ) throws -> StateEvent {
        try Names.checkChannel(channel)
        for name in names { try Names.checkBundle(name) }
        if version != nil, names.count != 1 {
            throw PromptRegError(
                .usage, "rolling back to an exact version needs exactly one bundle name", fix: "name the bundle",
                remedy: .rollbackTo(bundle: nil, channel: channel), subject: .init(channel: channel))
        }
        return try updateState(actor: actor) { snapshot, stamp in
            try snapshot.requireDeclared(channel)
            var plan = ChannelPlan(snapshot: snapshot)
            if let version {
                // A rollback signer may put a protected channel back alone, not set any version.
                if try snapshot.trustPolicy()?.rule(for: channel).protected == true {
                    throw PromptRegError(
                        .forbidden, "\(channel) is protected: rolling back to a chosen version needs a proposal; an on-call rollback undoes the last change only",
                        fix: "roll back the last change without naming a version, or propose the version for approval", remedy: .propose,
                        subject: .init(channel: channel))
                }
                let name = names[0]
                let record = try Self.findVersion(.version(name, version), in: snapshot)
                _ = try verifiedVersion(name, record)
                guard let current = try snapshot.pointer(channel, name) else {
                    throw PromptRegError(
                        .notFound, "\(name) is not on \(channel); nothing to roll back", fix: "promote a version to put it there",
                        remedy: .promote(bundle: name, channel: channel), subject: .init(bundle: name, channel: channel))
                }
                guard current.version != version else {
                    throw PromptRegError(.conflict, "\(channel) of \(name) already points at \(version); nothing changed")
                }
                let pointer = ChannelPointer(
                    version: version, digest: record.digest, traffic: current.traffic, seq: stamp.seq, time: stamp.time, actor: stamp.actor)
                plan.move(name, on: channel, from: current, to: pointer)
                return plan.update(action: .rollback, message: message)
            }
            guard
                let (_, entry) = try snapshot.newestUndoEntry(
                    channel, where: { entry in names.isEmpty || entry.moves.contains { names.contains($0.bundle) } })
            else {
                throw PromptRegError(
                    .conflict,
                    "nothing to roll back on \(channel)\(names.isEmpty ? "" : " for \(names.joined(separator: ", "))"): it has no earlier change on record",
                    fix: "see the channel's history, and promote a version to set one", remedy: .showLog(channel: channel),
                    subject: .init(channel: channel))
            }
            let reverted = entry.moves.filter { names.isEmpty || names.contains($0.bundle) }
            let withoutEarlier = reverted.filter { $0.from == nil }.map(\.bundle)
            guard withoutEarlier.isEmpty else {
                throw PromptRegError(
                    .conflict,
                    "\(withoutEarlier.joined(separator: ", ")) had no version on \(channel) before the change at seq \(entry.seq); rolling back would leave \(channel) empty",
                    fix: "roll back the other bundles by name, or promote a version explicitly")
            }
            for move in reverted {
                var restored = move.from!
                (restored.seq, restored.time, restored.actor) = (stamp.seq, stamp.time, stamp.actor)
                plan.move(move.bundle, on: channel, from: try snapshot.pointer(channel, move.bundle), to: restored)
            }
            var update = plan.update(action: .rollback, message: message)
            update.undoSeq = entry.seq
            return update
        }
    }

    /// Where every channel of every bundle points, and which are killed. A damaged pointer or kill
    /// is reported in `damaged` and the rest is still listed.
    public func status() throws -> PartialResult<ChannelStatus> {
        try withStore { store in
            let snapshot = try StateSnapshot.current(store)
            var collector = DamageCollector()
            var entries: [ChannelStatus] = []
            for channel in try snapshot.channels() {
                let killed = try snapshot.killNames(channel)
                for name in try snapshot.pointerNames(channel) {
                    if let pointer = try collector.attempt({ try snapshot.pointer(channel, name) }) {
                        let kill = try killed.contains(name) ? collector.attempt({ try snapshot.kill(channel, name) }) : nil
                        entries.append(ChannelStatus(bundle: name, channel: channel, pointer: pointer, kill: kill))
                    }
                }
            }
            return collector.result(entries.sorted { ($0.bundle, $0.channel) < ($1.bundle, $1.channel) })
        }
    }

    /// The audit trail, newest first: at most `limit` events, only those touching `bundle` and
    /// `channel` when given (a channel filter leaves out publishes).
    public func log(bundle: String? = nil, channel: String? = nil, limit: Int = 50) throws -> [StateEvent] {
        if let bundle { try Names.checkBundle(bundle) }
        if let channel { try Names.checkChannel(channel) }
        return try withStore { store in
            var events: [StateEvent] = []
            var snapshot: StateSnapshot? = try StateSnapshot.current(store)
            if let bundle, try snapshot?.hasVersions(of: bundle) == false { throw Self.bundleNotFound(bundle) }
            while let current = snapshot, events.count < limit {
                var event = try current.event()
                if bundle != nil || channel != nil {
                    event.changes = event.changes.filter { change in
                        (bundle == nil || change.bundle == bundle) && (channel == nil || change.channel == channel)
                    }
                }
                if (bundle == nil && channel == nil) || !event.changes.isEmpty { events.append(event) }
                snapshot = try current.parent()
            }
            if let channel, events.isEmpty, try !StateSnapshot.current(store).channels().contains(channel) {
                try StateSnapshot.current(store).requireDeclared(channel)
            }
            return events
        }
    }
}

extension PointerTarget {
    init(_ pointer: ChannelPointer) {
        self.init(version: pointer.version, digest: pointer.digest, traffic: pointer.traffic)
    }
}
