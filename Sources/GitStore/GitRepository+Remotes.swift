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
                    "add remote \(String(cString: name)) at \(RemoteURL.redacted(url))",
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

    /// Connects `remote` for `direction` with `callbacks` (lent to libgit2 at `payload`). Any
    /// failure to connect (refused, no such host, no repository at that path) throws
    /// `.unreachable` for `operation`, except `.auth`, `.certificate` and `.hostKey`. Once
    /// connected, credentials a helper gave are stored back; refused ones are erased.
    func connect(
        _ remote: OpaquePointer, for direction: git_direction, callbacks: RemoteCallbacks, payload: UnsafeMutableRawPointer,
        _ operation: String
    ) throws {
        var table = callbacks.table(payload: payload)
        var proxy = Self.proxyOptions()
        let result = git_remote_connect(remote, direction, &table, &proxy, nil)
        guard result < 0 else {
            callbacks.credentials.accepted()
            return
        }
        let url = git_remote_url(remote).map { String(cString: $0) } ?? ""
        let error = GitError.last(result, operation)
        let message = RemoteURL.redacting(url, in: error.message)
        if error.code == .certificate { throw CertificateLocations.untrusted(error, url: url) }
        if error.code == .auth || Self.isAuthenticationFailure(message) {
            callbacks.credentials.refused()
            let forbidden = message.contains("403")
            throw GitError(
                code: .auth,
                message: forbidden
                    ? "the server refused access (HTTP 403) to the credentials sent; tried: \(callbacks.credentials.triedDescription)"
                    : "\(message); tried: \(callbacks.credentials.triedDescription)",
                operation: operation)
        }
        throw GitError(code: .unreachable, message: message, operation: operation)
    }

    /// Proxy options that let libgit2 find the proxy as git does: the remote's `remote.<name>.proxy`,
    /// else `http.proxy`, else `https_proxy` / `http_proxy` from the environment, skipping hosts
    /// `no_proxy` names (http(s) only; ssh connects directly).
    static func proxyOptions() -> git_proxy_options {
        var options = git_proxy_options()
        git_proxy_options_init(&options, UInt32(GIT_PROXY_OPTIONS_VERSION))
        options.type = GIT_PROXY_AUTO
        return options
    }

    /// True for libgit2's messages of a refused login that carry no `GIT_EAUTH`: an http status of
    /// 401 or 403, too many authentication replays, an ssh session that did not authenticate.
    private static func isAuthenticationFailure(_ message: String) -> Bool {
        ["status code: 401", "status code: 403", "authentication replays", "authenticate SSH session"].contains {
            message.contains($0)
        }
    }

    /// Lends `body` the remote `remote`: the configured remote of that name if there is one, else
    /// an in-memory remote for `remote` taken as a path or URL. For an http(s):// remote, loads the
    /// CA certificates to verify its server against first. `acceptingNewHostKey` lets its
    /// callbacks trust (and record) an unknown ssh host key.
    func withRemote<T>(_ remote: String, acceptingNewHostKey: Bool = false, _ body: (LentRemote) throws -> T) throws -> T {
        let settings = try RemoteSettings(self, acceptingNewHostKey: acceptingNewHostKey)
        let lend: (OpaquePointer) throws -> T = { pointer in
            try CertificateLocations.prepare(for: pointer, in: self)
            return try body(
                LentRemote(pointer: pointer, url: git_remote_url(pointer).map { String(cString: $0) } ?? remote, settings: settings))
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
            "open remote \(RemoteURL.redacted(remote))", make: { git_remote_create_anonymous(&$0, handle, remote) },
            free: git_remote_free, lend)
    }

    /// Connects to `remote` (a configured remote's name or a path or URL) and disconnects: for an
    /// ssh remote whose host key is unknown, the key is trusted and its line appended to the
    /// known_hosts file (a changed key is still refused). Throws like `fetch` when the connection fails.
    package func acceptNewHostKey(of remote: String) throws {
        try withRemote(remote, acceptingNewHostKey: true) { remote in
            guard RemoteURL(remote.url).isSSH else { return }
            let operation = remote.operation("connect to")
            let callbacks = remote.callbacks(operation)
            try CallbackBridge(callbacks).perform(operation) { payload in
                try connect(remote.pointer, for: GIT_DIRECTION_FETCH, callbacks: callbacks, payload: payload, operation)
                git_remote_disconnect(remote.pointer)
                return 0
            }
        }
    }
}

/// A remote lent to one network operation: libgit2's object, its URL as configured (secrets
/// included: never shown) and the settings its callbacks use.
struct LentRemote {
    /// libgit2's remote.
    let pointer: OpaquePointer
    /// The URL as configured.
    let url: String
    /// Where credentials and known hosts are found.
    let settings: RemoteSettings

    /// `verb` and the redacted URL, e.g. `fetch from https://user:***@host/repo`.
    func operation(_ verb: String) -> String { "\(verb) \(RemoteURL.redacted(url))" }

    /// The callbacks of `operation` on this remote, checking `updates` when it is a push.
    func callbacks(_ operation: String, updates: [PushUpdate] = []) -> RemoteCallbacks {
        RemoteCallbacks(operation: operation, url: url, settings: settings, updates: updates)
    }
}
