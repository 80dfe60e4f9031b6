import CLibGit2

extension GitRepository {
    /// The paths of the files that differ between trees `old` and `new` (added, removed or
    /// changed), sorted; subtrees that are identical are skipped without being read.
    package func changedFiles(from old: ObjectID, to new: ObjectID) throws -> [String] {
        try withTree(old) { oldTree in
            try withTree(new) { newTree in
                try withGitObject(
                    "compare trees \(old) and \(new)", make: { git_diff_tree_to_tree(&$0, handle, oldTree, newTree, nil) },
                    free: git_diff_free
                ) { diff in
                    (0..<git_diff_num_deltas(diff)).compactMap { index -> String? in
                        guard let delta = git_diff_get_delta(diff, index) else { return nil }
                        let file = delta.pointee.new_file.path ?? delta.pointee.old_file.path
                        return file.map { String(cString: $0) }
                    }.sorted()
                }
            }
        }
    }
}
