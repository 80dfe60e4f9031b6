import CLibGit2

/// One entry of a reference's reflog: a move from `old` to `new` (a zero `old` is a creation).
public struct ReflogEntry: Sendable, Equatable {
    /// The value before the move; nil when the reference was created.
    public let old: ObjectID?
    /// The value after the move.
    public let new: ObjectID
    /// The reflog message.
    public let message: String
}

extension GitRepository {
    /// The reflog of `reference`, oldest entry first; empty when it has none.
    public func reflog(_ reference: String) throws -> [ReflogEntry] {
        var log: OpaquePointer?
        try check(git_reflog_read(&log, handle, reference), "read reflog of \(reference)")
        defer { git_reflog_free(log) }
        let count = git_reflog_entrycount(log)
        // libgit2 indexes the reflog newest first.
        return (0..<count).reversed().map { index in
            let entry = git_reflog_entry_byindex(log, index)
            let old = ObjectID(git_reflog_entry_id_old(entry)!.pointee)
            let message = git_reflog_entry_message(entry).map { String(cString: $0) } ?? ""
            return ReflogEntry(
                old: old.bytes.allSatisfy { $0 == 0 } ? nil : old, new: ObjectID(git_reflog_entry_id_new(entry)!.pointee),
                message: message)
        }
    }

    /// Every object in the object database.
    public func allObjects() throws -> Set<ObjectID> {
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, handle), "open object database")
        defer { git_odb_free(odb) }
        final class Collector { var ids = Set<ObjectID>() }
        let collector = Collector()
        let result = withExtendedLifetime(collector) {
            git_odb_foreach(
                odb,
                { oid, payload in
                    Unmanaged<Collector>.fromOpaque(payload!).takeUnretainedValue().ids.insert(ObjectID(oid!.pointee))
                    return 0
                }, Unmanaged.passUnretained(collector).toOpaque())
        }
        try check(result, "list objects")
        return collector.ids
    }

    /// Every object reachable from a reference: the commits of their histories, and the trees and
    /// blobs of those commits.
    public func reachableObjects() throws -> Set<ObjectID> {
        var walk: OpaquePointer?
        try check(git_revwalk_new(&walk, handle), "start history walk")
        defer { git_revwalk_free(walk) }
        try check(git_revwalk_push_glob(walk, "refs/*"), "walk all references")
        var reachable = Set<ObjectID>()
        var oid = git_oid()
        while git_revwalk_next(&oid, walk) == 0 {
            let commit = ObjectID(oid)
            reachable.insert(commit)
            try addTree(try readCommit(commit).tree, to: &reachable)
        }
        return reachable
    }

    private func addTree(_ id: ObjectID, to reachable: inout Set<ObjectID>) throws {
        guard reachable.insert(id).inserted else { return }
        var oid = id.oid
        var tree: OpaquePointer?
        try check(git_tree_lookup(&tree, handle, &oid), "read tree \(id)")
        defer { git_tree_free(tree) }
        for index in 0..<git_tree_entrycount(tree) {
            let entry = git_tree_entry_byindex(tree, index)
            let entryID = ObjectID(git_tree_entry_id(entry)!.pointee)
            if git_tree_entry_type(entry) == GIT_OBJECT_TREE {
                try addTree(entryID, to: &reachable)
            } else {
                reachable.insert(entryID)
            }
        }
    }
}
