import Foundation

/// The kill switch: `kill` stops one channel of one bundle in one audited state commit, so that
/// every resolve of it fails with `PromptRegError.Code.killed` until `revive` puts it back.
/// Pinned resolves (a version, a digest, a pin file) are not affected.
extension Registry {
    /// Kills `channel` (default prod) of bundle `name`, with `reason` recorded as the event's
    /// message and in the kill. Refused with `conflict`, writing nothing, when it is killed already.
    /// On a registry with an upstream the kill is written through, like a promote.
    @discardableResult
    public func kill(_ name: String, channel: String = stableChannel, reason: String, actor: String) throws -> StateEvent {
        try Self.checkKillTarget(name, channel)
        guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw PromptRegError(
                .usage, "a kill needs a reason: it is what every refused agent and the audit log show", fix: "say why",
                remedy: .giveMessage, subject: .init(bundle: name, channel: channel))
        }
        return try updateState(actor: actor) { snapshot, stamp in
            try killUpdate(name, channel: channel, killing: true, message: reason, snapshot, stamp)
        }
    }

    /// Puts a killed `channel` (default prod) of bundle `name` back in service. Refused with
    /// `conflict`, writing nothing, when it is not killed.
    @discardableResult
    public func revive(_ name: String, channel: String = stableChannel, message: String, actor: String) throws -> StateEvent {
        try Self.checkKillTarget(name, channel)
        return try updateState(actor: actor) { snapshot, stamp in
            try killUpdate(name, channel: channel, killing: false, message: message, snapshot, stamp)
        }
    }

    /// Refuses a bad bundle or channel name before anything is read.
    private static func checkKillTarget(_ name: String, _ channel: String) throws {
        try Names.checkBundle(name)
        try Names.checkChannel(channel)
    }

    /// The state update `kill` (`killing`) or `revive` writes at `snapshot`: the kill document
    /// set or removed, and one change naming the bundle and channel.
    func killUpdate(
        _ name: String, channel: String, killing: Bool, message: String, _ snapshot: StateSnapshot, _ stamp: StateStamp
    ) throws -> StateUpdate {
        try snapshot.requireDeclared(channel)
        if try !snapshot.hasVersions(of: name) { throw Self.bundleNotFound(name) }
        let existing = try snapshot.kill(channel, name)
        let change = StateChange(bundle: name, channel: channel, from: nil, to: nil)
        guard killing else {
            guard existing != nil else {
                throw PromptRegError(
                    .conflict, "\(channel) of \(name) is not killed; nothing changed", fix: "see what is killed", remedy: .showStatus,
                    subject: .init(bundle: name, channel: channel))
            }
            return StateUpdate(action: .revive, message: message, changes: [change])
        }
        if let existing {
            throw PromptRegError(
                .conflict, "\(channel) of \(name) is already killed (by \(existing.by) at \(existing.at): \(existing.reason)); nothing changed",
                fix: "revive it first if the reason changed", subject: .init(bundle: name, channel: channel))
        }
        guard try snapshot.pointer(channel, name) != nil else {
            throw PromptRegError(
                .notFound, "\(name) has no version on \(channel): nothing runs there to kill", fix: "see where it runs",
                remedy: .showStatus, subject: .init(bundle: name, channel: channel))
        }
        return StateUpdate(action: .kill, message: message, changes: [change])
    }
}

extension StateSnapshot {
    /// The kill of `channel` for bundle `name`; nil when it is live. A kill document that names
    /// another bundle or channel than its place says is an integrity failure.
    func kill(_ channel: String, _ name: String) throws -> KillRecord? {
        let path = Layout.killFile(channel, name)
        guard let record = try document(KillRecord.self, at: path) else { return nil }
        guard record.bundle == name, record.channel == channel else {
            throw PromptRegError(
                .integrity,
                "state \(commit.short):\(path): the kill names \(Names.printable(record.channel)) of \(Names.printable(record.bundle)), not \(channel) of \(name)",
                fix: "the registry holds a document promptreg never writes; restore it from a clone or backup", remedy: .verify,
                subject: .init(file: path))
        }
        return record
    }

    /// The bundles `channel` has a kill for.
    func killNames(_ channel: String) throws -> Set<String> {
        Set(try shardedNames(in: Layout.killsDirectory(channel)))
    }
}
