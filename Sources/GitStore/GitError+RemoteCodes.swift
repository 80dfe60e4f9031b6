import CLibGit2

/// The codes of remote operations.
///
/// They are values of `.other`, not new enum cases, so that code switching over `Code` exhaustively
/// keeps compiling; such a switch sees them in its `case .other` arm. To handle them, match
/// them first (`case .rejected:` before `case .other:`) or compare (`error.code == .rejected`).
extension GitError.Code {
    /// The server refused a pushed reference (a hook, a protected ref, a lost race on the server);
    /// the error's message carries the server's reason and what it printed.
    package static let rejected = Self.other(-1001)
    /// The remote could not be reached or the transport failed: connection refused, host not found,
    /// server gone mid-transfer, no repository at that path or URL. The operation names the URL.
    package static let unreachable = Self.other(-1002)
    /// The server asked for credentials that were missing or refused (libgit2's `GIT_EAUTH`).
    package static let auth = Self.other(GIT_EAUTH.rawValue)
    /// The server's TLS certificate was refused (libgit2's `GIT_ECERTIFICATE`).
    package static let certificate = Self.other(GIT_ECERTIFICATE.rawValue)
    /// The server's TLS certificate does not name the URL's host.
    package static let certificateMismatch = Self.other(-1004)
    /// The ssh server's host key is not in known_hosts, or differs from the one there; the error's
    /// `hostKey` carries the key's fingerprint and the line that would trust it.
    package static let hostKey = Self.other(-1003)
}
