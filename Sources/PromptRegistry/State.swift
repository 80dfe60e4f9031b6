import Foundation
import GitStore

/// One consistent read of the channel state: everything comes from a single state commit, so a
/// reader never sees half of a promote or rollback.
struct StateSnapshot {
    let repository: GitRepository
    /// The state commit read.
    let commit: ObjectID
    /// Its tree.
    let tree: ObjectID

    /// The state as the state ref says now.
    static func current(_ repository: GitRepository) throws -> StateSnapshot {
        try at(try currentCommit(repository), repository)
    }

    /// The state commit the state ref points at now.
    static func currentCommit(_ repository: GitRepository) throws -> ObjectID {
        guard let commit = try Registry.storage({ try repository.referenceTarget(Layout.stateRef) }) else {
            throw PromptRegError(
                .integrity, "\(repository.path) has no \(Layout.stateRef): it is not a promptreg registry, or its state was deleted",
                fix: "run 'promptreg init' on a new path, or restore the ref from a backup or a clone")
        }
        return commit
    }

    /// The state as of state commit `commit`.
    static func at(_ commit: ObjectID, _ repository: GitRepository) throws -> StateSnapshot {
        let info = try Registry.storage { try repository.readCommit(commit) }
        return StateSnapshot(repository: repository, commit: commit, tree: info.tree)
    }

    /// Decodes the state document at `path`; nil when there is none. A document that does not
    /// decode is an integrity failure.
    func document<T: Decodable>(_ type: T.Type, at path: String) throws -> T? {
        guard let data = try Registry.storage({ try repository.readFile(path, inTree: tree) }) else { return nil }
        return try CanonicalJSON.decode(type, from: data, file: "state \(commit.hex.prefix(12)):\(path)", code: .integrity)
    }

