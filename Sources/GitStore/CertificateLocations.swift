import CDeferredCertificates
import CLibGit2
import Foundation

/// The CA certificates libgit2 verifies https:// servers against, loaded when a process first
/// talks to such a server rather than when libgit2 starts (README "HTTPS remotes and certificates").
///
/// libgit2 built with mbedTLS parses the whole system CA bundle in `git_libgit2_init`; GitStore
/// starts libgit2 with that parse deferred (`CDeferredCertificates`), which leaves the trusted set
/// empty, so a server certificate is refused until `prepare` has loaded a CA file. libgit2's
/// verdict stands: GitStore sets no `certificate_check` callback for http(s).
enum CertificateLocations {
    /// A CA file and where it was chosen.
    private struct Choice: Equatable {
        let file: String
        /// Where it came from, for messages: e.g. `http.sslCAInfo in the global git config`.
        let source: String
        /// How to choose another, for messages.
        let change: String
    }

    /// Guards `loaded`: libgit2's trusted set is process-wide.
    private static let lock = NSLock()
    /// The CA file libgit2 trusts now, once `prepare` has loaded one.
    nonisolated(unsafe) private static var loaded: Choice?

    /// Starts libgit2 without parsing its default CA file (it is remembered for `prepare`).
    static func initialiseLibgit2() {
        promptreg_certificates_defer(1)
        git_libgit2_init()
        promptreg_certificates_defer(0)
    }

    /// Before an operation on `remote` of `repository`: when its URL or push URL is http:// or
    /// https:// (a server may redirect the former to the latter), loads the CA file to verify the
    /// server against: `GIT_SSL_CAINFO`, else git's `http.sslCAInfo`, else libgit2's default. A
    /// file is loaded once per process; does nothing when there is none to load. Throws
    /// `.certificate` when the file cannot be read as PEM certificates.
    static func prepare(for remote: OpaquePointer, in repository: GitRepository) throws {
        let urls = [git_remote_url(remote), git_remote_pushurl(remote)].compactMap { $0.map { String(cString: $0) } }
        guard urls.contains(where: { RemoteURL($0).isHTTP }) else { return }
        let fallback = promptreg_certificates_deferred_file().map {
            Choice(
                file: String(cString: $0), source: "libgit2's default",
                change: "to trust another CA, point git's http.sslCAInfo at its certificate (git config [--global] http.sslCAInfo FILE) or set GIT_SSL_CAINFO=FILE")
        }
        guard let choice = try configuredFile(repository) ?? fallback else { return }
        try lock.withLock {
            guard loaded?.file != choice.file else { return }
            let result = promptreg_git_set_ssl_cert_file(choice.file)
            guard result >= 0 else {
                let error = GitError.last(result, "load CA certificates from \(choice.file) (\(choice.source))")
                throw GitError(code: .certificate, message: error.message, operation: error.operation)
            }
            loaded = choice
        }
    }

    /// `error` (a refused certificate of `url`'s server) with a message that says what is wrong:
    /// a certificate that does not name the URL's host (`.certificateMismatch`; for an IP address,
    /// that this libgit2 matches DNS names only), or one not signed by a trusted CA, saying which
    /// CA file it was checked against, where that file was chosen and how to choose another.
    static func untrusted(_ error: GitError, url: String) -> GitError {
        guard RemoteURL(url).isHTTP else { return error }
        let choice = lock.withLock { loaded }
        let host = RemoteURL(url).host ?? "the server"
        if error.message.contains("does not match with the expected CN") {
            let parts = host.split(separator: ".", omittingEmptySubsequences: false)
            let isAddress = host.contains(":") || (parts.count == 4 && parts.allSatisfy { UInt8($0) != nil })
            return GitError(
                code: .certificateMismatch,
                message: "the server's TLS certificate does not name \(host), the host in the URL (\(error.message))"
                    + (isAddress
                        ? "; this libgit2 (mbedTLS) matches a certificate's DNS names only, never its IP addresses: use a DNS name the certificate names (e.g. localhost) in the URL"
                        : ""),
                operation: error.operation)
        }
        let against = choice.map { "the CA certificates in \($0.file), from \($0.source)" } ?? "libgit2's default CA certificates"
        return GitError(
            code: error.code,
            message: "the server's TLS certificate is not trusted (checked against \(against): \(error.message)); "
                + (choice?.change ?? "to trust it, point git's http.sslCAInfo at the CA certificate that signed it (git config [--global] http.sslCAInfo FILE) or set GIT_SSL_CAINFO=FILE"),
            operation: error.operation)
    }

    /// The CA file the user chose for git: `GIT_SSL_CAINFO`, else `http.sslCAInfo` (`~/` expanded)
    /// in the repository's config or the global and system files beneath it.
    private static func configuredFile(_ repository: GitRepository) throws -> Choice? {
        if let file = ProcessInfo.processInfo.environment["GIT_SSL_CAINFO"], !file.isEmpty {
            return Choice(
                file: file, source: "GIT_SSL_CAINFO in the environment",
                change: "GIT_SSL_CAINFO wins over git's http.sslCAInfo: point it at the CA certificate that signed the server's, or unset it")
        }
        guard let file = try repository.configPath("http.sslCAInfo") else { return nil }
        let level = try repository.configLevel("http.sslCAInfo").map(Self.describe) ?? "git config"
        return Choice(
            file: file, source: "http.sslCAInfo in \(level)",
            change: "to trust it, point http.sslCAInfo in \(level) at the CA certificate that signed it (or set GIT_SSL_CAINFO=FILE, which wins)")
    }

    /// A config level as messages name it.
    private static func describe(_ level: git_config_level_t) -> String {
        switch level {
        case GIT_CONFIG_LEVEL_LOCAL, GIT_CONFIG_LEVEL_APP: "the registry's git config"
        case GIT_CONFIG_LEVEL_GLOBAL, GIT_CONFIG_LEVEL_XDG: "the global git config"
        default: "the system git config"
        }
    }
}
