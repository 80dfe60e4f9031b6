import CLibGit2
import Foundation

/// Who made a commit and when.
package struct GitSignature: Sendable, Equatable {
    /// Display name.
    package var name: String
    /// E-mail address; may be empty.
    package var email: String
    /// The moment, to the second.
    package var time: Date

    /// Creates a signature.
    package init(name: String, email: String, time: Date) {
        self.name = name
        self.email = email
        self.time = time
    }
}

/// A commit as read back from the object database.
package struct GitCommit: Sendable {
    /// The commit's own id.
    package let id: ObjectID
    /// The root tree.
    package let tree: ObjectID
    /// Parent commits, first parent first.
    package let parents: [ObjectID]
    /// The author.
    package let author: GitSignature
    /// When it was committed (the committer's time, which signature checks use, as git does).
    package let committerTime: Date
    /// The full message.
    package let message: String
}

/// One change to a tree: put a blob at `path`, or remove what is there when `blob` is nil.
package struct TreeChange: Sendable {
    /// Slash-separated path from the root tree.
    package let path: String
    /// The blob to store, or nil to remove the entry.
    package let blob: ObjectID?

    /// Creates a change.
    package init(path: String, blob: ObjectID?) {
        self.path = path
        self.blob = blob
    }
}

extension GitRepository {
    /// Writes `data` as a blob and returns its id.
    package func writeBlob(_ data: Data) throws -> ObjectID {
        try writingObject {
            var oid = git_oid()
            try data.withUnsafeBytes { raw in
                try check(git_blob_create_from_buffer(&oid, handle, raw.baseAddress, raw.count), "write blob")
            }
            return ObjectID(oid)
        }
    }

    /// Reads the blob `id`.
    package func readBlob(_ id: ObjectID) throws -> Data {
        try withBlob(id) { blob in
            let size = Int(git_blob_rawsize(blob))
            guard size > 0, let content = git_blob_rawcontent(blob) else { return Data() }
            return Data(bytes: content, count: size)
        }
    }

    /// Writes a tree that is `base` (nil: an empty tree) with `changes` applied (nested paths create
    /// subtrees) and returns its id.
    package func updateTree(_ base: ObjectID?, changes: [TreeChange]) throws -> ObjectID {
        try writingObject {
            guard let base else { return try writeTree(updating: nil, with: changes) }
            return try withTree(base) { try writeTree(updating: $0, with: changes) }
        }
    }

    /// Reads the blob at `path` in tree `tree`; nil when nothing is there.
    package func readFile(_ path: String, inTree tree: ObjectID) throws -> Data? {
        guard let blob = try entryID(path, inTree: tree, kind: GIT_OBJECT_BLOB) else { return nil }
        return try readBlob(blob)
    }

    /// The id of the blob at `path` in tree `tree`, without reading it; nil when nothing is there.
    /// Equal ids mean equal bytes, so a caller can tell whether a file changed between two trees.
    package func fileID(_ path: String, inTree tree: ObjectID) throws -> ObjectID? {
        try entryID(path, inTree: tree, kind: GIT_OBJECT_BLOB)
    }

    /// The names of the entries of the subtree at `path` in `tree` (the root when `path` is empty),
    /// in git's order; empty when there is no such subtree.
    package func listTree(_ path: String, inTree tree: ObjectID) throws -> [String] {
        let subtreeID: ObjectID
        if path.isEmpty {
            subtreeID = tree
        } else {
            guard let found = try entryID(path, inTree: tree, kind: GIT_OBJECT_TREE) else { return [] }
            subtreeID = found
        }
        return try withTree(subtreeID) { subtree in
            (0..<git_tree_entrycount(subtree)).map { index in
                git_tree_entry_name(git_tree_entry_byindex(subtree, index)).map { String(cString: $0) } ?? ""
            }
        }
    }

