import Foundation
import GitStore

/// A bundle as `list` shows it.
public struct BundleSummary: Sendable, Codable {
    /// Bundle name.
    public let name: String
    /// How many versions are published.
    public let versionCount: Int
    /// The highest version.
    public let latest: SemanticVersion
    /// Channel name to the version it runs.
    public let channels: [String: SemanticVersion]

    enum CodingKeys: String, CodingKey {
        case name
        case versionCount = "version_count"
        case latest, channels
    }
}

/// A version as `versions` shows it.
public struct VersionSummary: Sendable, Codable {
    /// The version.
    public let version: SemanticVersion
    /// Its bundle digest.
    public let digest: Digest
    /// When it was published.
    public let time: String
    /// Who published it.
    public let actor: String
    /// Why.
    public let message: String
    /// Channels that run it now.
    public let channels: [String]
}

/// What `verify` found.
public struct VerifyReport: Sendable, Encodable {
    /// One problem: where and what.
    public struct Problem: Sendable, Codable, Equatable {
        /// `NAME@VERSION`, or `state` for the state history.
        public let subject: String
        /// The layer, where the problem is in one.
        public let layer: String?
        /// What is wrong.
        public let message: String
    }
    /// Versions whose digests were recomputed.
    public let versionsChecked: Int
    /// State commits whose sequence was checked.
    public let stateCommitsChecked: Int
    /// Everything that is wrong; empty when the registry is sound.
    public let problems: [Problem]
    /// What is incomplete but harmless: a version ref whose publish was interrupted before the
    /// state recorded it (the version is absent; running the same publish again finishes it).
    public let warnings: [Problem]

    /// True when nothing is wrong.
    public var ok: Bool { problems.isEmpty }

    enum CodingKeys: String, CodingKey {
        case versionsChecked = "versions_checked"
        case stateCommitsChecked = "state_commits_checked"
        case problems, warnings, ok
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(versionsChecked, forKey: .versionsChecked)
        try container.encode(stateCommitsChecked, forKey: .stateCommitsChecked)
        try container.encode(problems, forKey: .problems)
        try container.encode(warnings, forKey: .warnings)
        try container.encode(ok, forKey: .ok)
    }
}

extension Registry {
    /// Every bundle with its highest version and where its channels point.
    public func list() throws -> [BundleSummary] {
        try withRepository { repository in
            let snapshot = try StateSnapshot.current(repository)
            let channels = try snapshot.channels()
            return try snapshot.bundleNames().compactMap { name in
                let versions = try snapshot.versions(of: name)
                guard let latest = versions.last else { return nil }
                var pointers: [String: SemanticVersion] = [:]
                for channel in channels {
                    pointers[channel] = try snapshot.pointer(channel, name)?.version
                }
                return BundleSummary(name: name, versionCount: versions.count, latest: latest, channels: pointers)
            }
        }
    }

    /// Every published version of `name`, ascending.
    public func versions(of name: String) throws -> [VersionSummary] {
        try Names.checkBundle(name)
        return try withRepository { repository in
            let snapshot = try StateSnapshot.current(repository)
            let versions = try snapshot.versions(of: name)
            guard !versions.isEmpty else { throw Self.bundleNotFound(name) }
            var channelsByVersion: [SemanticVersion: [String]] = [:]
            for channel in try snapshot.channels() {
                if let pointer = try snapshot.pointer(channel, name) { channelsByVersion[pointer.version, default: []].append(channel) }
            }
            return try versions.compactMap { version in
                guard let record = try snapshot.versionRecord(name, version) else { return nil }
                let message = try Self.publishRecord(record, repository: repository)?.message ?? ""
                return VersionSummary(
                    version: version, digest: record.digest, time: record.time, actor: record.actor, message: message,
                    channels: channelsByVersion[version] ?? [])
            }
        }
    }

    /// The publish record of a version, read without verifying the bundle.
    private static func publishRecord(_ record: VersionRecord, repository: GitRepository) throws -> PublishRecord? {
        guard let commit = ObjectID(hex: record.commit) else { return nil }
        let data = try storage { try repository.readFile(Layout.publishFile, inTree: try repository.readCommit(commit).tree) }
        return data.flatMap { try? JSONDecoder().decode(PublishRecord.self, from: $0) }
    }

