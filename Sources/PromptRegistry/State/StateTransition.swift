import Foundation

/// The state transition, `next = apply(parent, event)`: the state files a state commit writes,
/// derived from its parent state and its event alone. Writers compute their commits' files with
/// it, and every reader recomputes them to check a commit (`StateStep`), so a tree that differs
/// from what its event gives (a lying event, a hidden change, a rewritten undo entry, an extra
/// file) is one class of failure, found by one check. Rollback targets come from undo entries
/// this function derived, never from a document edited on its own.
struct StateTransition {
    /// The state the event applies to; nil for the first state commit.
    let parent: StateSnapshot?
    /// The event.
    let event: StateEvent
    /// The files set (bytes) or removed (nil; a directory path removes everything under it).
    private(set) var files: [String: [UInt8]?] = [:]

    /// The files `event` writes on top of `parent` (its own `event.json` not included). Throws
    /// `integrity` saying what does not follow when the event cannot apply to the parent, and
    /// `newerFormat` for an action this version does not know.
    static func files(for event: StateEvent, on parent: StateSnapshot?) throws -> [String: [UInt8]?] {
        var transition = StateTransition(parent: parent, event: event)
        try transition.apply()
        return transition.files
    }

    private init(parent: StateSnapshot?, event: StateEvent) {
        self.parent = parent
        self.event = event
    }

    private mutating func apply() throws {
        guard event.action.isKnown else { throw Self.newer(event) }
        if event.action == .initialise {
            guard parent == nil, event.changes.isEmpty else { throw refusal("an init event starts a history: it has no parent and no changes") }
            for declaration in try document([ChannelDeclaration].self) ?? [] {
                try Names.checkChannel(declaration.name)
                files[Layout.channelDeclarationFile(declaration.name)] = CanonicalJSON.bytes(of: declaration)
            }
            return
        }
        guard let parent else { throw refusal("only an init event may start a history") }
        switch event.action {
        case .publish: try publish(parent)
        case .promote: try requireNoDocument(); try move(parent, undoable: true)
        case .rollback: try rollback(parent)
        case .channelCreate: try createChannel(parent)
        case .channelDelete: try deleteChannel(parent)
        case .evalRecord: try recordEval(parent)
        case .gateChange: try setGate(parent)
        case .rampChange:
            let policy = try required(RampPolicy.self)
            files[Layout.rampFile] = CanonicalJSON.bytes(of: policy)
        case .trustPolicy:
            let policy = try required(TrustPolicy.self)
            try policy.check(file: Layout.trustPolicyFile)
            for channel in policy.channels.keys.sorted() { try declared(channel, in: parent) }
            files[Layout.trustPolicyFile] = CanonicalJSON.bytes(of: policy)
        case .propose:
            let proposal = try required(Proposal.self)
            guard event.changes.isEmpty, try parent.document(Proposal.self, at: Layout.proposalFile(proposal.id)) == nil else {
                throw refusal("a proposal records no moves and a new proposal id (\(Names.printable(proposal.id)))")
            }
            guard proposal.created == event.time, let created = Timestamp.date(proposal.created), let expires = Timestamp.date(proposal.expires),
                expires > created, expires.timeIntervalSince(created) <= Proposal.maxLifetime
            else {
                throw refusal("a proposal is created at its event's time and expires within \(Int(Proposal.maxLifetime / 3600)) hours of it")
            }
            files[Layout.proposalFile(proposal.id)] = CanonicalJSON.bytes(of: proposal)
        case .approve: try approve(parent)
        case .kill, .revive: try killOrRevive(parent)
        default: throw Self.newer(event)
        }
    }

    // MARK: - Actions

