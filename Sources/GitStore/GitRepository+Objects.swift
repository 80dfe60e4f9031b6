import CLibGit2
import Foundation

/// Who made a commit and when.
public struct GitSignature: Sendable, Equatable {
    /// Display name.
    public var name: String
    /// E-mail address; may be empty.
    public var email: String
    /// The moment, to the second.
    public var time: Date

    /// Creates a signature.
    public init(name: String, email: String, time: Date) {
        self.name = name
        self.email = email
        self.time = time
    }
}

/// A commit as read back from the object database.
public struct GitCommit: Sendable {
    /// The commit's own id.
    public let id: ObjectID
    /// The root tree.
    public let tree: ObjectID
    /// Parent commits, first parent first.
    public let parents: [ObjectID]
    /// The author.
    public let author: GitSignature
    /// The full message.
    public let message: String
}

/// One change to a tree: put a blob at `path`, or remove what is there when `blob` is nil.
public struct TreeChange: Sendable {
    /// Slash-separated path from the root tree.
    public let path: String
    /// The blob to store, or nil to remove the entry.
    public let blob: ObjectID?

    /// Creates a change.
    public init(path: String, blob: ObjectID?) {
        self.path = path
        self.blob = blob
    }
}

extension GitRepository {
    /// Writes `data` as a blob and returns its id.
    public func writeBlob(_ data: Data) throws -> ObjectID {
        var oid = git_oid()
        try data.withUnsafeBytes { raw in
            try check(git_blob_create_from_buffer(&oid, handle, raw.baseAddress, raw.count), "write blob")
        }
        return ObjectID(oid)
    }

    /// Reads the blob `id`.
    public func readBlob(_ id: ObjectID) throws -> Data {
        var oid = id.oid
        var blob: OpaquePointer?
        try check(git_blob_lookup(&blob, handle, &oid), "read blob \(id)")
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let content = git_blob_rawcontent(blob) else { return Data() }
        return Data(bytes: content, count: size)
    }

    /// Writes a tree that is `base` (nil: an empty tree) with `changes` applied (nested paths create
    /// subtrees) and returns its id.
    public func updateTree(_ base: ObjectID?, changes: [TreeChange]) throws -> ObjectID {
        let tree = try base.map(lookupTree)
        defer { if let tree { git_tree_free(tree) } }
        let paths = changes.map { strdup($0.path) }
        defer { paths.forEach { free($0) } }
        var updates = changes.enumerated().map { index, change in
            git_tree_update(
                action: change.blob == nil ? GIT_TREE_UPDATE_REMOVE : GIT_TREE_UPDATE_UPSERT,
                id: change.blob?.oid ?? git_oid(),
                filemode: GIT_FILEMODE_BLOB,
                path: paths[index])
        }
        var oid = git_oid()
        try check(git_tree_create_updated(&oid, handle, tree ?? nil, updates.count, &updates), "write tree")
        return ObjectID(oid)
    }

    /// Reads the blob at `path` in tree `tree`; nil when nothing is there.
    public func readFile(_ path: String, inTree tree: ObjectID) throws -> Data? {
        guard let blob = try entryID(path, inTree: tree, kind: GIT_OBJECT_BLOB) else { return nil }
        return try readBlob(blob)
    }

    /// The names of the entries of the subtree at `path` in `tree` (the root when `path` is empty),
    /// in git's order; empty when there is no such subtree.
    public func listTree(_ path: String, inTree tree: ObjectID) throws -> [String] {
        let subtreeID: ObjectID
        if path.isEmpty {
            subtreeID = tree
        } else {
            guard let found = try entryID(path, inTree: tree, kind: GIT_OBJECT_TREE) else { return [] }
            subtreeID = found
        }
        let subtree = try lookupTree(subtreeID)
        defer { git_tree_free(subtree) }
        return (0..<git_tree_entrycount(subtree)).map { index in
            String(cString: git_tree_entry_name(git_tree_entry_byindex(subtree, index)))
        }
    }

    /// Writes a commit of `tree` with `parents` and returns its id; no reference is moved.
    public func createCommit(
        tree treeID: ObjectID, parents: [ObjectID], author: GitSignature, message: String
    ) throws -> ObjectID {
        let tree = try lookupTree(treeID)
        defer { git_tree_free(tree) }
        var parentPointers: [OpaquePointer?] = []
        defer { parentPointers.forEach { git_commit_free($0) } }
        for parent in parents {
            var oid = parent.oid
            var commit: OpaquePointer?
            try check(git_commit_lookup(&commit, handle, &oid), "read commit \(parent)")
            parentPointers.append(commit)
        }
        var signature: UnsafeMutablePointer<git_signature>?
        try check(
            git_signature_new(
                &signature, author.name, author.email, git_time_t(author.time.timeIntervalSince1970), 0),
            "make signature for \(author.name)")
        defer { git_signature_free(signature) }
        var oid = git_oid()
        try parentPointers.withUnsafeMutableBufferPointer { buffer in
            try check(
                git_commit_create(
                    &oid, handle, nil, signature, signature, "UTF-8", message, tree, parents.count,
                    buffer.baseAddress),
                "write commit")
        }
        return ObjectID(oid)
    }

    /// Reads commit `id`.
    public func readCommit(_ id: ObjectID) throws -> GitCommit {
        var oid = id.oid
        var commit: OpaquePointer?
        try check(git_commit_lookup(&commit, handle, &oid), "read commit \(id)")
        defer { git_commit_free(commit) }
        let author = git_commit_author(commit)!.pointee
        let parents = (0..<git_commit_parentcount(commit)).map { ObjectID(git_commit_parent_id(commit, $0)!.pointee) }
        return GitCommit(
            id: id,
            tree: ObjectID(git_commit_tree_id(commit)!.pointee),
            parents: parents,
            author: GitSignature(
                name: String(cString: author.name), email: String(cString: author.email),
                time: Date(timeIntervalSince1970: TimeInterval(author.when.time))),
            message: String(cString: git_commit_message(commit)))
    }

    private func lookupTree(_ id: ObjectID) throws -> OpaquePointer? {
        var oid = id.oid
        var tree: OpaquePointer?
        try check(git_tree_lookup(&tree, handle, &oid), "read tree \(id)")
        return tree
    }

    private func entryID(_ path: String, inTree treeID: ObjectID, kind: git_object_t) throws -> ObjectID? {
        let tree = try lookupTree(treeID)
        defer { git_tree_free(tree) }
        var entry: OpaquePointer?
        let result = git_tree_entry_bypath(&entry, tree, path)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check(result, "find \(path) in tree \(treeID)")
        defer { git_tree_entry_free(entry) }
        guard git_tree_entry_type(entry) == kind else { return nil }
        return ObjectID(git_tree_entry_id(entry)!.pointee)
    }
}
