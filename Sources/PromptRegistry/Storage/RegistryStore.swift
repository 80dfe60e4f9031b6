import Foundation
import GitStore

/// A commit as the library needs it: its tree and its parents.
struct StoredCommit: Sendable {
    /// The commit.
    let id: CommitID
    /// Its root tree.
    let tree: TreeID
    /// Its parents, first parent first.
    let parents: [CommitID]
    /// Its committer time (what signatures are checked at, as git checks them).
    let time: Date
    /// Its message.
    let message: String
}

/// What a reference must hold for a compare-and-swap move to go ahead.
enum ReferenceGuard: Sendable, Equatable {
    /// The reference must not exist (create-only).
    case absent
    /// The reference must point at this commit.
    case at(CommitID)
}

/// How a compare-and-swap move of a reference ended, when it did not fail outright.
enum ReferenceMove: Sendable, Equatable {
    /// The reference now points at the new commit.
    case moved
    /// Another writer changed (or created) the reference first.
    case lostRace
    /// Another writer holds the reference's lock file.
    case locked
}

/// One recorded move of a reference, from its reflog.
struct ReferenceLogEntry: Sendable, Equatable {
    /// The value before; nil when the move created the reference.
    let old: CommitID?
    /// The value after.
    let new: CommitID
    /// Why, as the writer said (promptreg writes `promptreg <action> seq <n>`).
    let message: String
}

/// The registry's git repository, in the library's terms. The only type (with its extensions in
/// this folder) that talks to GitStore; every libgit2 error is turned into a `PromptRegError` here.
///
/// Not thread-safe, as libgit2 objects are not: `Registry` serialises every use.
final class RegistryStore {
    /// The git directory.
    let path: String
    /// Used only by this type and its extensions in this folder.
    let repository: GitRepository
    /// When set, every commit written is signed with it (git's SSH signature, namespace `git`).
    var signingKey: SigningKey?
    /// The allowed_signers this handle trusts, set at open: every state it reads or pulls must
    /// pass `StateHistory` under them. Nil trusts the registry's own policy.
    var trustAnchor: AllowedSigners?
    /// The newest state commit whose history this handle checked, by `HistoryTrust.markKey`.
    var checkedHeads: [String: CommitID] = [:]

    private init(_ repository: GitRepository) {
        self.repository = repository
        self.path = repository.path
    }

    /// True when `path` is the git directory of a repository.
    static func isRepository(at path: String) -> Bool { GitRepository.isRepository(at: path) }

    /// Opens the repository whose git directory is `path`.
    static func open(at path: String) throws -> RegistryStore {
        RegistryStore(try translatingGitErrors { try GitRepository.open(at: path) })
    }

    /// Creates a bare repository at `path` that logs every reference move.
    static func initialise(at path: String) throws -> RegistryStore {
        try translatingGitErrors {
            let repository = try GitRepository.initBare(at: path)
            try repository.setConfig("core.logAllRefUpdates", to: "always")
            return RegistryStore(repository)
        }
    }

    /// Turns fsync of every object and reference on or off for the whole process.
    static func setDurableWrites(_ enabled: Bool) { GitRepository.setFsync(enabled) }

    /// The git identity configured for this repository (or globally), as `Name <email>`, if any.
    func configuredIdentity() -> String? {
        repository.configuredIdentity().map { $0.email.isEmpty ? $0.name : "\($0.name) <\($0.email)>" }
    }

    /// The commit a reference points at; nil when it does not exist.
    func target(of reference: String) throws -> CommitID? {
        try translatingGitErrors { try repository.referenceTarget(reference).map(CommitID.init) }
    }

    /// Every reference whose name matches the glob `pattern`, with its target.
    func references(matching pattern: String) throws -> [(name: String, target: CommitID)] {
        try translatingGitErrors { try repository.references(matching: pattern).map { ($0.name, CommitID($0.target)) } }
    }

    /// Reads commit `id`.
    func commit(_ id: CommitID) throws -> StoredCommit {
        let commit = try translatingGitErrors { try repository.readCommit(id.object) }
        return StoredCommit(
            id: id, tree: TreeID(object: commit.tree), parents: commit.parents.map(CommitID.init), time: commit.committerTime,
            message: commit.message)
    }

    /// The bytes of the file at `path` in `tree`; nil when there is none.
    func file(_ path: String, in tree: TreeID) throws -> Data? {
        try translatingGitErrors { try repository.readFile(path, inTree: tree.object) }
    }