    private mutating func publish(_ parent: StateSnapshot) throws {
        try requireNoDocument()
        guard !event.changes.isEmpty else { throw refusal("a publish records at least one version") }
        var highest: [String: SemanticVersion] = [:]
        for change in event.changes {
            guard change.channel == nil, change.from == nil, let target = change.to, let commit = change.commit, CommitID(hex: commit) != nil,
                target.traffic == nil
            else { throw refusal("a published version names its bundle, version, digest and version commit, and no channel") }
            try Names.checkBundle(change.bundle)
            if try parent.versionRecord(change.bundle, target.version) != nil || highest[change.bundle].map({ $0 >= target.version }) == true {
                throw refusal("\(change.bundle)@\(target.version) is published already")
            }
            let record = VersionRecord(
                version: target.version, digest: target.digest, commit: commit, seq: event.seq, time: event.time, actor: event.actor)
            files[Layout.versionRecordFile(change.bundle, target.version)] = CanonicalJSON.bytes(of: record)
            files[Layout.digestIndexFile(change.bundle, target.digest)] = CanonicalJSON.bytes(of: target.version)
            let top = try highest[change.bundle] ?? parent.highestVersion(of: change.bundle)
            if top.map({ $0 < target.version }) ?? true {
                files[Layout.highestFile(change.bundle)] = CanonicalJSON.bytes(of: target.version)
                highest[change.bundle] = target.version
            }
        }
    }

    /// Sets each listed pointer to what its change says, from what the parent holds; `undoable`
    /// moves are pushed on their channel's undo stack (the oldest entries past the limit dropped).
    private mutating func move(_ parent: StateSnapshot, undoable: Bool) throws {
        guard !event.changes.isEmpty else { throw refusal("a \(event.action) moves at least one pointer") }
        var moves: [String: [UndoEntry.Move]] = [:]
        var seen = Set<String>()
        for change in event.changes {
            guard let channel = change.channel, let target = change.to, change.commit == nil else {
                throw refusal("a \(event.action) sets pointers of named channels")
            }
            guard seen.insert("\(channel)/\(change.bundle)").inserted else { throw refusal("it moves \(channel) of \(change.bundle) twice") }
            let from = try current(parent, channel, change)
            let pointer = try pointer(parent, channel, change.bundle, target)
            files[Layout.pointerFile(channel, change.bundle)] = CanonicalJSON.bytes(of: pointer)
            if undoable { moves[channel, default: []].append(UndoEntry.Move(bundle: change.bundle, from: from, to: pointer)) }
        }
        for (channel, channelMoves) in moves {
            files[Layout.undoEntryFile(channel, seq: event.seq)] = CanonicalJSON.bytes(of: UndoEntry(seq: event.seq, moves: channelMoves))
            let existing = try parent.undoFiles(channel)
            for path in existing.prefix(max(0, existing.count + 1 - UndoEntry.limit)) { files[path] = .some(nil) }
        }
    }

    /// A rollback undoes the newest recorded change of its channel that moved its bundles (the
    /// undo entry `undoSeq` names, rewritten without the moves undone or removed), or, without
    /// `undoSeq`, sets versions chosen by name, recording no undo entry.
    private mutating func rollback(_ parent: StateSnapshot) throws {
        try requireNoDocument()
        guard let undoSeq = event.undoSeq else { return try move(parent, undoable: false) }
        let channels = Set(event.changes.compactMap(\.channel))
        guard let channel = channels.first, channels.count == 1, event.changes.allSatisfy({ $0.channel != nil }) else {
            throw refusal("a rollback of a recorded change moves pointers of one channel")
        }
        let bundles = Set(event.changes.map(\.bundle))
        guard let (path, entry) = try parent.newestUndoEntry(channel, where: { $0.moves.contains { bundles.contains($0.bundle) } }),
            entry.seq == undoSeq
        else {
            throw refusal("it undoes the change at seq \(undoSeq) on \(channel), which is not the newest recorded change of \(bundles.sorted().joined(separator: ", ")) there")
        }
        let undone = entry.moves.filter { bundles.contains($0.bundle) }
        guard undone.count == event.changes.count else { throw refusal("it does not undo exactly the moves of the change at seq \(undoSeq)") }
        for (move, change) in zip(undone, event.changes) {
            guard move.bundle == change.bundle, let restored = move.from, change.to == PointerTarget(restored) else {
                throw refusal("it sets \(channel) of \(change.bundle) to \(change.to?.description ?? "(none)"), but the change at seq \(undoSeq) moved it from \(move.from.map { PointerTarget($0).description } ?? "(none)")")
            }
            _ = try current(parent, channel, change)
            var pointer = restored
            (pointer.seq, pointer.time, pointer.actor) = (event.seq, event.time, event.actor)
            files[Layout.pointerFile(channel, change.bundle)] = CanonicalJSON.bytes(of: pointer)
        }
        var remaining = entry
        remaining.moves = entry.moves.filter { !bundles.contains($0.bundle) }
        files[path] = .some(remaining.moves.isEmpty ? nil : CanonicalJSON.bytes(of: remaining))
    }

