import Foundation

extension Registry {
    /// How many times a write-through write or a push re-reads the remote after losing a race.
    static let maxRemoteAttempts = 10

    /// Makes a local registry at `path` that tracks `url` as remote `origin`, its upstream, and
    /// fetches everything. With `trusting`, the remote's state must be that state or descend from
    /// it (a new host's pinned minimum); with `anchor`, every state commit must pass its checks
    /// (see `pull(from:trusting:)`). With `acceptingNewHostKey`, an ssh server's host key that
    /// is not known yet is trusted and recorded in known_hosts (a changed one is refused).
    @discardableResult
    public static func clone(
        from url: String, to path: String, trusting minimum: (seq: Int64, commit: String)? = nil,
        anchor: AllowedSigners? = nil, acceptingNewHostKey: Bool = false
    ) throws -> (registry: Registry, sync: SyncResult) {
        guard !FileManager.default.fileExists(atPath: path) || ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).isEmpty
        else {
            throw PromptRegError(.invalidInput, "\(path) exists and is not empty", fix: "clone into a new path")
        }
        let trusted = try minimum.map { pin -> AcceptedState in
            guard let commit = CommitID(hex: pin.commit), pin.seq >= 0 else {
                throw PromptRegError(.invalidInput, "'\(pin.seq):\(Names.printable(pin.commit))' is not SEQ:COMMIT", fix: "give the sequence number and the 40-digit state commit id")
            }
            return AcceptedState(seq: pin.seq, commit: commit)
        }
        let store = try RegistryStore.initialise(at: path)
        let registry = Registry(store: store)
        do {
            let sync = try registry.withStore { store in
                try store.addRemote("origin", url: url, acceptingNewHostKey: acceptingNewHostKey)
                try store.setUpstream("origin")
                return try registry.remoteSync(store, "origin", trusting: anchor).pull(trusting: trusted)
            }
            return (registry, sync)
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }

    /// Adds remote `name` at `url` (a path, `file://`, `git://`, `http(s)://` or `ssh://` URL).
    /// With `acceptingNewHostKey`, connects to an ssh server first and records its host key in
    /// known_hosts when it is not known yet (a changed one is refused and nothing is added).
    public func addRemote(_ name: String, url: String, acceptingNewHostKey: Bool = false) throws {
        try Names.checkRemote(name)
        try withStore { store in
            guard try store.remoteURL(name) == nil else {
                throw PromptRegError(.conflict, "remote \(name) exists already", fix: "remove it first, or choose another name")
            }
            try store.addRemote(name, url: url, acceptingNewHostKey: acceptingNewHostKey)
        }
    }

    /// Every configured remote, with which one is the upstream.
    public func remotes() throws -> [RemoteInfo] { try withStore { try $0.remotes() } }

    /// Removes remote `name` and what was fetched from it.
    public func removeRemote(_ name: String) throws {
        try withStore { store in
            try Self.requireRemote(name, store)
            try store.removeRemote(name)
        }
    }

    /// Makes remote `name` the upstream every write goes through.
    public func setUpstream(_ name: String) throws {
        try withStore { store in
            try Self.requireRemote(name, store)
            try store.setUpstream(name)
        }
    }

    /// Fetches from `remote` (the upstream when nil) and brings the local registry up to date.
    /// Every new state commit is replayed first (see `StateHistory`), and with `anchor` (the
    /// allowed_signers file this host trusts) must be signed by a key it allows: a state that
    /// fails is refused (`integrity`, naming the first bad commit and why) and the local state
    /// and the accepted-state mark stay where they were.
    public func pull(from remote: String? = nil, trusting anchor: AllowedSigners? = nil) throws -> SyncResult {
        try withStore { store in try remoteSync(store, try Self.remoteName(remote, store), trusting: anchor).pull() }
    }

    /// Sends local versions and state that `remote` (the upstream when nil) lacks.
    public func push(to remote: String? = nil) throws -> SyncResult {
        try withStore { store in try remoteSync(store, try Self.remoteName(remote, store), trusting: nil).push() }
    }

    /// A sync with `remote` that checks every remote state before the local state moves to it:
    /// its history replayed, and with `anchor` (else the handle's own), signed as the anchor demands. Call under `withStore`.
    func remoteSync(_ store: RegistryStore, _ remote: String, trusting anchor: AllowedSigners?) -> RemoteSync {
        RemoteSync(store: store, remote: remote) { state in
            try store.checkHistory(to: state, trust: (anchor ?? store.trustAnchor).map(HistoryTrust.anchor) ?? .policy)
        }
    }

    /// The upstream writes go through, unless writes are offline or there is none. Call under `withStore`.
    func writeThroughRemote(_ store: RegistryStore) throws -> String? {
        writesOffline ? nil : try store.upstream()
    }

    /// Write-through: pull, apply `intent` on top of the upstream's newest state, push the version
    /// refs the upstream lacks and then the state with compare-and-swap, and only then move the
    /// local state. A lost race pulls and re-applies the intent, up to `maxRemoteAttempts` times.
    func updateStateThrough(
        _ remote: String, store: RegistryStore, actor: String, _ intent: (StateSnapshot, StateStamp) throws -> StateUpdate
    ) throws -> StateEvent {
        let sync = remoteSync(store, remote, trusting: nil)
        for attempt in 0..<Self.maxRemoteAttempts {
            if attempt > 0 { Self.backoff(attempt + 6) }
            _ = try sync.pull()
            let snapshot = try StateSnapshot.current(store)
            let (event, files) = try prepareCommit(on: snapshot, seq: try snapshot.event().seq + 1, actor: actor, intent, store)
            let commit = try store.writeStateCommit(event, files: files, on: snapshot)
            _ = try sync.sendVersionRefs()
            let remoteState = try store.target(of: RegistryStore.trackingRef(Layout.stateRef, remote: remote))
            guard try sync.pushState(commit, over: remoteState) == .moved else { continue }
            // The upstream holds the change: the local state follows (a local writer that moved it
            // meanwhile is overtaken by the next pull).
            _ = try store.moveState(to: commit, from: snapshot.commit, seq: event.seq, log: "promptreg \(event.action.rawValue) seq \(event.seq) via \(remote)", derived: true)
            return event
        }
        throw PromptRegError(
            .conflict, "\(remote)'s state changed under this command \(Self.maxRemoteAttempts) times in a row; nothing was written anywhere",
            fix: "run the command again; if it keeps failing, too many writers are racing")
    }

    private static func remoteName(_ remote: String?, _ store: RegistryStore) throws -> String {
        if let remote {
            try requireRemote(remote, store)
            return remote
        }
        guard let upstream = try store.upstream() else {
            throw PromptRegError(
                .notFound, "this registry has no upstream remote", fix: "add one and make it the upstream, or name the remote")
        }
        return upstream
    }

    private static func requireRemote(_ name: String, _ store: RegistryStore) throws {
        guard try store.remoteURL(name) != nil else {
            let known = try store.remotes().map(\.name)
            throw PromptRegError(
                .notFound, "no remote named '\(Names.printable(name))'\(known.isEmpty ? "" : " (remotes: \(known.joined(separator: ", ")))")",
                fix: "add it first")
        }
    }
}
