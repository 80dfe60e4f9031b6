import CLibGit2
import Foundation

/// The objects a write is making, held in memory until the write stores them as one pack.
final class PendingObjects {
    /// libgit2's in-memory object backend, owned by the object database it was added to.
    let backend: UnsafeMutablePointer<git_odb_backend>
    /// How many `writingOnePack` calls are open (nested calls join the outermost one).
    var depth = 0
    /// What the write functions returned: every object the backend holds is one of these or is
    /// reached from one through objects the backend holds (the subtrees a tree update made).
    var roots: [ObjectID] = []

    init(backend: UnsafeMutablePointer<git_odb_backend>) { self.backend = backend }
}

/// One pack per write: every object a write makes goes to an in-memory backend first, and the
/// outermost `writingOnePack` stores them all as one pack and its index (each fsync'd once when
/// fsync is on, then renamed into place, then the directory fsync'd) before it returns. A write
/// that throws stores nothing. Loose objects, one file and two fsyncs each, are never written.
extension GitRepository {
    /// Runs `body`, then stores every object it wrote as one pack under `objects/pack`, durable
    /// before this returns; when `body` throws, nothing it wrote reaches the disk. Objects written
    /// inside `body` can be read back inside it. A call inside another joins the outer one.
    package func writingOnePack<T>(_ body: () throws -> T) throws -> T {
        let pending = try pendingObjects()
        pending.depth += 1
        defer { pending.depth -= 1 }
        guard pending.depth == 1 else { return try body() }
        do {
            let result = try body()
            try storePack(of: pending)
            return result
        } catch {
            git_mempack_reset(pending.backend)
            throw error
        }
    }

    /// Runs `body` with every object it writes kept in memory and dropped afterwards (with the
    /// write it runs in, when inside one): for the ids of objects that are computed, never stored.
    package func withoutStoring<T>(_ body: () throws -> T) throws -> T {
        let pending = try pendingObjects()
        let roots = pending.roots.count
        pending.depth += 1
        defer {
            pending.depth -= 1
            pending.roots.removeSubrange(min(roots, pending.roots.count)...)
            if pending.depth == 0 { git_mempack_reset(pending.backend) }
        }
        return try body()
    }

    /// Runs `body`, which writes one object and returns its id, inside `writingOnePack`, and
    /// remembers the id so the pack includes the object and what the write made under it.
    func writingObject(_ body: () throws -> ObjectID) throws -> ObjectID {
        try writingOnePack {
            let id = try body()
            pendingWrites?.roots.append(id)
            return id
        }
    }

    /// Opens the object database afresh when a pack this handle may hold was removed (by a write
    /// joining packs, or by `gc`, here or in another process), and on the first call, when what
    /// it holds is unknown. libgit2 1.5 adds the packs it finds on a refresh but never drops
    /// vanished ones: a long-lived handle would search, and keep open, every pack it ever saw.
    /// Costs one `stat` when the pack directory is unchanged.
    package func forgetRemovedPacks() throws {
        guard let seen = seenPacks else { return try reopenObjectDatabase() }
        var status = stat()
        guard stat("\(path)/objects/pack", &status) == 0 else { return }
        if seen.modified.tv_sec == status.st_mtim.tv_sec, seen.modified.tv_nsec == status.st_mtim.tv_nsec { return }
        guard let state = try packDirectoryState() else { return }
        if !seen.names.isSubset(of: state.names) { return try reopenObjectDatabase() }
        seenPacks = state
    }

    /// Replaces the repository's object database with a freshly opened one (and drops the
    /// in-memory backend of the old one; the next write adds a new one). Never during a write.
    func reopenObjectDatabase() throws {
        precondition((pendingWrites?.depth ?? 0) <= 1, "the object database is reopened only between writes")
        // Read before opening: any pack the new database can load is in this list or newer.
        let state = try packDirectoryState()
        try withGitObject(
            "reopen object database", make: { git_odb_open(&$0, "\(path)/objects") }, free: git_odb_free
        ) { odb in
            try check(git_repository_set_odb(handle, odb), "reopen object database")
        }
        pendingWrites = nil
        seenPacks = state
    }

