import CLibGit2

/// Makes a libgit2 object with `make`, lends it to `body`, and frees it with `free` when `body`
/// returns or throws: the object never outlives the call, so no caller can leak or reuse it.
///
/// `make` receives the out-parameter to fill and returns libgit2's result; a negative result
/// throws the `GitError` for `operation` (read right after the failing call).
func withGitObject<Pointer, Result>(
    _ operation: @autoclosure () -> String,
    make: (inout Pointer?) -> Int32,
    free: (Pointer) -> Void,
    _ body: (Pointer) throws -> Result
) throws -> Result {
    var made: Pointer?
    let result = make(&made)
    return try lend(made, made: result, operation, free: free, body)
}

/// Takes the next object of a libgit2 iterator with `next` and lends it like `withGitObject`;
/// returns nil at the end of the iteration (`GIT_ITEROVER`) and throws on any other failure.
func withNextGitObject<Pointer, Result>(
    _ operation: @autoclosure () -> String,
    next: (inout Pointer?) -> Int32,
    free: (Pointer) -> Void,
    _ body: (Pointer) throws -> Result
) throws -> Result? {
    var made: Pointer?
    let result = next(&made)
    if result == GIT_ITEROVER.rawValue { return nil }
    return try lend(made, made: result, operation, free: free, body)
}

/// Lends `object`, which a libgit2 call that returned `result` made, to `body`, then frees it.
private func lend<Pointer, Result>(
    _ object: Pointer?, made result: Int32, _ operation: () -> String, free: (Pointer) -> Void,
    _ body: (Pointer) throws -> Result
) throws -> Result {
    // libgit2 fills its out-parameters only on success.
    if result < 0 { throw GitError.last(result, operation()) }
    guard let object else {
        throw GitError(code: .other(result), message: "libgit2 returned no object", operation: operation())
    }
    defer { free(object) }
    return try body(object)
}
