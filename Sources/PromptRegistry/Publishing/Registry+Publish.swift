import Foundation

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
            throw PromptRegError(.usage, "a publish needs a message", fix: "say why the version exists", remedy: .giveMessage)
        }
        let sealed = try loader.load(directory: directory, policy: policy).sealed()
        let name = sealed.content.name
        // Another writer may take the chosen version number between planning and creating its
        // ref; a version promptreg chose is then chosen again, an explicit one is a conflict.
        var plan: StoredVersion?
        for attempt in 0..<Self.maxStateAttempts where plan == nil {
            if attempt > 0 { Self.backoff(attempt) }
            do {
                plan = try withStore { store in
                    try GitLockFiles.refuseStale(reference: Layout.stateRef, in: store.path)
                    let remote = try writeThroughRemote(store)
                    // Write-through: plan against the upstream's newest versions.
                    if let remote { _ = try remoteSync(store, remote, trusting: nil).pull() }
                    let snapshot = try StateSnapshot.current(store)
                    let version = try planVersion(sealed, choice: choice, in: snapshot)
                    let commit = try writeVersion(
                        sealed, version, message: message, policy: policy, actor: actor, store: store, remote: remote)
                    return StoredVersion(plan: version, commit: commit)
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
            if let recorded = try snapshot.versionRecord(name, plan.plan.version) {
                throw Self.versionExists(name, plan.plan.version, digest: recorded.digest)
            }
            return StateUpdate(
                action: .publish, message: message,
                changes: [
                    StateChange(
                        bundle: name, channel: nil, from: nil, to: PointerTarget(version: plan.plan.version, digest: digest),
                        commit: plan.commit.hex)
                ])
        }
        return PublishResult(
            name: name, version: plan.plan.version, digest: digest, layerDigests: sealed.layerDigests,
            previous: plan.plan.previous, requiredBump: plan.plan.requiredBump, event: event)
    }

    /// The version ref was taken by another writer after this one planned the version.
    private struct LostVersionRace: Error {
        let version: SemanticVersion
        let digest: Digest?
    }

    /// The version number chosen for a publish, and what it was compared with.
    private struct VersionPlan {
        let version: SemanticVersion
        let previous: SemanticVersion?
        let previousCommit: CommitID?
        let requiredBump: VersionBump
    }

    /// A planned version whose commit and ref exist.
    private struct StoredVersion {
        let plan: VersionPlan
        let commit: CommitID
    }

    /// Decides the version number and checks the semver contract against the previous version.
    /// Reads only: every refusal happens before the first write.
    private func planVersion(_ sealed: SealedBundle, choice: VersionChoice, in snapshot: StateSnapshot) throws -> VersionPlan {
        let name = sealed.content.name
        if let existing = try snapshot.version(of: name, digest: sealed.digest) {
            throw PromptRegError(
                .conflict, "\(name): this content is identical to the published \(name)@\(existing) (\(sealed.digest))",
                fix: "nothing to publish; use \(name)@\(existing)", subject: .init(bundle: name, version: existing.description))
        }
        // The highest version is kept in the state: only a publish below it lists every version.
        let highest = try snapshot.highestVersion(of: name)
        let previous: SemanticVersion?
        var version: SemanticVersion
        switch choice {
        case .exact(let requested):
            if let existing = try snapshot.versionRecord(name, requested) {
                throw Self.versionExists(name, requested, digest: existing.digest)
            }
            let below = highest.map { $0 < requested } ?? true
            (previous, version) = (below ? highest : try snapshot.versions(of: name).last { $0 < requested }, requested)
        case .bump(let bump):
            previous = highest
            version = previous?.bumped(bump) ?? SemanticVersion(1, 0, 0)
        case .automatic:
            (previous, version) = (highest, SemanticVersion(1, 0, 0))
        }
        var required = VersionBump.none
        var previousCommit: CommitID?
        if let previous, let record = try snapshot.versionRecord(name, previous) {
            let comparison = BundleComparison(from: try verifiedVersion(name, record).content, to: sealed.content)
            required = max(comparison.requiredBump, .patch)
            previousCommit = CommitID(hex: record.commit)
            if choice == .automatic { version = previous.bumped(required) }
            try Self.checkContract(name, version, previous: previous, comparison: comparison)
        }
        if let existing = try snapshot.versionRecord(name, version) {
            throw Self.versionExists(name, version, digest: existing.digest)
        }
        if choice != .exact(version) {
            version = try Self.skipUnrecorded(name, from: version, step: choice.step(required), digest: sealed.digest, in: snapshot)
        }
        return VersionPlan(version: version, previous: previous, previousCommit: previousCommit, requiredBump: required)
    }

    /// The first version from `candidate` on (raising by `step`) that no unrecorded version ref of
    /// other content holds. An unrecorded ref is left by a publish that stopped before its state
    /// commit (here or on a remote): one of the same content made by this signer is finished by
    /// this publish, any other is skipped past, so it never blocks later publishes.
    private static func skipUnrecorded(
        _ name: String, from candidate: SemanticVersion, step: VersionBump, digest: Digest, in snapshot: StateSnapshot
    ) throws -> SemanticVersion {
        var version = candidate
        let reader = VersionReader(store: snapshot.store)
        for _ in 0..<maxStateAttempts {
            guard let orphan = try snapshot.store.target(of: Layout.versionRef(name, version)) else { return version }
            let record = VersionRecord(version: version, digest: digest, commit: orphan.hex, seq: 0, time: "", actor: "")
            if reader.publishRecord(record)?.digest == digest, try snapshot.store.madeByThisSigner(orphan) { return version }
            version = version.bumped(step)
        }
        return version
    }

    /// Refuses `version` when it is a smaller bump from `previous` than the changes require.
    private static func checkContract(
        _ name: String, _ version: SemanticVersion, previous: SemanticVersion, comparison: BundleComparison
    ) throws {
        let required = max(comparison.requiredBump, .patch)
        let actual = version.bump(from: previous)
        guard actual < required else { return }
        let reasons = comparison.changes.filter { $0.bump > actual }.map { "  \($0.field): \($0.kind) (needs \($0.bump))" }
        let suggestion = previous.bumped(required)
        throw PromptRegError(
            .invalidInput,
            "\(name)@\(version) is a \(actual) bump from \(previous), but the change needs a \(required) bump "
                + "(layers changed: \(comparison.changedLayers.map(\.rawValue).joined(separator: ", "))):\n"
                + reasons.joined(separator: "\n"),
            fix: "publish it as \(suggestion), or let promptreg choose the version",
            remedy: .chooseVersion(suggested: suggestion, bump: required), subject: .init(bundle: name, version: version.description))
    }

    /// Writes the version's objects and creates its ref (create-only): on `remote` first when the
    /// write goes through one, then locally. Finishes a publish of the same content that stopped
    /// between creating the ref and recording it; a ref another writer took is a `LostVersionRace`.
    private func writeVersion(
        _ sealed: SealedBundle, _ plan: VersionPlan, message: String, policy: BundlePolicy, actor: String, store: RegistryStore,
        remote: String?
    ) throws -> CommitID {
        let name = sealed.content.name
        let refName = Layout.versionRef(name, plan.version)
        if let existing = try store.target(of: refName) {
            let earlier = VersionReader(store: store).publishRecord(
                VersionRecord(version: plan.version, digest: sealed.digest, commit: existing.hex, seq: 0, time: "", actor: ""))
            // Only this signer's own interrupted publish is finished: a ref of the same content made
            // by another key (or planted unsigned) would record its metadata under this signature.
            guard earlier?.digest == sealed.digest, try store.madeByThisSigner(existing) else {
                throw LostVersionRace(version: plan.version, digest: earlier?.digest)
            }
            return existing
        }
        let time = Date()
        let record = PublishRecord(
            name: name, version: plan.version, digest: sealed.digest, actor: actor, time: Timestamp.string(time),
            message: message, allowFloatingModel: policy.allowFloatingModel, allowSecrets: policy.allowSecrets)
        var files: [String: [UInt8]?] = [:]
        for (kind, document) in sealed.layerDocuments { files[Layout.layerFile(kind)] = document }
        files[Layout.manifestFile] = sealed.manifestBytes
        files[Layout.publishFile] = CanonicalJSON.bytes(of: record)
        let commit = try store.writeCommit(
            files: files, base: nil, parents: plan.previousCommit.map { [$0] } ?? [], actor: actor, time: time,
            message: "publish \(name)@\(plan.version)\n\n\(message)\n\ndigest: \(sealed.digest)\nactor: \(actor)\n")
        if let remote {
            let update = RemoteUpdate(commit: commit, reference: refName, guarded: .absent)
            guard try store.push([update], to: remote) == .moved else { throw LostVersionRace(version: plan.version, digest: nil) }
            _ = try store.move(
                RegistryStore.trackingRef(refName, remote: remote), to: commit, guarded: .absent, logMessage: "promptreg publish")
        }
        // Create-only. A fresh lock on the ref is another writer creating it right now: wait for it
        // to finish, then this one finds the ref exists.
        for attempt in 0..<Self.maxStateAttempts {
            switch try store.move(refName, to: commit, guarded: .absent, logMessage: "promptreg publish \(name)@\(plan.version)") {
            case .moved: return commit
            case .lostRace: throw LostVersionRace(version: plan.version, digest: nil)
            case .locked:
                let age = GitLockFiles.age("\(store.path)/\(refName).lock") ?? 0
                if age >= GitLockFiles.staleAge { throw GitLockFiles.heldError(reference: refName, registry: store.path) }
                Self.backoff(attempt + 1)
            }
        }
        throw GitLockFiles.heldError(reference: refName, registry: store.path)
    }

    static func versionExists(_ name: String, _ version: SemanticVersion, digest: Digest?) -> PromptRegError {
        PromptRegError(
            .conflict, "\(name)@\(version) already exists\(digest.map { " (\($0))" } ?? ""); published versions never change",
            fix: "publish a new version, or let promptreg choose the version", remedy: .chooseVersion(suggested: nil, bump: nil),
            subject: .init(bundle: name, version: version.description))
    }
}

extension VersionChoice {
    /// How far to move past a version number that is taken: the bump asked for, else the bump
    /// the change requires (at least a patch).
    func step(_ required: VersionBump) -> VersionBump {
        if case .bump(let bump) = self { return bump }
        return max(required, .patch)
    }
}
