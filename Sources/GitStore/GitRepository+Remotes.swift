import CLibGit2

/// Remotes recorded in the repository's config, and the remote a network operation talks to.
extension GitRepository {
    /// Records the remote `name` at `url`, with `fetchRefspec` as its only fetch refspec, or none
    /// when nil (fetches then name their refspecs). Throws `.exists` when the name is taken.
    package func addRemote(named name: String, url: String, fetchRefspec: String?) throws {
        var options = git_remote_create_options()
        try check(
            git_remote_create_options_init(&options, UInt32(GIT_REMOTE_CREATE_OPTIONS_VERSION)), "prepare remote \(name)")
        try name.withCString { name in
            try withCStrings(fetchRefspec.map { [$0] } ?? []) { refspecs in
                options.repository = handle
                options.name = UnsafePointer(name)
                options.fetchspec = refspecs.first.map { UnsafePointer($0) }
                options.flags = UInt32(GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC.rawValue)
                try withGitObject(
                    "add remote \(String(cString: name)) at \(url)",
                    make: { git_remote_create_with_opts(&$0, url, &options) }, free: git_remote_free
                ) { _ in }
            }
        }
    }

    /// The remotes recorded in the config, sorted by name.
    package func remotes() throws -> [RemoteConfiguration] {
        var names = git_strarray()
        try check(git_remote_list(&names, handle), "list remotes")
        defer { git_strarray_dispose(&names) }
        return try (0..<names.count).compactMap { names.strings[$0].map { String(cString: $0) } }.map { name in
            RemoteConfiguration(name: name, url: try remoteURL(named: name) ?? "")
        }
    }

    /// The URL of the remote `name`; nil when there is no such remote.
    package func remoteURL(named name: String) throws -> String? {
        do {
            return try withGitObject(
                "read remote \(name)", make: { git_remote_lookup(&$0, handle, name) }, free: git_remote_free
            ) { remote in
                git_remote_url(remote).map { String(cString: $0) } ?? ""
            }
        } catch let error as GitError where error.code == .notFound {
            return nil
        }
    }

    /// Removes the remote `name` from the config, with the remote-tracking references its fetch
    /// refspec maps to. Throws `.notFound` when there is no such remote.
    package func removeRemote(named name: String) throws {
        try check(git_remote_delete(handle, name), "remove remote \(name)")
    }

    /// Connects `remote` for `direction` with `callbacks`. Any failure to connect (refused, no such
    /// host, no repository at that path) throws `.unreachable` for `operation`, except `.auth` and
    /// `.certificate`.
    func connect(
        _ remote: OpaquePointer, for direction: git_direction, callbacks: git_remote_callbacks, _ operation: String
    ) throws {
        var callbacks = callbacks
        let result = git_remote_connect(remote, direction, &callbacks, nil, nil)
        guard result < 0 else { return }
        let error = GitError.last(result, operation)
        guard error.code != .auth else { throw error }
        guard error.code != .certificate else {
            throw CertificateLocations.untrusted(error, url: git_remote_url(remote).map { String(cString: $0) } ?? "")
        }
        throw GitError(code: .unreachable, message: error.message, operation: operation)
    }

    /// Lends `body` the remote `remote` and its URL: the configured remote of that name if there is
    /// one, else an in-memory remote for `remote` taken as a path or URL. For an http(s):// remote,
    /// loads the CA certificates to verify its server against first.
    func withRemote<T>(_ remote: String, _ body: (_ remote: OpaquePointer, _ url: String) throws -> T) throws -> T {
        let lend: (OpaquePointer) throws -> T = { pointer in
            try CertificateLocations.prepare(for: pointer, in: self)
            return try body(pointer, git_remote_url(pointer).map { String(cString: $0) } ?? remote)
        }
        var valid: Int32 = 0
        if git_remote_name_is_valid(&valid, remote) == 0, valid == 1 {
            do {
                return try withGitObject(
                    "read remote \(remote)", make: { git_remote_lookup(&$0, handle, remote) }, free: git_remote_free, lend)
            } catch let error as GitError where error.code == .notFound {
                // Not a configured remote: a relative path or a URL that happens to be a valid name.
            }
        }
        return try withGitObject(
            "open remote \(remote)", make: { git_remote_create_anonymous(&$0, handle, remote) }, free: git_remote_free,
            lend)
    }
}