    /// Writes a commit of `tree` with `parents` and returns its id; no reference is moved.
    package func createCommit(
        tree treeID: ObjectID, parents: [ObjectID], author: GitSignature, message: String
    ) throws -> ObjectID {
        try writingObject {
            try withCommitParts(tree: treeID, parents: parents, author: author) { tree, parentCommits, signature in
                var oid = git_oid()
                var parentPointers = parentCommits
                try parentPointers.withUnsafeMutableBufferPointer { buffer in
                    try check(
                        git_commit_create(
                            &oid, handle, nil, signature, signature, "UTF-8", message, tree, buffer.count,
                            buffer.baseAddress),
                        "write commit")
                }
                return ObjectID(oid)
            }
        }
    }

    /// Runs `body` with the tree, the parent commits and a signature of `author` (author and
    /// committer alike) that a new commit is made of, each freed afterwards.
    func withCommitParts<T>(
        tree treeID: ObjectID, parents: [ObjectID], author: GitSignature,
        _ body: (OpaquePointer, [OpaquePointer?], UnsafeMutablePointer<git_signature>) throws -> T
    ) throws -> T {
        try withTree(treeID) { tree in
            try withCommits(parents) { parentCommits in
                try withGitObject(
                    "make signature for \(author.name)",
                    make: {
                        git_signature_new(
                            &$0, author.name, author.email, git_time_t(author.time.timeIntervalSince1970), 0)
                    },
                    free: git_signature_free
                ) { signature in try body(tree, parentCommits, signature) }
            }
        }
    }

    /// Reads commit `id`.
    package func readCommit(_ id: ObjectID) throws -> GitCommit {
        let operation = "read commit \(id)"
        return try withCommit(id) { commit in
            guard let author = git_commit_author(commit)?.pointee else {
                throw GitError(code: .corrupt, message: "commit has no author", operation: operation)
            }
            let committed = git_commit_committer(commit)?.pointee.when.time ?? author.when.time
            let parents = try (0..<git_commit_parentcount(commit)).map {
                try ObjectID(git_commit_parent_id(commit, $0), operation)
            }
            return GitCommit(
                id: id,
                tree: try ObjectID(git_commit_tree_id(commit), operation),
                parents: parents,
                author: GitSignature(
                    name: author.name.map { String(cString: $0) } ?? "",
                    email: author.email.map { String(cString: $0) } ?? "",
                    time: Date(timeIntervalSince1970: TimeInterval(author.when.time))),
                committerTime: Date(timeIntervalSince1970: TimeInterval(committed)),
                message: git_commit_message(commit).map { String(cString: $0) } ?? "")
        }
    }

    /// Writes `tree` (nil: an empty tree) with `changes` applied.
    private func writeTree(updating tree: OpaquePointer?, with changes: [TreeChange]) throws -> ObjectID {
        try withCStrings(changes.map(\.path)) { paths in
            var updates = zip(changes, paths).map { change, path in
                git_tree_update(
                    action: change.blob == nil ? GIT_TREE_UPDATE_REMOVE : GIT_TREE_UPDATE_UPSERT,
                    id: change.blob?.oid ?? git_oid(),
                    filemode: GIT_FILEMODE_BLOB,
                    path: path)
            }
            var oid = git_oid()
            try check(git_tree_create_updated(&oid, handle, tree, updates.count, &updates), "write tree")
            return ObjectID(oid)
        }
    }

    /// The id of the entry at `path` in tree `treeID` when it is of `kind`; nil when there is none.
    private func entryID(_ path: String, inTree treeID: ObjectID, kind: git_object_t) throws -> ObjectID? {
        let operation = "find \(path) in tree \(treeID)"
        return try withTree(treeID) { tree in
            do {
                return try withGitObject(
                    operation, make: { git_tree_entry_bypath(&$0, tree, path) }, free: git_tree_entry_free
                ) { entry in
                    git_tree_entry_type(entry) == kind ? try ObjectID(git_tree_entry_id(entry), operation) : nil
                }
            } catch let error as GitError where error.code == .notFound {
                return nil
            }
        }
    }
}
