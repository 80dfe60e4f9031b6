import CLibGit2

extension GitRepository {
    /// True when `commit` is `ancestor` or one of its descendants (history reaches `ancestor`
    /// from `commit` by following parents).
    package func isDescendant(_ commit: ObjectID, of ancestor: ObjectID) throws -> Bool {
        if commit == ancestor { return true }
        var commitID = commit.oid
        var ancestorID = ancestor.oid
        let result = git_graph_descendant_of(handle, &commitID, &ancestorID)
        try check(result, "compare history of \(commit) and \(ancestor)")
        return result == 1
    }
}