    /// Recomputes every digest of every version and checks the state history. Never throws for
    /// damage it finds: it reports it.
    public func verify() throws -> VerifyReport {
        try withRepository { repository in
            var problems: [VerifyReport.Problem] = []
            let snapshot: StateSnapshot
            do {
                snapshot = try StateSnapshot.current(repository)
            } catch let error as PromptRegError {
                return VerifyReport(
                    versionsChecked: 0, stateCommitsChecked: 0, problems: [.init(subject: "state", layer: nil, message: error.message)],
                    warnings: [])
            }
            var checked = 0
            var recordedRefs = Set<String>()
            for name in try snapshot.bundleNames() {
                for version in try snapshot.versions(of: name) {
                    checked += 1
                    recordedRefs.insert(Layout.versionRef(name, version))
                    do {
                        guard let record = try snapshot.versionRecord(name, version) else { continue }
                        _ = try Self.loadVersion(name, record, repository: repository)
                    } catch let error as PromptRegError {
                        let layer = LayerKind.allCases.first { error.message.contains("layer \($0.rawValue):") }
                        problems.append(.init(subject: "\(name)@\(version)", layer: layer?.rawValue, message: error.message))
                    }
                }
            }
            var warnings: [VerifyReport.Problem] = []
            for (refName, _) in try Self.storage({ try repository.references(matching: Layout.allVersionRefs) })
            where !recordedRefs.contains(refName) {
                warnings.append(
                    .init(
                        subject: refName, layer: nil,
                        message:
                            "version ref is not recorded in the state (a publish was interrupted); run the same publish again to finish it")
                )
            }
            for channel in try snapshot.channels() {
                for (name, pointer) in try snapshot.pointers(channel) {
                    let record = try snapshot.versionRecord(name, pointer.version)
                    if record?.digest != pointer.digest {
                        problems.append(
                            .init(
                                subject: "\(name)@\(pointer.version)", layer: nil,
                                message:
                                    "channel \(channel) points at it with digest \(pointer.digest), but it was published as \(record.map { $0.digest.description } ?? "nothing")"
                            ))
                    }
                }
            }
            let (stateCommits, stateProblems) = try Self.checkStateHistory(from: snapshot, repository: repository)
            problems += stateProblems
            problems += try Self.checkStateReflog(repository)
            return VerifyReport(versionsChecked: checked, stateCommitsChecked: stateCommits, problems: problems, warnings: warnings)
        }
    }

    /// Every recorded move of the state ref went from a commit to its child: the history was only
    /// ever extended, never rewound or replaced.
    private static func checkStateReflog(_ repository: GitRepository) throws -> [VerifyReport.Problem] {
        let entries = (try? repository.reflog(Layout.stateRef)) ?? []
        var problems: [VerifyReport.Problem] = []
        for entry in entries {
            guard let old = entry.old else { continue }
            let parents = (try? repository.readCommit(entry.new).parents) ?? []
            if parents != [old] {
                problems.append(
                    .init(
                        subject: "state", layer: nil,
                        message:
                            "the state ref was moved from \(old.hex.prefix(12)) to \(entry.new.hex.prefix(12)), which is not its child: the history was rewritten or rewound"
                    ))
            }
        }
        return problems
    }

    /// Walks the state history from `head`: every commit has one parent but the first, and the
    /// sequence numbers fall by exactly one down to 0.
    private static func checkStateHistory(
        from head: StateSnapshot, repository: GitRepository
    ) throws -> (Int, [VerifyReport.Problem]) {
        var count = 0
        var current: ObjectID? = head.commit
        var expected: Int64?
        while let commitID = current {
            count += 1
            func problem(_ message: String) -> (Int, [VerifyReport.Problem]) {
                (count, [.init(subject: "state", layer: nil, message: "state commit \(commitID.hex.prefix(12)): \(message)")])
            }
            let commit: GitCommit
            let event: StateEvent
            do {
                commit = try repository.readCommit(commitID)
                event = try StateSnapshot(repository: repository, commit: commitID, tree: commit.tree).event()
            } catch let error as GitError {
                return problem("cannot be read (\(error.message))")
            } catch let error as PromptRegError {
                return problem(error.message)
            }
            if let expected, event.seq != expected {
                return problem("sequence \(event.seq) where \(expected) was expected: the history was rewritten or truncated")
            }
            if commit.parents.count > 1 { return problem("has \(commit.parents.count) parents; state history is linear") }
            if commit.parents.isEmpty, event.seq != 0 {
                return problem("has no parent but sequence \(event.seq): the history was truncated")
            }
            expected = event.seq - 1
            current = commit.parents.first
        }
        return (count, [])
    }
}
