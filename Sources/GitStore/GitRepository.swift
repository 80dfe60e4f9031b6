import CLibGit2
import Foundation

/// Process-wide libgit2 start-up: done once, before the first repository is opened.
private let libgit2Initialised: Void = {
    // Without parsing the system CA bundle: https:// operations load it (README "HTTPS remotes and certificates").
    CertificateLocations.initialiseLibgit2()
    // Objects and refs are fsync'd before they are renamed into place (see README "Durability").
    _ = promptreg_git_enable_fsync(1)
    _ = promptreg_git_enable_strict_hash_verification(1)
}()

/// An open git repository. It owns its libgit2 handle for its whole life; every other libgit2
/// object is made, lent and freed inside one call (`withGitObject`).
///
/// Not thread-safe (libgit2 objects are not): callers serialise access to one instance.
package final class GitRepository {
    let handle: OpaquePointer
    /// The repository's git directory.
    package let path: String
    /// Objects of the write in progress, kept in memory until it stores them as one pack.
    var pendingWrites: PendingObjects?
    /// The packs this handle's object database was last seen with (see `forgetRemovedPacks`).
    var seenPacks: (modified: timespec, names: Set<String>)?

    private init(handle: OpaquePointer) {
        self.handle = handle
        let path = String(cString: git_repository_path(handle))
        self.path = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    deinit { git_repository_free(handle) }

    /// Opens the bare or non-bare repository whose git directory is exactly `path`.
    package static func open(at path: String) throws -> GitRepository {
        try adopt("open repository \(path)") {
            git_repository_open_ext(&$0, path, UInt32(GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue), nil)
        }
    }

    /// Creates a bare repository at `path` (or opens the one already there).
    package static func initBare(at path: String) throws -> GitRepository {
        try adopt("create repository \(path)") { git_repository_init(&$0, path, 1) }
    }

    /// True when `path` is the git directory of a repository.
    package static func isRepository(at path: String) -> Bool {
        (try? open(at: path)) != nil
    }

    /// Turns fsync of objects and refs on or off for the whole process (on by default).
    package static func setFsync(_ enabled: Bool) {
        _ = libgit2Initialised
        _ = promptreg_git_enable_fsync(enabled ? 1 : 0)
    }

    /// Sets a string value in the repository's own config file.
    package func setConfig(_ key: String, to value: String) throws {
        try withGitObject("open config", make: { git_repository_config(&$0, handle) }, free: git_config_free) {
            try check(git_config_set_string($0, key, value), "set config \(key)")
        }
    }

    /// The committer identity git would use here (`user.name` and `user.email`), if one is configured.
    package func configuredIdentity() -> (name: String, email: String)? {
        try? withGitObject(
            "read configured identity", make: { git_signature_default(&$0, handle) }, free: git_signature_free
        ) { signature in
            guard let name = signature.pointee.name, let email = signature.pointee.email else { return nil }
            return (String(cString: name), String(cString: email))
        } ?? nil
    }

    /// Wraps the repository handle that `make` opens; the new instance frees it on deinit.
    private static func adopt(_ operation: String, _ make: (inout OpaquePointer?) -> Int32) throws -> GitRepository {
        _ = libgit2Initialised
        var handle: OpaquePointer?
        try check(make(&handle), operation)
        guard let handle else {
            throw GitError(code: .other(0), message: "libgit2 returned no repository", operation: operation)
        }
        return GitRepository(handle: handle)
    }
}
