import CLibGit2

/// What a reference must hold for a compare-and-swap update to go ahead.
public enum ReferenceExpectation: Sendable, Equatable {
    /// The reference must not exist (create-only).
    case absent
    /// The reference must point at this object.
    case pointsAt(ObjectID)
}

extension GitRepository {
    /// The object a direct reference points at; nil when it does not exist.
    public func referenceTarget(_ name: String) throws -> ObjectID? {
        var oid = git_oid()
        let result = git_reference_name_to_id(&oid, handle, name)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check(result, "read reference \(name)")
        return ObjectID(oid)
    }

    /// Points `name` at `target` if and only if it currently matches `expected` (atomic under the ref's lock).
    ///
    /// Throws `GitError` with code `.exists` or `.modified` when the expectation does not hold,
    /// and `.locked` when another writer holds the reference's lock file.
    public func updateReference(
        _ name: String, to target: ObjectID, expecting expected: ReferenceExpectation, logMessage: String
    ) throws {
        var newID = target.oid
        var reference: OpaquePointer?
        switch expected {
        case .absent:
            try check(
                git_reference_create(&reference, handle, name, &newID, 0, logMessage),
                "create reference \(name)")
        case .pointsAt(let current):
            var currentID = current.oid
            try check(
                git_reference_create_matching(&reference, handle, name, &newID, 1, &currentID, logMessage),
                "update reference \(name)")
        }
        git_reference_free(reference)
    }

    /// Every direct reference whose name matches the glob `pattern` (e.g. `refs/tags/*`), with its target.
    public func references(matching pattern: String) throws -> [(name: String, target: ObjectID)] {
        var iterator: OpaquePointer?
        try check(git_reference_iterator_glob_new(&iterator, handle, pattern), "list references \(pattern)")
        defer { git_reference_iterator_free(iterator) }
        var found: [(name: String, target: ObjectID)] = []
        var reference: OpaquePointer?
        while true {
            let result = git_reference_next(&reference, iterator)
            if result == GIT_ITEROVER.rawValue { break }
            try check(result, "list references \(pattern)")
            defer { git_reference_free(reference) }
            if let target = git_reference_target(reference) {
                found.append((String(cString: git_reference_name(reference)), ObjectID(target.pointee)))
            }
        }
        return found
    }
}