    /// The id of the file at `path` in `tree`, without reading it; nil when there is none.
    func fileID(_ path: String, in tree: TreeID) throws -> FileID? {
        try translatingGitErrors { try repository.fileID(path, inTree: tree.object).map(FileID.init) }
    }

    /// The entry names of the directory at `path` in `tree` (the root when empty); empty when absent.
    func names(in path: String, of tree: TreeID) throws -> [String] {
        try translatingGitErrors { try repository.listTree(path, inTree: tree.object) }
    }

    /// The recorded moves of `reference`, oldest first.
    func moves(of reference: String) throws -> [ReferenceLogEntry] {
        try translatingGitErrors {
            try repository.reflog(reference).map {
                ReferenceLogEntry(old: $0.old.map(CommitID.init), new: CommitID($0.new), message: $0.message)
            }
        }
    }

    /// How many objects no reference reaches (left by interrupted writes).
    func unreachableObjectCount() throws -> Int {
        try translatingGitErrors { try repository.allObjects().subtracting(try repository.reachableObjects()).count }
    }

    /// Writes the files (nil removes one) on top of `base` (nil: an empty tree) as a commit with
    /// `parents`, made by `actor` at `time`. Moves no reference.
    func writeCommit(
        files: [String: [UInt8]?], base: TreeID?, parents: [CommitID], actor: String, time: Date, message: String
    ) throws -> CommitID {
        // One pack for the whole commit: its blobs, trees and the commit itself.
        try translatingGitErrors { try repository.writingOnePack {
            let tree = try updatedTree(base, files)
            let author = Self.signature(for: actor, at: time)
            guard let signingKey else {
                return CommitID(try repository.createCommit(tree: tree, parents: parents.map(\.object), author: author, message: message))
            }
            let content = try repository.commitContent(tree: tree, parents: parents.map(\.object), author: author, message: message)
            let signature = try SSHSignature.sign(content, with: signingKey, namespace: SSHSignature.gitNamespace)
            return CommitID(try repository.createSignedCommit(content: content, signature: signature.armored))
        } }
    }

    /// The value of git config `key` in this registry (or the user's git config), if set.
    func configValue(_ key: String) -> String? {
        (try? repository.configValue(key)) ?? nil
    }

    /// Sets git config `key` to `value` in this registry's own config.
    func setConfig(_ key: String, to value: String) throws {
        try translatingGitErrors { try repository.setConfig(key, to: value) }
    }

    /// The files at which `tree` differs from the tree `base` (nil: empty) becomes with `files`
    /// set (nil removes a file or a directory); nil when the trees are identical, byte for byte
    /// (an empty list: they differ in an entry that is not a file). Computed in memory: nothing
    /// is stored.
    func differences(of tree: TreeID, from files: [String: [UInt8]?], on base: TreeID?) throws -> [String]? {
        try translatingGitErrors {
            try repository.withoutStoring {
                let expected = try updatedTree(base, files)
                return expected == tree.object ? nil : try repository.changedFiles(from: expected, to: tree.object)
            }
        }
    }

    /// Writes `files`' blobs and the tree `base` becomes with them.
    private func updatedTree(_ base: TreeID?, _ files: [String: [UInt8]?]) throws -> ObjectID {
        let changes = try files.sorted { $0.key < $1.key }.map { path, bytes in
            TreeChange(path: path, blob: try bytes.map { try repository.writeBlob(Data($0)) })
        }
        return try repository.updateTree(base?.object, changes: changes)
    }

    /// Points `reference` at `target` if and only if it holds what `guarded` says, atomically under
    /// the reference's lock. A lost race or a held lock is an outcome; any other failure throws.
    func move(_ reference: String, to target: CommitID, guarded: ReferenceGuard, logMessage: String) throws -> ReferenceMove {
        let expectation: ReferenceExpectation
        switch guarded {
        case .absent: expectation = .absent
        case .at(let current): expectation = .pointsAt(current.object)
        }
        do {
            try repository.updateReference(reference, to: target.object, expecting: expectation, logMessage: logMessage)
            return .moved
        } catch let error as GitError where error.code == .modified || error.code == .exists {
            return .lostRace
        } catch let error as GitError where error.code == .locked {
            return .locked
        } catch let error as GitError {
            throw PromptRegError(error)
        }
    }

