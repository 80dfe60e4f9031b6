import Foundation
import GitStore

/// How `publish` picks the new version number.
public enum VersionChoice: Sendable, Equatable {
    /// 1.0.0 first; later, the highest version raised by the smallest bump the change requires.
    case automatic
    /// Exactly this version (refused if the change needs a larger bump).
    case exact(SemanticVersion)
    /// The highest version raised by this bump (refused if the change needs a larger one).
    case bump(VersionBump)
}

/// What `publish` did.
public struct PublishResult: Sendable {
    /// Bundle name.
    public let name: String
    /// The new version.
    public let version: SemanticVersion
    /// Its bundle digest.
    public let digest: Digest
    /// Digest of each layer.
    public let layerDigests: [LayerKind: Digest]
    /// The version it was compared with, if any.
    public let previous: SemanticVersion?
    /// The bump the change required against `previous`.
    public let requiredBump: VersionBump
    /// The state commit that recorded it.
    public let event: StateEvent
}

extension Registry {
    /// Validates the bundle in `directory`, stores it as a new immutable version and records it in
    /// the state. Nothing is written unless every check passes.
    public func publish(
        directory: String, message: String, version choice: VersionChoice = .automatic,
        policy: BundlePolicy = BundlePolicy(), actor: String, loader: BundleLoader = BundleLoader()
    ) throws -> PublishResult {
        guard !message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw PromptRegError(.usage, "a publish needs a message", fix: "say why with -m \"...\"")
        }
        let sealed = try loader.load(directory: directory, policy: policy).sealed()
        let name = sealed.content.name
        // Another writer may take the chosen version number between planning and creating its
        // ref; a version promptreg chose is then chosen again, an explicit one is a conflict.
        var plan: StoredVersion?
        for attempt in 0..<Self.maxStateAttempts where plan == nil {
            if attempt > 0 { Self.backoff(attempt) }
            do {
                plan = try withRepository { repository in
                    try Self.refuseStaleStateLock(repository)
                    return try storeVersion(sealed, message: message, choice: choice, policy: policy, actor: actor, repository: repository)
                }
            } catch let race as LostVersionRace {
                if case .exact = choice { throw Self.versionExists(name, race.version, digest: race.digest) }
            }
        }
        guard let plan else {
            throw PromptRegError(
                .conflict, "other writers kept taking the next version of \(name); nothing was published", fix: "run the command again")
        }
        let digest = sealed.digest
        let event = try updateState(actor: actor) { snapshot, stamp in
            if let recorded = try snapshot.versionRecord(name, plan.version) {
                throw Self.versionExists(name, plan.version, digest: recorded.digest)
            }
            let record = VersionRecord(
                version: plan.version, digest: digest, commit: plan.commit.hex, seq: stamp.seq, time: stamp.time,
                actor: stamp.actor)
            return StateUpdate(
                action: .publish, message: message,
                changes: [StateChange(bundle: name, channel: nil, from: nil, to: PointerTarget(version: plan.version, digest: digest))],
                files: [
                    Layout.versionRecordFile(name, plan.version): CanonicalJSON.bytes(of: record),
                    Layout.digestIndexFile(name, digest): CanonicalJSON.bytes(of: plan.version),
                ])
        }
        return PublishResult(
            name: name, version: plan.version, digest: digest, layerDigests: sealed.layerDigests,
            previous: plan.previous, requiredBump: plan.requiredBump, event: event)
    }

    /// The version ref was taken by another writer after this one planned the version.
    private struct LostVersionRace: Error {
        let version: SemanticVersion
        let digest: Digest?
    }

    private struct StoredVersion {
        let version: SemanticVersion
        let commit: ObjectID
        let previous: SemanticVersion?
        let requiredBump: VersionBump
    }

    /// Decides the version, checks the semver contract, then writes objects and creates the version
    /// ref (create-only). Refusals happen before the first write.
    private func storeVersion(
        _ sealed: SealedBundle, message: String, choice: VersionChoice, policy: BundlePolicy, actor: String,
        repository: GitRepository
    ) throws -> StoredVersion {
        let name = sealed.content.name
        let digest = sealed.digest
        let snapshot = try StateSnapshot.current(repository)
        if let existing = try snapshot.version(of: name, digest: digest) {
            throw PromptRegError(
                .conflict, "\(name): this content is identical to the published \(name)@\(existing) (\(digest))",
                fix: "nothing to publish; use \(name)@\(existing)")
        }
        let published = try snapshot.versions(of: name)
        let version: SemanticVersion
        let previous: SemanticVersion?
        switch choice {
        case .exact(let requested):
            if published.contains(requested) {
                throw Self.versionExists(name, requested, digest: try snapshot.versionRecord(name, requested)?.digest)
            }
            previous = published.last { $0 < requested }
            version = requested
        case .bump(let bump):
            previous = published.last
            version = previous?.bumped(bump) ?? SemanticVersion(1, 0, 0)
        case .automatic:
            previous = published.last
            version = SemanticVersion(1, 0, 0)
        }
        var finalVersion = version
        var required = VersionBump.none
        var previousCommit: ObjectID?
        if let previous, let record = try snapshot.versionRecord(name, previous) {
            let old = try Self.loadVersion(name, record, repository: repository)
            let comparison = BundleComparison(from: old.content, to: sealed.content)
            required = max(comparison.requiredBump, .patch)
            previousCommit = ObjectID(hex: record.commit)
            if choice == .automatic { finalVersion = previous.bumped(required) }
            let actual = finalVersion.bump(from: previous)
            if actual < required {
                let reasons = comparison.changes.filter { $0.bump > actual }.map { change in
                    "  \(change.field): \(change.kind) (needs \(change.bump))"
                }
                let suggestion = previous.bumped(required)
                throw PromptRegError(
                    .invalidInput,
                    "\(name)@\(finalVersion) is a \(actual) bump from \(previous), but the change needs a \(required) bump "
                        + "(layers changed: \(comparison.changedLayers.map(\.rawValue).joined(separator: ", "))):\n"
                        + reasons.joined(separator: "\n"),
                    fix:
                        "publish it as \(suggestion) (--version \(suggestion) or --bump \(required)), or leave both out to let promptreg choose"
                )
            }
        }
        if published.contains(finalVersion) {
            throw Self.versionExists(name, finalVersion, digest: try snapshot.versionRecord(name, finalVersion)?.digest)
        }
        let refName = Layout.versionRef(name, finalVersion)
        if let existing = try Self.storage({ try repository.referenceTarget(refName) }) {
            // A publish that stopped between creating the ref and recording it: finish it if it is ours.
            let publishData = try Self.storage {
                try repository.readFile(Layout.publishFile, inTree: try repository.readCommit(existing).tree)
            }
            let earlier = publishData.flatMap { try? JSONDecoder().decode(PublishRecord.self, from: $0) }
            guard earlier?.digest == digest else { throw LostVersionRace(version: finalVersion, digest: earlier?.digest) }
            return StoredVersion(version: finalVersion, commit: existing, previous: previous, requiredBump: required)
        }
        let time = Date()
        let record = PublishRecord(
            name: name, version: finalVersion, digest: digest, actor: actor, time: Timestamp.string(time),
            message: message, allowFloatingModel: policy.allowFloatingModel, allowSecrets: policy.allowSecrets)
        let commit: ObjectID = try Self.storage {
            var files: [(String, [UInt8])] = sealed.layerDocuments.map { (Layout.layerFile($0.key), $0.value) }
            files.append((Layout.manifestFile, sealed.manifestBytes))
            files.append((Layout.publishFile, CanonicalJSON.bytes(of: record)))
            let changes = try files.map { TreeChange(path: $0.0, blob: try repository.writeBlob(Data($0.1))) }
            let tree = try repository.updateTree(nil, changes: changes)
            return try repository.createCommit(
                tree: tree, parents: previousCommit.map { [$0] } ?? [], author: signature(for: actor, at: time),
                message: "publish \(name)@\(finalVersion)\n\n\(message)\n\ndigest: \(digest)\nactor: \(actor)\n")
        }
        // Create-only. A fresh lock on the ref is another writer creating it right now: wait for it
        // to finish, then this one finds the ref exists.
        for attempt in 0..<Self.maxStateAttempts {
            do {
                try repository.updateReference(
                    refName, to: commit, expecting: .absent, logMessage: "promptreg publish \(name)@\(finalVersion)")
                return StoredVersion(version: finalVersion, commit: commit, previous: previous, requiredBump: required)
            } catch let error as GitError where error.code == .exists {
                throw LostVersionRace(version: finalVersion, digest: nil)
            } catch let error as GitError where error.code == .locked {
                let age = LockFiles.age("\(repository.path)/\(refName).lock") ?? 0
                if age >= Self.staleLockAge || attempt == Self.maxStateAttempts - 1 {
                    throw LockFiles.heldError(reference: refName, registry: repository.path)
                }
                Self.backoff(attempt + 1)
            } catch let error as GitError {
                throw PromptRegError(error)
            }
        }
        throw LockFiles.heldError(reference: refName, registry: repository.path)
    }

    static func versionExists(_ name: String, _ version: SemanticVersion, digest: Digest?) -> PromptRegError {
        PromptRegError(
            .conflict, "\(name)@\(version) already exists\(digest.map { " (\($0))" } ?? ""); published versions never change",
            fix: "publish a new version: leave out --version to let promptreg choose, or pass --bump patch|minor|major")
    }
}
