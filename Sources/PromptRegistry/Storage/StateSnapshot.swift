import Foundation

/// One consistent read of the channel state: everything comes from a single state commit, so a
/// reader never sees half of a promote or rollback.
struct StateSnapshot {
    let store: RegistryStore
    /// The state commit read.
    let commit: CommitID
    /// Its tree.
    let tree: TreeID
    /// Its parents (one, or none for the first state commit).
    let parents: [CommitID]
    /// Its committer time.
    let time: Date

    /// The state as the state ref says now; refused when the handle has a trust anchor that
    /// does not trust it.
    static func current(_ store: RegistryStore) throws -> StateSnapshot {
        let commit = try currentCommit(store)
        try store.checkAnchored(commit)
        return try at(commit, store)
    }

    /// The state commit the state ref points at now.
    static func currentCommit(_ store: RegistryStore) throws -> CommitID {
        guard let commit = try store.target(of: Layout.stateRef) else {
            guard try !store.references(matching: Layout.allVersionRefs).isEmpty else {
                throw PromptRegError(
                    .notFound,
                    "\(store.path) is a git repository without promptreg's refs (refs/promptreg/*): not a registry, or a copy made by a plain 'git clone', which copies only branches and tags",
                    fix: "copy the registry with its refs", remedy: .cloneRegistry)
            }
            throw PromptRegError(
                .integrity,
                "\(store.path) has version refs but no \(Layout.stateRef): it was copied without its state, or the state ref was deleted",
                fix: "restore the state ref from a backup or a clone that has it", remedy: .cloneRegistry)
        }
        return commit
    }

    /// The state as of state commit `commit`.
    static func at(_ commit: CommitID, _ store: RegistryStore) throws -> StateSnapshot {
        let info = try store.commit(commit)
        return StateSnapshot(store: store, commit: commit, tree: info.tree, parents: info.parents, time: info.time)
    }

    /// The trust policy in force at this state, if one was set.
    func trustPolicy() throws -> TrustPolicy? {
        try document(TrustPolicy.self, at: Layout.trustPolicyFile)
    }

    /// The snapshot of this commit's first parent; nil for the first state commit.
    func parent() throws -> StateSnapshot? {
        try parents.first.map { try StateSnapshot.at($0, store) }
    }

    /// Decodes the state document at `path`; nil when there is none. A document that is too large,
    /// does not decode or holds a value out of range is an integrity failure naming it.
    func document<T: StoredDocument>(_ type: T.Type, at path: String) throws -> T? {
        guard let data = try store.file(path, in: tree) else { return nil }
        return try T.read(from: data, location: "state \(commit.short):\(path)")
    }

    /// Names in the state directory `path`.
    func names(in path: String) throws -> [String] {
        try store.names(in: path, of: tree)
    }

    /// This commit's event.
    func event() throws -> StateEvent {
        guard let event = try document(StateEvent.self, at: Layout.eventFile) else {
            throw PromptRegError(
                .integrity, "state commit \(commit) has no \(Layout.eventFile)",
                fix: "the state history was written by something other than promptreg; restore it from a clone")
        }
        return event
    }

    /// This state, or, when a newer promptreg wrote it (an action this version does not know), the
    /// newest state before it that this version understands.
    func understood() throws -> StateSnapshot {
        var current = self
        for _ in 0..<StateHistory.walkLimit {
            guard try !current.event().action.isKnown, let parent = try current.parent() else { return current }
            current = parent
        }
        return current
    }

    /// This commit's sequence number, after checking the link to its parent: the parent's is one
    /// less (or there is no parent and it is 0). A rewritten or truncated head is an integrity error.
    func checkedSeq() throws -> Int64 {
        let seq = try event().seq
        guard parents.count <= 1 else {
            throw PromptRegError(
                .integrity, "state commit \(commit.short) has \(parents.count) parents: state history is linear, so it was not written by promptreg",
                fix: "do not trust this registry's channels; restore the state ref from a clone or its reflog", remedy: .verify)
        }
        let parentSeq = try parent()?.event().seq
        guard parentSeq.map({ $0 == seq - 1 }) ?? (seq == 0) else {
            throw PromptRegError(
                .integrity,
                "state commit \(commit.short) has sequence \(seq) but its parent has \(parentSeq.map(String.init) ?? "none"): the state history was rewritten or truncated",
                fix: "do not trust this registry's channels; restore the state ref from a clone or its reflog", remedy: .verify)
        }
        return seq
    }

