import CLibGit2

/// An error reported by libgit2, read on the failing thread right after the failing call.
package struct GitError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, in the terms callers act on.
    package enum Code: Sendable, Equatable {
        /// The object or reference does not exist.
        case notFound
        /// A reference that must not exist already exists.
        case exists
        /// A compare-and-swap lost: the reference no longer has the expected value.
        case modified
        /// Another writer holds the lock file of a reference.
        case locked
        /// Stored data could not be read back as written (corrupt or truncated object).
        case corrupt
        /// Any other failure, with libgit2's return code; remote operations also use the codes
        /// declared in `GitError+RemoteCodes.swift` (`.rejected`, `.unreachable`, `.auth`, `.certificate`).
        case other(Int32)
    }

    /// The classified failure.
    package let code: Code
    /// libgit2's own message, or ours when libgit2 gave none.
    package let message: String
    /// The operation that failed, e.g. `read blob 3f2a...`.
    package let operation: String
    /// For `.hostKey`: the refused ssh host key, its fingerprint and the known_hosts line that trusts it.
    package let hostKey: HostKeyRefusal?

    /// Creates an error for `operation` with `code` and `message` (and, for `.hostKey`, the refusal).
    package init(code: Code, message: String, operation: String, hostKey: HostKeyRefusal? = nil) {
        self.code = code
        self.message = message
        self.operation = operation
        self.hostKey = hostKey
    }

    /// `operation: message`.
    package var description: String { "\(operation): \(message)" }

    /// Builds the error for a libgit2 call that just returned `result` on this thread, then clears
    /// libgit2's per-thread error so a later failure that sets none cannot report this one's message.
    static func last(_ result: Int32, _ operation: String) -> GitError {
        var message = "libgit2 error \(result)"
        var errorClass: Int32 = 0
        if let last = git_error_last(), let text = last.pointee.message {
            message = String(cString: text)
            errorClass = last.pointee.klass
        }
        git_error_clear()
        let code: Code
        switch result {
        case GIT_ENOTFOUND.rawValue: code = .notFound
        case GIT_EEXISTS.rawValue: code = .exists
        case GIT_EMODIFIED.rawValue: code = .modified
        case GIT_ELOCKED.rawValue: code = .locked
        case GIT_EAUTH.rawValue: code = .auth
        case GIT_ECERTIFICATE.rawValue: code = .certificate
        default:
            switch errorClass {
            case Int32(GIT_ERROR_ZLIB.rawValue), Int32(GIT_ERROR_ODB.rawValue), Int32(GIT_ERROR_OBJECT.rawValue),
                Int32(GIT_ERROR_SHA.rawValue):
                code = .corrupt
            // Only transports report these classes.
            case Int32(GIT_ERROR_NET.rawValue), Int32(GIT_ERROR_SSL.rawValue), Int32(GIT_ERROR_HTTP.rawValue),
                Int32(GIT_ERROR_SSH.rawValue):
                code = .unreachable
            default:
                code = .other(result)
            }
        }
        return GitError(code: code, message: message, operation: operation)
    }
}

/// Runs a libgit2 call and throws a `GitError` when it returns a negative code.
@inline(__always)
func check(_ result: Int32, _ operation: @autoclosure () -> String) throws {
    if result < 0 { throw GitError.last(result, operation()) }
}