    /// The pack directory's modification time and pack names; nil when it cannot be read.
    private func packDirectoryState() throws -> (modified: timespec, names: Set<String>)? {
        var status = stat()
        guard stat("\(path)/objects/pack", &status) == 0 else { return nil }
        return (status.st_mtim, Set(try packFiles()))
    }

    /// How many pack files the object database holds.
    package func packCount() throws -> Int {
        try packFiles().count
    }

    /// The pack files (`pack-<id>.pack`, with an index beside them) under `objects/pack`, by name.
    package func packFiles() throws -> [String] {
        let directory = "\(path)/objects/pack"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return entries.filter { $0.hasPrefix("pack-") && $0.hasSuffix(".pack") }.sorted()
    }

    /// The in-memory backend, added to the object database ahead of the disk on first use.
    private func pendingObjects() throws -> PendingObjects {
        if let pendingWrites { return pendingWrites }
        var made: UnsafeMutablePointer<git_odb_backend>?
        try check(git_mempack_new(&made), "make in-memory object store")
        guard let backend = made else {
            throw GitError(code: .other(0), message: "libgit2 returned no backend", operation: "make in-memory object store")
        }
        try withObjectDatabase { odb in
            // The database owns the backend from here on, and frees it with itself.
            try check(git_odb_add_backend(odb, backend, Self.pendingPriority), "add in-memory object store")
        }
        // libgit2 1.5's in-memory backend cannot list its objects and git_odb_foreach calls every
        // backend's lister unchecked: give it one that lists nothing (between writes it is empty;
        // during one, its objects are not stored yet).
        backend.pointee.foreach = { _, _, _ in 0 }
        let pending = PendingObjects(backend: backend)
        pendingWrites = pending
        return pending
    }

    /// Ahead of libgit2's loose (1) and pack (2) backends, so writes land in memory.
    private static let pendingPriority: Int32 = 1000

    /// Stores what `pending` holds as one pack and its index under `objects/pack` (see
    /// `storePack(of:_:)`), then empties `pending`; then joins small packs when there are many.
    private func storePack(of pending: PendingObjects) throws {
        let empty = {
            git_mempack_reset(pending.backend)
            pending.roots.removeAll()
        }
        do {
            var visited = Set<ObjectID>()
            var made: [ObjectID] = []
            for root in pending.roots { try collectPending(root, of: pending, into: &made, visited: &visited) }
            try storePack(of: made, "store pack of new objects in \(path)")
        } catch {
            empty()
            throw error
        }
        empty()
        // Housekeeping, not part of the write: the write's pack is stored whatever happens here.
        // It may reopen the object database, so it runs after the backend is emptied.
        try? joinPacksIfMany()
    }

    /// Appends `id` to `made` when the write made it (the in-memory backend holds it), then what
    /// it refers to that the write made: a commit's tree, a tree's entries. Objects already on disk
    /// and everything under them are skipped, so the walk covers only the changed paths.
    private func collectPending(
        _ id: ObjectID, of pending: PendingObjects, into made: inout [ObjectID], visited: inout Set<ObjectID>
    ) throws {
        var oid = id.oid
        guard visited.insert(id).inserted, pending.backend.pointee.exists(pending.backend, &oid) == 1 else { return }
        made.append(id)
        let referred: [ObjectID] = try withGitObject(
            "read object \(id)", make: { git_object_lookup(&$0, handle, &oid, GIT_OBJECT_ANY) }, free: git_object_free
        ) { object in
            switch git_object_type(object) {
            case GIT_OBJECT_COMMIT:
                return [try ObjectID(git_commit_tree_id(object), "read commit \(id)")]
            case GIT_OBJECT_TREE:
                let tree = object
                return try (0..<git_tree_entrycount(tree)).compactMap { index in
                    let entry = git_tree_entry_byindex(tree, index)
                    guard git_tree_entry_type(entry) != GIT_OBJECT_COMMIT else { return nil }  // a submodule: not ours
                    return try ObjectID(git_tree_entry_id(entry), "read tree \(id)")
                }
            default:
                return []
            }
        }
        for next in referred { try collectPending(next, of: pending, into: &made, visited: &visited) }
    }
}
