import CLibGit2

/// Scoped access to libgit2 objects: each helper looks the object up, lends it to `body` only for
/// the duration of the call, and frees it afterwards. No function hands out an owned pointer.
extension GitRepository {
    /// Lends the tree `id` to `body`.
    func withTree<T>(_ id: ObjectID, _ body: (OpaquePointer) throws -> T) throws -> T {
        var oid = id.oid
        return try withGitObject("read tree \(id)", make: { git_tree_lookup(&$0, handle, &oid) }, free: git_tree_free, body)
    }

    /// Lends the commit `id` to `body`.
    func withCommit<T>(_ id: ObjectID, _ body: (OpaquePointer) throws -> T) throws -> T {
        var oid = id.oid
        return try withGitObject(
            "read commit \(id)", make: { git_commit_lookup(&$0, handle, &oid) }, free: git_commit_free, body)
    }

    /// Lends the commits `ids`, in order, to `body`.
    func withCommits<T>(_ ids: some Collection<ObjectID>, _ body: ([OpaquePointer?]) throws -> T) throws -> T {
        guard let first = ids.first else { return try body([]) }
        return try withCommit(first) { commit in
            try withCommits(ids.dropFirst()) { rest in try body([commit] + rest) }
        }
    }

    /// Lends the reference `name` (direct or symbolic, not resolved) to `body`.
    func withReference<T>(_ name: String, _ body: (OpaquePointer) throws -> T) throws -> T {
        try withGitObject(
            "read reference \(name)", make: { git_reference_lookup(&$0, handle, name) }, free: git_reference_free, body)
    }

    /// Lends the blob `id` to `body`.
    func withBlob<T>(_ id: ObjectID, _ body: (OpaquePointer) throws -> T) throws -> T {
        var oid = id.oid
        return try withGitObject("read blob \(id)", make: { git_blob_lookup(&$0, handle, &oid) }, free: git_blob_free, body)
    }

    /// Lends the object database to `body`.
    func withObjectDatabase<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        try withGitObject("open object database", make: { git_repository_odb(&$0, handle) }, free: git_odb_free, body)
    }
}
