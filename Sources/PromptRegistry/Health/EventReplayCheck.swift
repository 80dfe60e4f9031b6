/// For events written before 0.4 (`promptreg.event/v1`), which carry no documents: checks that a
/// state commit's event says everything its tree changed: each pointer, version
/// record and digest index file that differs from the parent's must be a change the event lists,
/// and each change the event lists must have changed its file. A commit whose event hides a
/// pointer move (forged, or written by something other than promptreg) fails.
struct EventReplayCheck {
    let store: RegistryStore

    /// What is wrong with `state`'s event against its parent's tree; nil when it matches.
    func problem(_ state: StateSnapshot, _ event: StateEvent) throws -> String? {
        guard let parent = try state.parent() else { return nil }
        let changed = Set(try store.changedFiles(from: parent.tree, to: state.tree))
        let writes = event.changes.map { paths($0, action: event.action) }
        let explained = Set(writes.flatMap { $0.flatMap { $0 } })
        let unexplained = changed.filter { path in
            !explained.contains(path) && !isBookkeeping(path, action: event.action)
        }
        if let path = unexplained.sorted().first {
            return "its tree changes \(path), which its event (\(event.action.rawValue), \(event.changes.count) change(s)) does not list: the event does not describe the commit"
        }
        for layouts in writes where !layouts.isEmpty && !layouts.contains(where: { changed.isSuperset(of: $0) }) {
            let missing = layouts[0].filter { !changed.contains($0) }.sorted()
            return "its event lists a change of \(missing.first ?? layouts[0][0]), which its tree does not make"
        }
        return nil
    }

    /// The state files one listed change writes, one list per layout that may have written it: a
    /// kill or revive its kill document, another channel change its pointer, a publish its
    /// version record and digest index (sharded, or flat in registries written before 0.3).
    private func paths(_ change: StateChange, action: StateEvent.Action) -> [[String]] {
        if let channel = change.channel {
            return [[action == .kill || action == .revive ? Layout.killFile(channel, change.bundle) : Layout.pointerFile(channel, change.bundle)]]
        }
        guard let target = change.to else { return [] }
        return [
            [Layout.versionRecordFile(change.bundle, target.version), Layout.digestIndexFile(change.bundle, target.digest)],
            [Layout.legacyVersionRecordFile(change.bundle, target.version), Layout.legacyDigestIndexFile(change.bundle, target.digest)],
        ]
    }

    /// Files an event writes without listing them: itself, undo entries, channel declarations (and
    /// a deleted channel's kills).
    private func isBookkeeping(_ path: String, action: StateEvent.Action) -> Bool {
        if path == Layout.eventFile { return true }
        switch action {
        case .publish: return path.hasPrefix("\(Layout.highestDirectory)/")  // checked against the records by verify
        case .evalRecord: return path.hasPrefix("evals/")
        case .gateChange: return path.hasPrefix("policy/gates/")
        case .rampChange: return path == Layout.rampFile
        case .trustPolicy: return path == Layout.trustPolicyFile
        case .propose: return path.hasPrefix("\(Layout.proposalsDirectory)/")
        case .approve: if path.hasPrefix("\(Layout.proposalsDirectory)/") { return true }
        default: break
        }
        let parts = path.split(separator: "/")
        guard parts.count >= 3, parts[0] == "channels" else { return false }
        switch action {
        case .promote, .rollback, .approve: return parts[2] == "undo"
        case .channelCreate, .initialise: return parts.count == 3 && parts[2] == "channel.json"
        case .channelDelete: return parts[2] == "undo" || parts[2] == "kills" || (parts.count == 3 && parts[2] == "channel.json")
        default: return false
        }
    }
}