    private mutating func createChannel(_ parent: StateSnapshot) throws {
        let declaration = try required(ChannelDeclaration.self)
        try Names.checkChannel(declaration.name)
        guard event.changes.isEmpty, event.channel == declaration.name, try !parent.channels().contains(declaration.name) else {
            throw refusal("a channel-create declares one new channel, named by the event (\(Names.printable(declaration.name)))")
        }
        files[Layout.channelDeclarationFile(declaration.name)] = CanonicalJSON.bytes(of: declaration)
    }

    /// Removes the channel and everything under it; the event lists each pointer removed.
    private mutating func deleteChannel(_ parent: StateSnapshot) throws {
        try requireNoDocument()
        guard let channel = event.channel else { throw refusal("a channel-delete names its channel") }
        try declared(channel, in: parent)
        let removed = try parent.pointers(channel).sorted { $0.key < $1.key }.map { name, pointer in
            StateChange(bundle: name, channel: channel, from: PointerTarget(pointer), to: nil)
        }
        guard removed == event.changes else { throw refusal("its changes are not the pointers \(channel) held") }
        files[Layout.channelDirectory(channel)] = .some(nil)
    }

    private mutating func recordEval(_ parent: StateSnapshot) throws {
        let statement = try required(EvalStatement.self)
        let predicate = statement.predicate
        guard event.changes.isEmpty, statement.subject.count == 1, let digest = statement.bundleDigest,
            let at = statement.subject[0].name.lastIndex(of: "@"),
            let version = SemanticVersion(text: String(statement.subject[0].name[statement.subject[0].name.index(after: at)...]))
        else { throw refusal("an eval record's statement names one bundle version and its digest") }
        let name = String(statement.subject[0].name[..<at])
        try Names.checkBundle(name)
        try Registry.checkSuite(predicate.suite)
        guard try parent.versionRecord(name, version)?.digest == digest else {
            throw refusal("its statement is about \(name)@\(version) with digest \(digest), which is not a published version")
        }
        guard (predicate.seq, predicate.actor, predicate.time) == (event.seq, event.actor, event.time) else {
            throw refusal("its statement's seq, actor and time are not the event's")
        }
        files[Layout.evalFile(name, digest, suite: predicate.suite, seq: event.seq)] = CanonicalJSON.bytes(of: statement)
    }

    private mutating func setGate(_ parent: StateSnapshot) throws {
        guard let channel = event.channel, event.changes.isEmpty else { throw refusal("a gate event names its channel and moves nothing") }
        guard let rule = try document(GateRule.self) else {
            guard try parent.gate(channel) != nil else { throw refusal("it removes the gate of \(channel), which has none") }
            files[Layout.gateFile(channel)] = .some(nil)
            return
        }
        guard rule.channel == channel else { throw refusal("its gate is for \(Names.printable(rule.channel)), not \(channel)") }
        try Registry.checkSuite(rule.suite)
        try declared(channel, in: parent)
        files[Layout.gateFile(channel)] = CanonicalJSON.bytes(of: rule)
    }

    /// An approval records the proposal with its new approval (`document`), or lands it: the
    /// proposal removed and its moves made, in the same commit. Without a proposal, the moves of
    /// a proposal that needed no approvals.
    private mutating func approve(_ parent: StateSnapshot) throws {
        guard let id = event.proposal else { return try move(parent, undoable: true) }
        let path = Layout.proposalFile(id)
        guard let pending = try parent.document(Proposal.self, at: path) else { throw refusal("it approves proposal \(Names.printable(id)), which is not pending") }
        if let approved = try document(Proposal.self) {
            guard approved.id == id, event.changes.isEmpty else { throw refusal("it records an approval of \(id) that moves nothing") }
            files[path] = CanonicalJSON.bytes(of: approved)
            return
        }
        guard event.changes == pending.changes else { throw refusal("its moves are not the moves proposal \(id) proposed") }
        try move(parent, undoable: true)
        files[path] = .some(nil)
    }

