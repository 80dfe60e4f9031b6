import CLibGit2

/// Carries Swift code into libgit2 callbacks through their `payload` pointer, and Swift errors back out.
///
/// A callback that throws records the error and returns `GIT_EUSER`, so libgit2 stops the operation;
/// `perform` then rethrows that original error after the C call returns, whatever libgit2 returned.
/// Once one callback has failed, later callbacks of the same call are not run.
final class CallbackBridge<Handlers> {
    /// What the callbacks call: a closure, or an object with the state they share.
    let handlers: Handlers
    private var failure: (any Error)?

    /// Creates a bridge that lends `handlers` to the callbacks of one C call.
    init(_ handlers: Handlers) {
        self.handlers = handlers
    }

    /// Runs the C calls in `call` with this bridge as their payload; rethrows the first error a
    /// callback threw, else what `call` threw, else the `GitError` for `operation` when `call`
    /// returned a negative code.
    func perform(_ operation: @autoclosure () -> String, _ call: (UnsafeMutableRawPointer) throws -> Int32) throws {
        let result: Result<Int32, any Error> = withExtendedLifetime(self) {
            Result { try call(Unmanaged.passUnretained(self).toOpaque()) }
        }
        if let failure {
            git_error_clear()
            throw failure
        }
        try check(try result.get(), operation())
    }

    /// The body of a C callback: finds the bridge behind `payload` and runs `body` with its handlers.
    ///
    /// Returns 0 when `body` returns, `GIT_EUSER` when it throws (the error is kept for `perform`)
    /// or when an earlier callback already failed.
    static func callback(_ payload: UnsafeMutableRawPointer?, _ body: (Handlers) throws -> Void) -> Int32 {
        guard let payload else { return GIT_EUSER.rawValue }
        let bridge = Unmanaged<CallbackBridge>.fromOpaque(payload).takeUnretainedValue()
        guard bridge.failure == nil else { return GIT_EUSER.rawValue }
        do {
            try body(bridge.handlers)
            return 0
        } catch {
            bridge.failure = error
            return GIT_EUSER.rawValue
        }
    }
}
