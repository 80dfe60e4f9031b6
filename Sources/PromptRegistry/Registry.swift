import Foundation
import GitStore

/// A promptreg registry: a bare git repository holding immutable bundle versions and the channel
/// state. The one entry point for publishing, promoting, rolling back and resolving.
///
/// Safe to share between threads: every use of the underlying libgit2 handle is serialised.
public final class Registry: @unchecked Sendable {
    /// The registry's directory (a bare git repository).
    public let path: String
    let repository: GitRepository
    private let lock = NSLock()
    /// Bundles this process has read and verified, by version commit id. Published versions are
    /// immutable, so a verified copy stays valid; only touched under `lock`.
    private var verifiedBundles: [String: StoredBundle] = [:]
    private static let verifiedBundleLimit = 256
    /// Answers this process gave, with the state commit they were read at; only touched under `lock`.
    private var resolutions: [ResolveRequest: (state: ObjectID, answer: ResolvedBundle)] = [:]

    private init(path: String, repository: GitRepository) {
        self.path = path
        self.repository = repository
    }

    /// Creates a registry at `path`, or opens the one there. Refuses a non-empty directory that is
    /// not a registry.
    @discardableResult
    public static func create(at path: String, actor: String) throws -> Registry {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw PromptRegError(.invalidInput, "\(path) is a file, not a directory", fix: "choose another path")
            }
            if GitRepository.isRepository(at: path) {
                let registry = try open(at: path)
                let refs = try storage { try registry.repository.references(matching: "refs/*") }
                if refs.isEmpty {
                    // An empty repository, e.g. an init that stopped before its first state commit.
                    try registry.writeInitialState(actor: actor)
                    return registry
                }
                guard refs.contains(where: { $0.name == Layout.stateRef }) else {
                    throw PromptRegError(
                        .invalidInput, "\(path) is a git repository but not a promptreg registry",
                        fix: "choose an empty directory or a new path")
                }
                return registry
            }
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            guard contents.isEmpty else {
                throw PromptRegError(
                    .invalidInput, "\(path) is a non-empty directory that is not a registry",
                    fix: "choose an empty directory or a new path")
            }
        }
        let repository = try storage { try GitRepository.initBare(at: path) }
        try storage { try repository.setConfig("core.logAllRefUpdates", to: "always") }
        let registry = Registry(path: path, repository: repository)
        try registry.writeInitialState(actor: actor)
        return registry
    }

    /// Turns durable writes (fsync of every object and ref before it is used) on or off for this
    /// process. On by default. Turn it off only to build throwaway registries in bulk (benchmark
    /// and test fixtures): without it, a power loss can lose or corrupt recent writes.
    public static func setDurableWrites(_ enabled: Bool) {
        GitRepository.setFsync(enabled)
    }

    /// Opens the registry at `path`.
    public static func open(at path: String) throws -> Registry {
        guard GitRepository.isRepository(at: path) else {
            throw PromptRegError(
                .notFound, "no registry at \(path)",
                fix: "create one with 'promptreg init \(path)', or point --registry / PROMPTREG_REGISTRY at an existing one")
        }
        let repository = try storage { try GitRepository.open(at: path) }
        return Registry(path: repository.path, repository: repository)
    }

    /// The git identity configured for this registry (or globally), as `Name <email>`, if any.
    public func configuredIdentity() -> String? {
        withRepository { repository in
            repository.configuredIdentity().map { $0.email.isEmpty ? $0.name : "\($0.name) <\($0.email)>" }
        }
    }

    /// `name@version` as recorded by `record`, verified: from this process's cache of verified
    /// bundles when it was read before, else read and verified now. Call under `withRepository`.
    func verifiedVersion(_ name: String, _ record: VersionRecord) throws -> StoredBundle {
        if let cached = verifiedBundles[record.commit], cached.digest == record.digest, cached.name == name {
            return cached
        }
        let bundle = try Self.loadVersion(name, record, repository: repository)
        if verifiedBundles.count >= Self.verifiedBundleLimit { verifiedBundles.removeAll(keepingCapacity: true) }
        verifiedBundles[record.commit] = bundle
        return bundle
    }

    /// The answer to `request` given at state commit `state`, if this process gave one. Call
    /// under `withRepository`.
    func cachedResolution(_ request: ResolveRequest, at state: ObjectID) -> ResolvedBundle? {
        guard let cached = resolutions[request], cached.state == state else { return nil }
        return cached.answer
    }

    /// Remembers `answer` to `request` at state commit `state`. Call under `withRepository`.
    func cacheResolution(_ answer: ResolvedBundle, for request: ResolveRequest, at state: ObjectID) {
        if resolutions.count >= Self.verifiedBundleLimit { resolutions.removeAll(keepingCapacity: true) }
        resolutions[request] = (state, answer)
    }

    /// Runs `body` with exclusive use of the libgit2 handle.
    func withRepository<T>(_ body: (GitRepository) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(repository)
    }

    private func writeInitialState(actor: String) throws {
        try withRepository { repository in
            guard try Self.storage({ try repository.referenceTarget(Layout.stateRef) }) == nil else { return }
            let event = StateEvent(
                seq: 0, time: Timestamp.string(Date()), actor: actor, action: .initialise,
                message: "create registry", changes: [])
            _ = try Self.storage {
                try StateWriter(repository: repository).commit(
                    event: event, changes: [:], baseTree: nil, parent: nil)
            }
        }
    }

    /// Runs a storage call, turning libgit2 errors into promptreg errors.
    static func storage<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as GitError {
            throw PromptRegError(error)
        }
    }
}

extension PromptRegError {
    /// The promptreg form of a libgit2 failure.
    init(_ error: GitError) {
        switch error.code {
        case .notFound: self.init(.notFound, error.description)
        case .exists, .modified: self.init(.conflict, error.description, fix: "run the command again")
        case .locked:
            self.init(
                .conflict, "\(error.description)",
                fix: "another promptreg process is writing; if none is running, the lock file was left by a crash: remove it")
        case .corrupt:
            self.init(.integrity, "\(error.description)", fix: "run 'promptreg verify' to see what is damaged")
        case .other: self.init(.storage, error.description)
        }
    }
}

/// Signature for commits made on behalf of `actor` (`Name <email>` or a bare name).
func signature(for actor: String, at time: Date) -> GitSignature {
    if let open = actor.lastIndex(of: "<"), actor.hasSuffix(">") {
        let name = actor[..<open].trimmingCharacters(in: .whitespaces)
        let email = String(actor[actor.index(after: open)..<actor.index(before: actor.endIndex)])
        return GitSignature(name: name.isEmpty ? email : name, email: email, time: time)
    }
    // git requires an e-mail address; `.invalid` is reserved for names that must never resolve.
    return GitSignature(
        name: actor, email: "\(actor.filter { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" })@promptreg.invalid", time: time)
}
