import CLibGit2

/// Reading from a remote: its advertised references, and fetching objects and references from it.
extension GitRepository {
    /// Fetches `refspecs` (e.g. `+refs/promptreg/*:refs/promptreg-remotes/origin/*`) from `remote`,
    /// a configured remote's name or a path or URL, and returns the local references that changed.
    ///
    /// Only the references the refspecs name as destinations move: keep those in a namespace of their
    /// own so a fetch never overwrites local work. Empty `refspecs` use the remote's configured fetch
    /// refspecs. Tags are not followed and FETCH_HEAD is not written. Network failures throw
    /// `.unreachable`, `.auth` or `.certificate` with the URL in the operation.
    @discardableResult
    package func fetch(remote: String, refspecs: [String]) throws -> [ReferenceUpdate] {
        try withRemote(remote) { remote in
            let operation = remote.operation("fetch from")
            let callbacks = remote.callbacks(operation)
            try withStringArray(refspecs) { refspecs in
                try CallbackBridge(callbacks).perform(operation) { payload in
                    var options = git_fetch_options()
                    git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION))
                    options.callbacks = callbacks.table(payload: payload)
                    options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE
                    options.proxy_opts = Self.proxyOptions()
                    options.prune = GIT_FETCH_NO_PRUNE
                    options.update_fetchhead = 0
                    // Connecting first tells a server that is not there from a failure mid-transfer;
                    // git_remote_fetch keeps the connection, downloads, disconnects, then moves the refs.
                    try connect(remote.pointer, for: GIT_DIRECTION_FETCH, callbacks: callbacks, payload: payload, operation)
                    return git_remote_fetch(remote.pointer, &refspecs, &options, operation)
                }
            }
            return callbacks.updatedReferences
        }
    }

    /// The references `remote` (a configured remote's name or a path or URL) advertises, with their
    /// values, as the server lists them (`git ls-remote`): may include `HEAD` and peeled `^{}` entries.
    package func listRemoteReferences(remote: String) throws -> [(name: String, target: ObjectID)] {
        try withRemote(remote) { remote in
            let operation = remote.operation("list references of")
            let callbacks = remote.callbacks(operation)
            var found: [(name: String, target: ObjectID)] = []
            try CallbackBridge(callbacks).perform(operation) { payload in
                try connect(remote.pointer, for: GIT_DIRECTION_FETCH, callbacks: callbacks, payload: payload, operation)
                defer { git_remote_disconnect(remote.pointer) }
                var heads: UnsafeMutablePointer<UnsafePointer<git_remote_head>?>?
                var count = 0
                try check(git_remote_ls(&heads, &count, remote.pointer), operation)
                found = (0..<count).compactMap { index in
                    guard let head = heads?[index]?.pointee, let name = head.name else { return nil }
                    return (String(cString: name), ObjectID(head.oid))
                }
                return 0
            }
            return found
        }
    }
}
