import CLibGit2
import Foundation

/// Process-wide libgit2 start-up: done once, before the first repository is opened.
private let libgit2Initialised: Void = {
    git_libgit2_init()
    // Objects and refs are fsync'd before they are renamed into place (see README "Durability").
    _ = promptreg_git_enable_fsync(1)
    _ = promptreg_git_enable_strict_hash_verification(1)
}()

/// An open git repository. It owns its libgit2 handle and every C pointer made from it.
///
/// Not thread-safe (libgit2 objects are not): callers serialise access to one instance.
public final class GitRepository {
    let handle: OpaquePointer
    /// The repository's git directory.
    public let path: String

    private init(handle: OpaquePointer) {
        self.handle = handle
        let path = String(cString: git_repository_path(handle))
        self.path = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    deinit { git_repository_free(handle) }

    /// Opens the bare or non-bare repository whose git directory is exactly `path`.
    public static func open(at path: String) throws -> GitRepository {
        _ = libgit2Initialised
        var handle: OpaquePointer?
        try check(
            git_repository_open_ext(&handle, path, UInt32(GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue), nil),
            "open repository \(path)")
        return GitRepository(handle: handle!)
    }

    /// Creates a bare repository at `path` (or opens the one already there).
    public static func initBare(at path: String) throws -> GitRepository {
        _ = libgit2Initialised
        var handle: OpaquePointer?
        try check(git_repository_init(&handle, path, 1), "create repository \(path)")
        return GitRepository(handle: handle!)
    }

    /// True when `path` is the git directory of a repository.
    public static func isRepository(at path: String) -> Bool {
        _ = libgit2Initialised
        var handle: OpaquePointer?
        let result = git_repository_open_ext(&handle, path, UInt32(GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue), nil)
        if let handle { git_repository_free(handle) }
        return result == 0
    }

    /// Turns fsync of objects and refs on or off for the whole process (on by default).
    public static func setFsync(_ enabled: Bool) {
        _ = libgit2Initialised
        _ = promptreg_git_enable_fsync(enabled ? 1 : 0)
    }

    /// Sets a string value in the repository's own config file.
    public func setConfig(_ key: String, to value: String) throws {
        var config: OpaquePointer?
        try check(git_repository_config(&config, handle), "open config")
        defer { git_config_free(config) }
        try check(git_config_set_string(config, key, value), "set config \(key)")
    }

    /// The committer identity git would use here (`user.name` and `user.email`), if one is configured.
    public func configuredIdentity() -> (name: String, email: String)? {
        var signature: UnsafeMutablePointer<git_signature>?
        guard git_signature_default(&signature, handle) == 0, let signature else { return nil }
        defer { git_signature_free(signature) }
        return (String(cString: signature.pointee.name), String(cString: signature.pointee.email))
    }
}
