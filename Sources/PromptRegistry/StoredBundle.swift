import Foundation
import GitStore

/// How a command names a bundle: its highest version, an exact version, or a digest.
public enum BundleReference: Sendable, Hashable, CustomStringConvertible {
    /// `NAME`: the highest published version.
    case latest(String)
    /// `NAME@X.Y.Z`.
    case version(String, SemanticVersion)
    /// `NAME@sha256:HEX`.
    case digest(String, Digest)

    /// Parses `NAME`, `NAME@VERSION` or `NAME@sha256:HEX`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let name = parts[0]
        try Names.checkBundle(name)
        guard parts.count == 2 else {
            self = .latest(name)
            return
        }
        if parts[1].hasPrefix("sha256:") {
            guard let digest = Digest(parsing: parts[1]) else {
                throw PromptRegError(
                    .invalidInput, "'\(Names.printable(parts[1]))' is not a digest",
                    fix: "write sha256: followed by 64 lowercase hex digits, as 'promptreg show' prints it")
            }
            self = .digest(name, digest)
        } else {
            self = .version(name, try SemanticVersion(parsing: parts[1]))
        }
    }

    /// The bundle name.
    public var name: String {
        switch self {
        case .latest(let name), .version(let name, _), .digest(let name, _): name
        }
    }

    public var description: String {
        switch self {
        case .latest(let name): name
        case .version(let name, let version): "\(name)@\(version)"
        case .digest(let name, let digest): "\(name)@\(digest)"
        }
    }
}

/// A published version read back from the registry, with every digest checked.
public struct StoredBundle: Sendable {
    /// The version.
    public let version: SemanticVersion
    /// The bundle digest (checked against the manifest and the state's record).
    public let digest: Digest
    /// The content, decoded from the verified layer documents.
    public let content: BundleContent
    /// Digest of each layer.
    public let layerDigests: [LayerKind: Digest]
    /// Canonical bytes of each layer, as stored.
    public let layerDocuments: [LayerKind: [UInt8]]
    /// Who published it, when and why.
    public let publish: PublishRecord

    /// The bundle name.
    public var name: String { content.name }
}

extension Registry {
    /// Reads `name@version` (recorded as `record`) from its version ref and checks every digest:
    /// each layer against the manifest, the manifest against the recorded digest, and the version
    /// ref against the recorded commit. Any mismatch is an integrity error naming version and layer.
    static func loadVersion(
        _ name: String, _ record: VersionRecord, repository: GitRepository
    ) throws -> StoredBundle {
        let label = "\(name)@\(record.version)"
        func integrity(_ problem: String) -> PromptRegError {
            PromptRegError(
                .integrity, "\(label): \(problem)",
                fix: "do not use this version; run 'promptreg verify' and restore the registry from a clone or backup")
        }
        let refTarget = try storage { try repository.referenceTarget(Layout.versionRef(name, record.version)) }
        guard let refTarget else { throw integrity("its version ref \(Layout.versionRef(name, record.version)) is missing") }
        guard refTarget.hex == record.commit else {
            throw integrity("its version ref was moved from \(record.commit.prefix(12)) to \(refTarget.hex.prefix(12))")
        }
        guard let commitID = ObjectID(hex: record.commit) else { throw integrity("recorded commit id is malformed") }
        let tree: ObjectID
        do {
            tree = try repository.readCommit(commitID).tree
        } catch let error as GitError {
            throw integrity("its commit cannot be read (\(error.message))")
        }
        func read(_ file: String, layer: LayerKind? = nil) throws -> Data? {
            do {
                return try repository.readFile(file, inTree: tree)
            } catch let error as GitError {
                throw integrity("\(layer.map { "layer \($0.rawValue): " } ?? "")\(file) cannot be read (\(error.message))")
            }
        }
        guard let manifestData = try read(Layout.manifestFile) else { throw integrity("manifest.json is missing") }
        let manifestDigest = Digest(of: manifestData)
        guard manifestDigest == record.digest else {
            throw integrity("manifest digest \(manifestDigest) differs from the recorded \(record.digest)")
        }
        let manifest = try CanonicalJSON.decode(Manifest.self, from: manifestData, file: "\(label) manifest.json", code: .integrity)
        var documents: [LayerKind: [UInt8]] = [:]
        for (kind, expected) in manifest.layerDigests {
            guard let data = try read(Layout.layerFile(kind), layer: kind) else { throw integrity("layer \(kind.rawValue): missing") }
            let actual = Digest(of: data)
            guard actual == expected else {
                throw integrity("layer \(kind.rawValue): digest \(actual) differs from the manifest's \(expected)")
            }
            documents[kind] = Array(data)
        }
        func layer<T: Decodable>(_ type: T.Type, _ kind: LayerKind) throws -> T {
            guard let bytes = documents[kind] else { throw integrity("layer \(kind.rawValue): missing from the manifest") }
            return try CanonicalJSON.decode(type, from: Data(bytes), file: "\(label) \(kind.rawValue).json", code: .integrity)
        }
        let content = BundleContent(
            name: manifest.name, description: manifest.description,
            prompt: try layer(PromptLayer.self, .prompt), model: try layer(ModelLayer.self, .model),
            parameters: try layer(ParametersLayer.self, .parameters), tools: try layer(ToolsLayer.self, .tools),
            output: documents[.output] == nil ? nil : try layer(OutputLayer.self, .output))
        guard content.name == name else { throw integrity("its manifest names bundle '\(content.name)'") }
        guard let publishData = try read(Layout.publishFile) else { throw integrity("publish.json is missing") }
        let publish = try CanonicalJSON.decode(PublishRecord.self, from: publishData, file: "\(label) publish.json", code: .integrity)
        guard publish.digest == record.digest, publish.version == record.version else {
            throw integrity("publish.json names \(publish.version) \(publish.digest)")
        }
        return StoredBundle(
            version: record.version, digest: record.digest, content: content, layerDigests: manifest.layerDigests,
            layerDocuments: documents, publish: publish)
    }

