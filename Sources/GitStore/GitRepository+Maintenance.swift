import CLibGit2

/// One entry of a reference's reflog: a move from `old` to `new` (a zero `old` is a creation).
package struct ReflogEntry: Sendable, Equatable {
    /// The value before the move; nil when the reference was created.
    package let old: ObjectID?
    /// The value after the move.
    package let new: ObjectID
    /// The reflog message.
    package let message: String
}

extension GitRepository {
    /// The reflog of `reference`, oldest entry first; empty when it has none.
    package func reflog(_ reference: String) throws -> [ReflogEntry] {
        let operation = "read reflog of \(reference)"
        return try withGitObject(operation, make: { git_reflog_read(&$0, handle, reference) }, free: git_reflog_free) {
            log in
            // libgit2 indexes the reflog newest first.
            try (0..<git_reflog_entrycount(log)).reversed().map { index in
                let entry = git_reflog_entry_byindex(log, index)
                let old = try ObjectID(git_reflog_entry_id_old(entry), operation)
                return ReflogEntry(
                    old: old.isZero ? nil : old,
                    new: try ObjectID(git_reflog_entry_id_new(entry), operation),
                    message: git_reflog_entry_message(entry).map { String(cString: $0) } ?? "")
            }
        }
    }

    /// Calls `body` with the id of every object in the object database, in no particular order.
    /// An error `body` throws stops the listing and is rethrown unchanged.
    package func forEachObject(_ body: (ObjectID) throws -> Void) throws {
        try withObjectDatabase { odb in
            try withoutActuallyEscaping(body) { body in
                try CallbackBridge(body).perform("list objects") { payload in
                    git_odb_foreach(
                        odb,
                        { oid, payload in
                            CallbackBridge<(ObjectID) throws -> Void>.callback(payload) { body in
                                try body(ObjectID(oid, "list objects"))
                            }
                        }, payload)
                }
            }
        }
    }

    /// True when the object database holds `id`.
    package func containsObject(_ id: ObjectID) throws -> Bool {
        var oid = id.oid
        return try withObjectDatabase { git_odb_exists($0, &oid) == 1 }
    }

    /// Every object in the object database.
    package func allObjects() throws -> Set<ObjectID> {
        var ids = Set<ObjectID>()
        try forEachObject { ids.insert($0) }
        return ids
    }

    /// Every object reachable from a reference (and, with `includingReflogs`, from the commits its
    /// reflog names that still exist, as git's gc keeps them): the commits of their histories, and
    /// the trees and blobs of those commits. Throws when a reference or a commit cannot be read.
    package func reachableObjects(includingReflogs: Bool = false) throws -> Set<ObjectID> {
        try withGitObject("start history walk", make: { git_revwalk_new(&$0, handle) }, free: git_revwalk_free) {
            walk in
            // Each target pushed on its own: a glob push fails on the first loose ref whose name
            // git would not accept, and a damaged repository must still be walkable.
            for reference in try references(matching: "refs/*") {
                var target = reference.target.oid
                try check(git_revwalk_push(walk, &target), "walk from \(reference.name)")
                guard includingReflogs else { continue }
                for entry in try reflog(reference.name) where try containsObject(entry.new) {
                    var logged = entry.new.oid
                    try check(git_revwalk_push(walk, &logged), "walk from the reflog of \(reference.name)")
                }
            }
            var reachable = Set<ObjectID>()
            var oid = git_oid()
            while true {
                let result = git_revwalk_next(&oid, walk)
                if result == GIT_ITEROVER.rawValue { return reachable }
                try check(result, "walk history")
                let commit = ObjectID(oid)
                reachable.insert(commit)
                try addTree(try readCommit(commit).tree, to: &reachable)
            }
        }
    }

    private func addTree(_ id: ObjectID, to reachable: inout Set<ObjectID>) throws {
        guard reachable.insert(id).inserted else { return }
        let entries = try withTree(id) { tree in
            try (0..<git_tree_entrycount(tree)).map { index in
                let entry = git_tree_entry_byindex(tree, index)
                return (id: try ObjectID(git_tree_entry_id(entry), "read tree \(id)"),
                        isTree: git_tree_entry_type(entry) == GIT_OBJECT_TREE)
            }
        }
        for entry in entries {
            if entry.isTree {
                try addTree(entry.id, to: &reachable)
            } else {
                reachable.insert(entry.id)
            }
        }
    }
}
