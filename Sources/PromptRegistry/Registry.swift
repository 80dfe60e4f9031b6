import Foundation

/// A promptreg registry: a bare git repository holding immutable bundle versions and the channel
/// state. The one entry point for publishing, promoting, rolling back and resolving.
///
/// Safe to share between threads: every use of the underlying libgit2 handle is serialised.
public final class Registry: @unchecked Sendable {
    /// The registry's directory (a bare git repository).
    public let path: String
    private let store: RegistryStore
    private let mutex = NSLock()
    /// Bundles this process has read and verified, by version commit id. Published versions are
    /// immutable, so a verified copy stays valid; only touched under `lock`.
    private var verifiedBundles: [String: StoredBundle] = [:]
    private static let verifiedBundleLimit = 256
    /// Answers this process gave, with the state commit they were read at; only touched under `lock`.
    /// Backs `offline`; only touched under the mutex.
    var writesOffline = false
    private var resolutions: [ResolveRequest: (state: CommitID, answeredAt: CommitID, answer: ResolvedBundle)] = [:]
    /// The newest state head read, so polling an unmoved state costs one ref read; only touched
    /// under the mutex.
    var lastStateHead: StateHead?

    init(store: RegistryStore) {
        self.path = store.path
        self.store = store
    }

    /// Creates a registry at `path` with the default channels declared, or opens the one there.
    /// Refuses a file, and a non-empty directory that is not a registry. The creation is recorded
    /// under `actor`, or under the git identity (else the OS user) when it is nil.
    @discardableResult
    public static func create(at path: String, actor: String?) throws -> Registry {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw PromptRegError(.invalidInput, "\(path) is a file, not a directory", fix: "choose another path")
            }
            if RegistryStore.isRepository(at: path) {
                let registry = try open(at: path)
                try registry.finishCreate(actor: actor ?? registry.defaultActor())
                return registry
            }
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            guard contents.isEmpty else {
                throw PromptRegError(
                    .invalidInput, "\(path) is a non-empty directory that is not a registry",
                    fix: "choose an empty directory or a new path")
            }
        }
        let registry = Registry(store: try RegistryStore.initialise(at: path))
        try registry.writeInitialState(actor: actor ?? registry.defaultActor())
        return registry
    }

    /// For an existing repository: finishes a create that stopped before its first state commit,
    /// and refuses a repository that is something else.
    private func finishCreate(actor: String) throws {
        let refs = try withStore { try $0.references(matching: "refs/*") }
        if refs.isEmpty { return try writeInitialState(actor: actor) }
        guard refs.contains(where: { $0.name == Layout.stateRef }) else {
            throw PromptRegError(
                .invalidInput, "\(path) is a git repository but not a promptreg registry",
                fix: "choose an empty directory or a new path")
        }
    }

    /// Turns durable writes (fsync of every object and ref before it is used) on or off for this
    /// process. On by default. Turn it off only to build throwaway registries in bulk (benchmark
    /// and test fixtures): without it, a power loss can lose or corrupt recent writes.
    public static func setDurableWrites(_ enabled: Bool) {
        RegistryStore.setDurableWrites(enabled)
    }

    /// Opens the registry at `path`. With `anchor` (the allowed_signers file this host ships
    /// with), every state this handle reads, resolves, follows or pulls must pass the replay and
    /// signature checks under it (see `resolve(_:trusting:)`); a state that fails is refused.
    public static func open(at path: String, trusting anchor: AllowedSigners? = nil) throws -> Registry {
        guard RegistryStore.isRepository(at: path) else {
            throw PromptRegError(
                .notFound, "no registry at \(path)", fix: "create one there, or point at an existing one",
                remedy: .createRegistry(path: path))
        }
        let store = try RegistryStore.open(at: path)
        store.trustAnchor = anchor
        return Registry(store: store)
    }

    /// The allowed_signers this handle was opened trusting, if any.
    public var trustAnchor: AllowedSigners? { withStore { $0.trustAnchor } }

    /// The git identity configured for this registry (or globally), as `Name <email>`, if any.
    public func configuredIdentity() -> String? {
        withStore { $0.configuredIdentity() }
    }

    /// Who a write is recorded as when the caller names nobody: the git identity, else the OS user.
    public func defaultActor() -> String {
        if let identity = configuredIdentity() { return identity }
        if let user = getpwuid(getuid())?.pointee.pw_name { return String(cString: user) }
        return ProcessInfo.processInfo.environment["USER"] ?? "unknown"
    }

    /// `name@version` as recorded by `record`, verified: from this process's cache of verified
    /// bundles when it was read before, else read and verified now. Call under `withStore`.
    func verifiedVersion(_ name: String, _ record: VersionRecord) throws -> StoredBundle {
        if let cached = verifiedBundles[record.commit], cached.digest == record.digest, cached.name == name {
            return cached
        }
        let bundle = try VersionReader(store: store).verifiedBundle(name, record)
        if verifiedBundles.count >= Self.verifiedBundleLimit { verifiedBundles.removeAll(keepingCapacity: true) }
        verifiedBundles[record.commit] = bundle
        return bundle
    }

    /// The answer to `request` given when the state ref held `state`, and the state commit it
    /// was read from (older than `state` when a newer promptreg wrote `state`), if this process gave one. Call
    /// under `withStore`.
    func cachedResolution(_ request: ResolveRequest, at state: CommitID) -> (answer: ResolvedBundle, answeredAt: CommitID)? {
        guard let cached = resolutions[request], cached.state == state else { return nil }
        return (cached.answer, cached.answeredAt)
    }

    /// Remembers `answer` to `request`, given when the state ref held `state`, read from state
    /// commit `answeredAt`. Call under `withStore`.
    func cacheResolution(_ answer: ResolvedBundle, for request: ResolveRequest, at state: CommitID, answeredAt: CommitID) {
        if resolutions.count >= Self.verifiedBundleLimit { resolutions.removeAll(keepingCapacity: true) }
        resolutions[request] = (state, answeredAt, answer)
    }

    /// When true, writes change only this registry even when it has an upstream (a later push
    /// sends them). False by default: with an upstream, every write goes through it.
    public var offline: Bool {
        get { mutex.withLock { writesOffline } }
        set { mutex.withLock { writesOffline = newValue } }
    }

    /// Runs `body` with exclusive use of the store (libgit2 objects are not thread-safe).
    func withStore<T>(_ body: (RegistryStore) throws -> T) rethrows -> T {
        mutex.lock()
        defer { mutex.unlock() }
        // Packs another process joined or collected: drop them before they pile up here.
        store.forgetRemovedPacks()
        return try body(store)
    }

    private func writeInitialState(actor: String) throws {
        try withStore { store in
            guard try store.target(of: Layout.stateRef) == nil else { return }
            let event = StateEvent(
                seq: 0, time: Timestamp.string(Date()), actor: actor, action: .initialise, message: "create registry",
                changes: [], document: JSONValue(encoding: ChannelDeclaration.defaults))
            _ = try store.commitState(event, files: try StateTransition.files(for: event, on: nil), on: nil)
        }
    }
}
