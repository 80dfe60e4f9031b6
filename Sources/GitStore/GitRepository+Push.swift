import CLibGit2
import Foundation

/// Writing to a remote: pushing references with create-only and compare-and-swap expectations.
extension GitRepository {
    /// Sets references on `remote` (a configured remote's name or a path or URL) and returns what the
    /// server printed (hook output), empty when nothing.
    ///
    /// Every update's expectation is checked against the values the remote advertised when the push
    /// connected; when one fails, nothing is sent and this throws `.exists` (create-only, the
    /// reference is there) or `.modified` (compare-and-swap, it moved). The server then applies each
    /// update only if the reference still holds the advertised value, so the check is a true
    /// compare-and-swap. References the server refuses (a `pre-receive` or `update` hook, a race it
    /// lost) throw `.rejected` with its reasons and output, although libgit2 reports success for them;
    /// the server may have accepted the other references of the same push. Network failures throw
    /// `.unreachable`, `.auth` or `.certificate` with the URL in the operation. Destinations must be
    /// distinct.
    ///
    /// A local path or `file://` URL is written by libgit2 itself, not by a server: no hooks run, and
    /// a compare-and-swap is checked only against the value read when the push connected (libgit2
    /// then overwrites the reference), so two local writers can race. Serve the shared repository
    /// (git daemon, SSH, smart HTTP) for the server's own check.
    @discardableResult
    package func push(remote: String, updates: [PushUpdate]) throws -> String {
        guard !updates.isEmpty else { return "" }
        return try withRemote(remote) { remote in
            let operation = remote.operation("push to")
            guard Set(updates.map(\.destination)).count == updates.count else {
                throw GitError(
                    code: .other(GIT_EINVALIDSPEC.rawValue), message: "the same reference is pushed twice",
                    operation: operation)
            }
            let callbacks = remote.callbacks(operation, updates: updates)
            try withPushRefspecs(updates) { refspecs in
                try withStringArray(refspecs) { refspecs in
                    try CallbackBridge(callbacks).perform(operation) { payload in
                        var options = git_push_options()
                        git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION))
                        options.callbacks = callbacks.table(payload: payload)
                        options.proxy_opts = Self.proxyOptions()
                        try connect(remote.pointer, for: GIT_DIRECTION_PUSH, callbacks: callbacks, payload: payload, operation)
                        return git_remote_push(remote.pointer, &refspecs, &options)
                    }
                }
            }
            try callbacks.throwIfRefused()
            return callbacks.serverMessages
        }
    }

    /// Lends `body` the refspecs of `updates`. An `.object` source gets a temporary local reference
    /// (libgit2 1.5 pushes only references), removed when `body` returns. The names are flat under
    /// one directory because libgit2 leaves the emptied directories of deleted references behind.
    private func withPushRefspecs<T>(_ updates: [PushUpdate], _ body: ([String]) throws -> T) throws -> T {
        let prefix = "refs/gitstore-push/\(UUID().uuidString.lowercased())-"
        var temporary: [String] = []
        defer { temporary.forEach { try? deleteReference($0) } }
        let refspecs = try updates.enumerated().map { index, update in
            switch update.source {
            case .reference(let name):
                return update.refspec(source: name)
            case .object(let id):
                let name = "\(prefix)\(index)"
                try updateReference(name, to: id, expecting: .absent, logMessage: "push source")
                temporary.append(name)
                return update.refspec(source: name)
            }
        }
        return try body(refspecs)
    }
}