    /// Names in the state directory `path`.
    func names(in path: String) throws -> [String] {
        try Registry.storage { try repository.listTree(path, inTree: tree) }
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

    /// This commit's sequence number, after checking the link to its parent: the parent's is one
    /// less (or there is no parent and it is 0). A rewritten or truncated head is an integrity error.
    func checkedSeq() throws -> Int64 {
        let seq = try event().seq
        let parents = try Registry.storage { try repository.readCommit(commit).parents }
        let parentSeq = try parents.first.map { try StateSnapshot.at($0, repository).event().seq }
        guard parents.count <= 1, parentSeq.map({ $0 == seq - 1 }) ?? (seq == 0) else {
            throw PromptRegError(
                .integrity,
                "state commit \(commit.hex.prefix(12)) has sequence \(seq) but its parent has \(parentSeq.map(String.init) ?? "none"): the state history was rewritten or truncated",
                fix: "do not trust this registry's channels; run 'promptreg verify' and restore the state ref from a clone or its reflog")
        }
        return seq
    }

    /// Every bundle with at least one published version, sorted.
    func bundleNames() throws -> [String] { try shardedNames(in: Layout.versionsDirectory).sorted() }

    /// The entry names under every shard of `directory`. Reads only the shards that exist.
    private func shardedNames(in directory: String) throws -> [String] {
        var found: [String] = []
        for first in try names(in: directory) {
            for second in try names(in: "\(directory)/\(first)") {
                found += try names(in: "\(directory)/\(first)/\(second)")
            }
        }
        return found
    }

    /// The published versions of `name`, ascending.
    func versions(of name: String) throws -> [SemanticVersion] {
        try names(in: Layout.versionsDirectory(name)).compactMap { try? SemanticVersion(parsing: $0) }.sorted()
    }

    /// The record of `name@version`, if published.
    func versionRecord(_ name: String, _ version: SemanticVersion) throws -> VersionRecord? {
        try document(VersionRecord.self, at: Layout.versionRecordFile(name, version))
    }

    /// The version of `name` whose bundle digest is `digest`, if any.
    func version(of name: String, digest: Digest) throws -> SemanticVersion? {
        try document(SemanticVersion.self, at: Layout.digestIndexFile(name, digest))
    }

    /// Channels that have ever had a pointer, sorted.
    func channels() throws -> [String] { try names(in: Layout.channelsDirectory).sorted() }

    /// Where `channel` points for bundle `name`.
    func pointer(_ channel: String, _ name: String) throws -> ChannelPointer? {
        try document(ChannelPointer.self, at: Layout.pointerFile(channel, name))
    }

    /// Every pointer of `channel`, by bundle.
    func pointers(_ channel: String) throws -> [String: ChannelPointer] {
        try pointers(channel, of: shardedNames(in: Layout.pointersDirectory(channel)))
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

/// What one state commit should do: its event (without sequence number) and the files it writes
/// (nil removes a file).
struct StateUpdate {
    var action: StateEvent.Action
    var message: String
    var changes: [StateChange]
    var files: [String: [UInt8]?]
}

/// The sequence number, time and actor the state commit being prepared will carry.
struct StateStamp {
    let seq: Int64
    let time: String
    let actor: String
}

/// Writes state commits: blobs, then the tree, then the commit, then the compare-and-swap of the state ref.
struct StateWriter {
    let repository: GitRepository

    /// Writes a state commit for `event` with `files` on top of `baseTree` and moves the state ref
    /// from `parent` to it. Throws `GitError` `.modified`, `.exists` or `.locked` when another
    /// writer got there first.
    func commit(event: StateEvent, changes files: [String: [UInt8]?], baseTree: ObjectID?, parent: ObjectID?) throws -> ObjectID {
        var treeChanges = try files.sorted { $0.key < $1.key }.map { path, bytes in
            TreeChange(path: path, blob: try bytes.map { try repository.writeBlob(Data($0)) })
        }
        treeChanges.append(
            TreeChange(path: Layout.eventFile, blob: try repository.writeBlob(Data(CanonicalJSON.bytes(of: event)))))
        let tree = try repository.updateTree(baseTree, changes: treeChanges)
        let commit = try repository.createCommit(
            tree: tree, parents: parent.map { [$0] } ?? [], author: signature(for: event.actor, at: Date()),
            message: Self.message(for: event))
        try repository.updateReference(
            Layout.stateRef, to: commit, expecting: parent.map { .pointsAt($0) } ?? .absent,
            logMessage: "promptreg \(event.action.rawValue) seq \(event.seq)")
        return commit
    }

    /// The commit message: readable in `git log`, with every field of the event.
    static func message(for event: StateEvent) -> String {
        var lines = ["\(event.action.rawValue): \(event.message.split(separator: "\n").first.map(String.init) ?? "")", ""]
        if event.message.contains("\n") { lines += [event.message, ""] }
        lines.append("seq: \(event.seq)")
        lines.append("time: \(event.time)")
        lines.append("actor: \(event.actor)")
        lines.append("action: \(event.action.rawValue)")
        for change in event.changes {
            let from = change.from.map(\.description) ?? "(none)"
            let to = change.to.map(\.description) ?? "(none)"
            if let channel = change.channel {
                lines.append("change: \(change.bundle) \(channel) \(from) -> \(to)")
            } else {
                lines.append("change: \(change.bundle) published \(to) \(change.to?.digest.description ?? "")")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension Registry {
    /// How many times a state update is re-read and re-applied after losing a race.
    static let maxStateAttempts = 50

    /// Applies `intent` to the current state as one new state commit, with compare-and-swap. On a
    /// lost race it re-reads the state and calls `intent` again (which may refuse by throwing), up
    /// to `maxStateAttempts` times; then it reports a conflict.
    func updateState(actor: String, _ intent: (StateSnapshot, StateStamp) throws -> StateUpdate) throws -> StateEvent {
        try withRepository { repository in
            var lastError: GitError?
            for attempt in 0..<Self.maxStateAttempts {
                if attempt > 0 { Self.backoff(attempt) }
                try Self.refuseStaleStateLock(repository)
                let snapshot = try StateSnapshot.current(repository)
                let stamp = StateStamp(seq: try snapshot.event().seq + 1, time: Timestamp.string(Date()), actor: actor)
                let update = try intent(snapshot, stamp)
                let event = StateEvent(
                    seq: stamp.seq, time: stamp.time, actor: actor, action: update.action, message: update.message,
                    changes: update.changes)
                do {
                    _ = try StateWriter(repository: repository).commit(
                        event: event, changes: update.files, baseTree: snapshot.tree, parent: snapshot.commit)
                    return event
                } catch let error as GitError where [.modified, .exists, .locked].contains(error.code) {
                    lastError = error
                }
            }
            if let lastError, lastError.code == .locked {
                throw LockFiles.heldError(reference: Layout.stateRef, registry: repository.path)
            }
            throw PromptRegError(
                .conflict, "the state changed under this command \(Self.maxStateAttempts) times in a row; nothing was written",
                fix: "run the command again; if it keeps failing, too many writers are racing")
        }
    }

    /// Throws at once when the state ref's lock file has been in place for `staleLockAge`: that is
    /// not a writer about to finish, and waiting would only delay the error. Called before writing
    /// anything.
    static func refuseStaleStateLock(_ repository: GitRepository) throws {
        if let age = LockFiles.age("\(repository.path)/\(Layout.stateRef).lock"), age >= staleLockAge {
            throw LockFiles.heldError(reference: Layout.stateRef, registry: repository.path)
        }
    }

    /// Sleeps a little longer after each lost race, with jitter so racing writers spread out.
    static func backoff(_ attempt: Int) {
        let base = min(50_000, 500 << min(attempt, 7))
        usleep(UInt32(base + Int.random(in: 0...base)))
    }
}