    private mutating func killOrRevive(_ parent: StateSnapshot) throws {
        try requireNoDocument()
        guard event.changes.count == 1, let channel = event.changes[0].channel, event.changes[0].from == nil, event.changes[0].to == nil else {
            throw refusal("a \(event.action) names one bundle and channel")
        }
        let name = event.changes[0].bundle
        try declared(channel, in: parent)
        let killed = try parent.kill(channel, name) != nil
        if event.action == .revive {
            guard killed else { throw refusal("it revives \(channel) of \(name), which is not killed") }
            files[Layout.killFile(channel, name)] = .some(nil)
            return
        }
        guard !killed, try parent.pointer(channel, name) != nil else { throw refusal("it kills \(channel) of \(name), which is killed already or runs nothing") }
        let record = KillRecord(bundle: name, channel: channel, reason: event.message, by: event.actor, at: event.time)
        files[Layout.killFile(channel, name)] = CanonicalJSON.bytes(of: record)
    }

    // MARK: - Parts

    /// What `channel` of `change.bundle` holds in the parent, which must be what the change says it moved from.
    private func current(_ parent: StateSnapshot, _ channel: String, _ change: StateChange) throws -> ChannelPointer? {
        try declared(channel, in: parent)
        let now = try parent.pointer(channel, change.bundle)
        guard now.map(PointerTarget.init) == change.from else {
            throw refusal("it moves \(channel) of \(change.bundle) from \(change.from?.description ?? "(none)"), but the parent state has \(now.map { PointerTarget($0).description } ?? "(none)")")
        }
        return now
    }

    /// The pointer a move to `target` sets: a published version with its recorded digest, a
    /// traffic share on the canary channel only, stamped with the event.
    private func pointer(_ parent: StateSnapshot, _ channel: String, _ name: String, _ target: PointerTarget) throws -> ChannelPointer {
        guard let record = try parent.versionRecord(name, target.version), record.digest == target.digest else {
            throw refusal("it points \(channel) of \(name) at \(target.version) with digest \(target.digest), which is not a published version")
        }
        guard (channel == canaryChannel) == (target.traffic != nil) else {
            throw refusal("a traffic share belongs to every \(canaryChannel) pointer and to no other (\(channel) of \(name))")
        }
        return ChannelPointer(
            version: target.version, digest: target.digest, traffic: target.traffic, seq: event.seq, time: event.time, actor: event.actor)
    }

    private func declared(_ channel: String, in parent: StateSnapshot) throws {
        do {
            try parent.requireDeclared(channel)
        } catch let error as PromptRegError where error.code == .notFound {
            throw refusal("it changes channel \(Names.printable(channel)), which is not declared")
        }
    }

    /// The event's document as a `T`, checked as any stored document is; nil when there is none.
    private func document<T: StoredDocument & Encodable>(_ type: T.Type) throws -> T? {
        guard let document = event.document else { return nil }
        return try T.read(from: Data(document.canonicalBytes), location: "the document of event seq \(event.seq)")
    }

    private func required<T: StoredDocument & Encodable>(_ type: T.Type) throws -> T {
        guard let found = try document(type) else { throw refusal("a \(event.action) event carries its document") }
        return found
    }

    private func requireNoDocument() throws {
        if event.document != nil { throw refusal("a \(event.action) event carries no document") }
    }

    private func refusal(_ reason: String) -> PromptRegError {
        PromptRegError(
            .integrity, "its event does not follow from its parent state: \(reason)",
            fix: "the state history was written by something other than promptreg; do not trust it", remedy: .verify)
    }

    /// The error for an action this version does not know.
    static func newer(_ event: StateEvent) -> PromptRegError {
        PromptRegError(
            .newerFormat, "state seq \(event.seq) records action '\(Names.printable(event.action.rawValue))', written by a newer promptreg",
            fix: "upgrade promptreg to read this registry's newest state", remedy: .upgrade)
    }
}

extension Array: StoredDocument where Element: StoredDocument {}
