import CDeferredCertificates
import CLibGit2
import Foundation

/// The CA certificates libgit2 verifies https:// servers against, loaded when a process first
/// talks to such a server rather than when libgit2 starts (README "HTTPS remotes and certificates").
///
/// libgit2 built with mbedTLS parses the whole system CA bundle in `git_libgit2_init`; GitStore
/// starts libgit2 with that parse deferred (`CDeferredCertificates`), which leaves the trusted set
/// empty, so a server certificate is refused until `prepare` has loaded a CA file. libgit2's
/// verdict stands: GitStore sets no `certificate_check` callback.
enum CertificateLocations {
    /// Guards `loadedFile`: libgit2's trusted set is process-wide.
    private static let lock = NSLock()
    /// The CA file libgit2 trusts now, once `prepare` has loaded one.
    nonisolated(unsafe) private static var loadedFile: String?

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
        guard urls.contains(where: usesHTTP) else { return }
        guard let file = try configuredFile(repository) ?? promptreg_certificates_deferred_file().map({ String(cString: $0) })
        else { return }
        try lock.withLock {
            guard loadedFile != file else { return }
            let result = promptreg_git_set_ssl_cert_file(file)
            guard result >= 0 else {
                let error = GitError.last(result, "load CA certificates from \(file)")
                throw GitError(code: .certificate, message: error.message, operation: error.operation)
            }
            loadedFile = file
        }
    }

    /// `error` (a refused certificate of `url`'s server) with a message that says the certificate
    /// is not trusted, which CA file it was checked against, and how to trust it.
    static func untrusted(_ error: GitError, url: String) -> GitError {
        guard usesHTTP(url) else { return error }
        let against = lock.withLock { loadedFile }.map { "the CA certificates in \($0)" } ?? "libgit2's default CA certificates"
        return GitError(
            code: error.code,
            message: "the server's TLS certificate is not trusted (checked against \(against): \(error.message)); "
                + "to trust it, point git's http.sslCAInfo at the CA certificate that signed it "
                + "(git config [--global] http.sslCAInfo FILE) or set GIT_SSL_CAINFO=FILE",
            operation: error.operation)
    }

    /// The CA file the user chose for git: `GIT_SSL_CAINFO`, else `http.sslCAInfo` (`~/` expanded)
    /// in the repository's config or the global and system files beneath it.
    private static func configuredFile(_ repository: GitRepository) throws -> String? {
        if let file = ProcessInfo.processInfo.environment["GIT_SSL_CAINFO"], !file.isEmpty { return file }
        return try repository.configPath("http.sslCAInfo")
    }

    /// True for an http:// or https:// URL (any case).
    private static func usesHTTP(_ url: String) -> Bool {
        let lowered = url.lowercased()
        return lowered.hasPrefix("https://") || lowered.hasPrefix("http://")
    }
}
