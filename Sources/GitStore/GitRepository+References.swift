import CLibGit2

/// What a reference must hold for a compare-and-swap update to go ahead.
package enum ReferenceExpectation: Sendable, Equatable {
    /// The reference must not exist (create-only).
    case absent
    /// The reference must point at this object.
    case pointsAt(ObjectID)
}

extension GitRepository {
    /// The object a direct reference points at; nil when it does not exist.
    package func referenceTarget(_ name: String) throws -> ObjectID? {
        var oid = git_oid()
        let result = git_reference_name_to_id(&oid, handle, name)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check(result, "read reference \(name)")
        return ObjectID(oid)
    }

    /// Points `name` at `target` if and only if it currently matches `expected` (atomic under the ref's lock).
    ///
    /// Throws `GitError` with code `.exists` or `.modified` when the expectation does not hold
    /// (`.modified` also when `.pointsAt` finds no reference at all), and `.locked` when another
    /// writer holds the reference's lock file.
    package func updateReference(
        _ name: String, to target: ObjectID, expecting expected: ReferenceExpectation, logMessage: String
    ) throws {
        var newID = target.oid
        switch expected {
        case .absent:
            try withGitObject(
                "create reference \(name)",
                make: { git_reference_create(&$0, handle, name, &newID, 0, logMessage) },
                free: git_reference_free
            ) { _ in }
        case .pointsAt(let current):
            var currentID = current.oid
            let operation = "update reference \(name)"
            do {
                try withGitObject(
                    operation,
                    make: { git_reference_create_matching(&$0, handle, name, &newID, 1, &currentID, logMessage) },
                    free: git_reference_free
                ) { _ in }
            } catch let error as GitError where error.code == .notFound {
                // libgit2 says "not found" when the reference is gone: for the caller, a lost race like any other.
                throw GitError(
                    code: .modified, message: "expected \(current.hex), but the reference does not exist",
                    operation: operation)
            }
        }
    }

    /// Deletes the reference `name` and its reflog. Throws `.notFound` when there is no such reference.
    package func deleteReference(_ name: String) throws {
        try withReference(name) { try check(git_reference_delete($0), "delete reference \(name)") }
    }

    /// Every direct reference whose name matches the glob `pattern` (e.g. `refs/tags/*`), with its target.
    package func references(matching pattern: String) throws -> [(name: String, target: ObjectID)] {
        let operation = "list references \(pattern)"
        return try withGitObject(
            operation, make: { git_reference_iterator_glob_new(&$0, handle, pattern) },
            free: git_reference_iterator_free
        ) { iterator in
            var found: [(name: String, target: ObjectID)] = []
            while let next = try withNextGitObject(
                operation, next: { git_reference_next(&$0, iterator) }, free: git_reference_free,
                { reference -> (name: String, target: ObjectID)? in
                    // Symbolic references have no target of their own and are skipped.
                    guard let target = git_reference_target(reference), let name = git_reference_name(reference) else {
                        return nil
                    }
                    return (name: String(cString: name), target: ObjectID(target.pointee))
                })
            {
                if let next { found.append(next) }
            }
            return found
        }
    }
}
