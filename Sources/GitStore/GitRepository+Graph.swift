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

extension GitRepository {
    /// The best common ancestor of `one` and `two`; nil when their histories are unrelated.
    package func mergeBase(_ one: ObjectID, _ two: ObjectID) throws -> ObjectID? {
        var base = git_oid()
        var first = one.oid
        var second = two.oid
        let result = git_merge_base(&base, handle, &first, &second)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check(result, "find the common history of \(one) and \(two)")
        return ObjectID(base)
    }
}