    /// Finds which version `reference` means in `snapshot`, with its record.
    static func findVersion(_ reference: BundleReference, in snapshot: StateSnapshot) throws -> VersionRecord {
        let name = reference.name
        try Names.checkBundle(name)
        let version: SemanticVersion
        switch reference {
        case .latest:
            guard let highest = try snapshot.versions(of: name).last else { throw bundleNotFound(name) }
            version = highest
        case .version(_, let requested):
            version = requested
        case .digest(_, let digest):
            guard let found = try snapshot.version(of: name, digest: digest) else {
                if try snapshot.versions(of: name).isEmpty { throw bundleNotFound(name) }
                throw PromptRegError(
                    .notFound, "no version of \(name) has digest \(digest)",
                    fix: "list digests with 'promptreg versions \(name)'")
            }
            version = found
        }
        guard let record = try snapshot.versionRecord(name, version) else {
            if try snapshot.versions(of: name).isEmpty { throw bundleNotFound(name) }
            throw PromptRegError(
                .notFound, "\(name)@\(version) is not published",
                fix: "see the published versions with 'promptreg versions \(name)'")
        }
        return record
    }

    static func bundleNotFound(_ name: String) -> PromptRegError {
        PromptRegError(.notFound, "no bundle named '\(name)' in this registry", fix: "see the bundles with 'promptreg list'")
    }

    /// Reads and verifies the version `reference` names.
    public func show(_ reference: BundleReference) throws -> StoredBundle {
        try withRepository { repository in
            let snapshot = try StateSnapshot.current(repository)
            let record = try Self.findVersion(reference, in: snapshot)
            return try Self.loadVersion(reference.name, record, repository: repository)
        }
    }

    /// Compares two published versions.
    public func diff(_ a: BundleReference, _ b: BundleReference) throws -> (StoredBundle, StoredBundle, BundleComparison) {
        let old = try show(a)
        let new = try show(b)
        return (old, new, BundleComparison(from: old.content, to: new.content))
    }
}

extension StoredBundle: Encodable {
    enum CodingKeys: String, CodingKey {
        case name, version, digest, layers, actor, time, message, description, model, parameters, tools, output
        case prompt
        case allowFloatingModel = "allow_floating_model"
        case allowSecrets = "allow_secrets"
    }

    /// Everything a reader needs: identity, digests, who/when/why, and every layer.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(version, forKey: .version)
        try container.encode(digest, forKey: .digest)
        try container.encode(Dictionary(uniqueKeysWithValues: layerDigests.map { ($0.key.rawValue, $0.value) }), forKey: .layers)
        try container.encode(publish.actor, forKey: .actor)
        try container.encode(publish.time, forKey: .time)
        try container.encode(publish.message, forKey: .message)
        try container.encode(content.description, forKey: .description)
        try container.encode(publish.allowFloatingModel, forKey: .allowFloatingModel)
        try container.encode(publish.allowSecrets, forKey: .allowSecrets)
        try container.encode(content.prompt, forKey: .prompt)
        try container.encode(content.model, forKey: .model)
        try container.encode(content.parameters, forKey: .parameters)
        try container.encode(content.tools.tools, forKey: .tools)
        try container.encodeIfPresent(content.output?.schema, forKey: .output)
    }
}