    /// Signature for commits made on behalf of `actor` (`Name <email>` or a bare name).
    private static func signature(for actor: String, at time: Date) -> GitSignature {
        if let open = actor.lastIndex(of: "<"), actor.hasSuffix(">") {
            let name = actor[..<open].trimmingCharacters(in: .whitespaces)
            let email = String(actor[actor.index(after: open)..<actor.index(before: actor.endIndex)])
            return GitSignature(name: name.isEmpty ? email : name, email: email, time: time)
        }
        // git requires an e-mail address; `.invalid` is reserved for names that must never resolve.
        let local = actor.filter { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }
        return GitSignature(name: actor, email: "\(local)@promptreg.invalid", time: time)
    }
}

extension RegistryStore {
    /// True when `commit` is `ancestor` or descends from it.
    func isDescendant(_ commit: CommitID, of ancestor: CommitID) throws -> Bool {
        try translatingGitErrors { try repository.isDescendant(commit.object, of: ancestor.object) }
    }
}

extension RegistryStore {
    /// The paths of the files that differ between two trees, sorted.
    func changedFiles(from old: TreeID, to new: TreeID) throws -> [String] {
        try translatingGitErrors { try repository.changedFiles(from: old.object, to: new.object) }
    }
}

extension RegistryStore {
    /// The newest commit both histories share; nil when they are unrelated.
    func mergeBase(_ one: CommitID, _ two: CommitID) throws -> CommitID? {
        try translatingGitErrors { try repository.mergeBase(one.object, two.object).map(CommitID.init) }
    }
}

extension RegistryStore {
    /// The principals this process's signing key signs as under `policy` now (empty without a key,
    /// or when the policy does not list it).
    func signerPrincipals(under policy: TrustPolicy?) -> Set<String> {
        guard let policy, let signingKey else { return [] }
        return policy.principals(of: signingKey.publicKey, at: Date())
    }

    /// What commit `id`'s signature proves when checked as `git verify-commit` checks it: an SSH
    /// signature for namespace `git` over the commit without its signature header, by a key that
    /// `signers` lets sign at `time` (the committer time). Without `signers` any valid signature
    /// counts (its signer then has no principals). Throws only when the commit cannot be read.
    func signatureVerdict(of id: CommitID, signers: AllowedSigners?, at time: Date) throws -> SignatureVerdict {
        guard let signed = try translatingGitErrors({ try repository.commitSignature(id.object) }) else { return .unsigned }
        // AllowedSigners.verify in its two steps, so a broken signature and an unknown signer read apart.
        let key: SSHPublicKey
        do {
            key = try SSHSignature.verify(armored: signed.signature, message: signed.signedData, namespace: SSHSignature.gitNamespace)
        } catch let error as PromptRegError {
            return .broken(error.message)
        }
        guard let signers else { return .signed(VerifiedSigner(key: key, principals: [])) }
        do {
            return .signed(VerifiedSigner(key: key, principals: try signers.authorize(key, namespace: SSHSignature.gitNamespace, at: time)))
        } catch let error as PromptRegError {
            return .notAllowed(key, known: signers.entries.contains { $0.key == key }, error.message)
        }
    }
}

/// What a commit's signature proves (see `RegistryStore.signatureVerdict`).
enum SignatureVerdict: Sendable, Equatable {
    /// The commit carries no signature.
    case unsigned
    /// It carries a signature that is not valid for its bytes (or no SSH signature for namespace
    /// `git`): the commit was changed after it was signed, or the signature is forged. Says why.
    case broken(String)
    /// A valid signature by a key the allowed signers do not let sign then; `known` is false when
    /// they do not list the key at all. Says why.
    case notAllowed(SSHPublicKey, known: Bool, String)
    /// A valid signature by an allowed key.
    case signed(VerifiedSigner)
}

extension RegistryStore {
    /// True when `commit` was made by the key this handle signs with: signed by it, or unsigned
    /// when this handle signs nothing. What a writer checks before it finishes a version commit
    /// it finds (another writer's, or a planted one, is not its to record).
    func madeByThisSigner(_ commit: CommitID) throws -> Bool {
        let verdict = try signatureVerdict(of: commit, signers: nil, at: try self.commit(commit).time)
        switch (verdict, signingKey) {
        case (.unsigned, nil): return true
        case (.signed(let signer), let key?): return signer.key == key.publicKey
        default: return false
        }
    }
}