    /// Every bundle with at least one published version, sorted.
    func bundleNames() throws -> [String] { try shardedNames(in: Layout.versionsDirectory).sorted() }

    /// The entry names under every shard of `directory`. Reads only the shards that exist.
    func shardedNames(in directory: String) throws -> [String] {
        var found: [String] = []
        for first in try names(in: directory) {
            for second in try names(in: "\(directory)/\(first)") {
                found += try names(in: "\(directory)/\(first)/\(second)")
            }
        }
        return found
    }

    /// The published versions of `name`, ascending: every shard's records, and the flat records
    /// of a registry written before 0.3. Reads every record name: use `highestVersion` or
    /// `hasVersions` when that is all a caller needs.
    func versions(of name: String) throws -> [SemanticVersion] {
        let directory = Layout.versionsDirectory(name)
        var found: [SemanticVersion] = []
        for entry in try names(in: directory) {
            if let flat = try? SemanticVersion(parsing: entry) {
                found.append(flat)
            } else {
                found += try names(in: "\(directory)/\(entry)").compactMap { try? SemanticVersion(parsing: $0) }
            }
        }
        return found.sorted()
    }

    /// True when `name` has at least one published version.
    func hasVersions(of name: String) throws -> Bool {
        try !names(in: Layout.versionsDirectory(name)).isEmpty
    }

    /// The highest published version of `name`, from its `highest` file when the registry keeps
    /// one (a file naming a version without a record is ignored: `verify` reports it), else by
    /// listing every version.
    func highestVersion(of name: String) throws -> SemanticVersion? {
        if let kept = try document(SemanticVersion.self, at: Layout.highestFile(name)), try versionRecord(name, kept) != nil {
            return kept
        }
        return try versions(of: name).last
    }

    /// The record of `name@version`, if published.
    func versionRecord(_ name: String, _ version: SemanticVersion) throws -> VersionRecord? {
        try document(VersionRecord.self, at: Layout.versionRecordFile(name, version))
            ?? document(VersionRecord.self, at: Layout.legacyVersionRecordFile(name, version))
    }

    /// The version of `name` whose bundle digest is `digest`, if any.
    func version(of name: String, digest: Digest) throws -> SemanticVersion? {
        try document(SemanticVersion.self, at: Layout.digestIndexFile(name, digest))
            ?? document(SemanticVersion.self, at: Layout.legacyDigestIndexFile(name, digest))
    }

    /// Channels that have ever had a pointer, sorted.
    func channels() throws -> [String] { try names(in: Layout.channelsDirectory).sorted() }

    /// Where `channel` points for bundle `name`.
    func pointer(_ channel: String, _ name: String) throws -> ChannelPointer? {
        try document(ChannelPointer.self, at: Layout.pointerFile(channel, name))
    }

    /// Every pointer of `channel`, by bundle.
    func pointers(_ channel: String) throws -> [String: ChannelPointer] {
        try pointers(channel, of: pointerNames(channel))
    }

    /// The bundles that have a pointer on `channel`.
    func pointerNames(_ channel: String) throws -> [String] {
        try shardedNames(in: Layout.pointersDirectory(channel))
    }

    /// The pointers of `channel` for just `names` (those that have one).
    func pointers(_ channel: String, of names: [String]) throws -> [String: ChannelPointer] {
        var found: [String: ChannelPointer] = [:]
        for name in names {
            found[name] = try pointer(channel, name)
        }
        return found
    }

    /// The paths of `channel`'s undo entries, oldest first.
    func undoFiles(_ channel: String) throws -> [String] {
        try names(in: Layout.undoDirectory(channel)).sorted().map { "\(Layout.undoDirectory(channel))/\($0)" }
    }

    /// The newest undo entry of `channel` that `matches`, with its path.
    func newestUndoEntry(_ channel: String, where matches: (UndoEntry) -> Bool) throws -> (path: String, entry: UndoEntry)? {
        for path in try undoFiles(channel).reversed() {
            if let entry = try document(UndoEntry.self, at: path), matches(entry) { return (path, entry) }
        }
        return nil
    }
}

