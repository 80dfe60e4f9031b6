import Foundation

/// Reads a published version back from the registry and checks every digest: the version ref
/// against the recorded commit, the manifest against the recorded bundle digest, and each layer
/// against the manifest. Any mismatch is an integrity error naming the version and the layer.
struct VersionReader {
    let store: RegistryStore

    /// `name@version` as recorded by `record`, verified.
    func verifiedBundle(_ name: String, _ record: VersionRecord) throws -> StoredBundle {
        let label = VersionLabel(name: name, version: record.version)
        let tree = try commitTree(label, record)
        let manifestData = try read(Layout.manifestFile, in: tree, label)
        let manifestDigest = Digest(of: manifestData)
        guard manifestDigest == record.digest else {
            throw label.integrity("manifest digest \(manifestDigest) differs from the recorded \(record.digest)")
        }
        let manifest = try Manifest.read(from: manifestData, location: "\(label) manifest.json")
        let documents = try layerDocuments(manifest, in: tree, label)
        let content = try decodeContent(manifest, documents, label)
        guard content.name == name else { throw label.integrity("its manifest names bundle '\(Names.printable(content.name))'") }
        let publish = try PublishRecord.read(from: try read(Layout.publishFile, in: tree, label), location: "\(label) publish.json")
        guard publish.digest == record.digest, publish.version == record.version else {
            throw label.integrity("publish.json names \(publish.version) \(publish.digest)")
        }
        return StoredBundle(
            version: record.version, digest: record.digest, content: content, layerDigests: manifest.layerDigests,
            layerDocuments: documents, publish: publish)
    }

    /// The publish record of a version, read without verifying the bundle; nil when unreadable.
    func publishRecord(_ record: VersionRecord) -> PublishRecord? {
        guard let commit = CommitID(hex: record.commit), let tree = try? store.commit(commit).tree,
            let data = try? store.file(Layout.publishFile, in: tree)
        else { return nil }
        return try? PublishRecord.read(from: data, location: Layout.publishFile)
    }

    /// The tree of the version commit, after checking that the version ref still points at the
    /// commit the state recorded.
    private func commitTree(_ label: VersionLabel, _ record: VersionRecord) throws -> TreeID {
        let refName = Layout.versionRef(label.name, label.version)
        guard let commitID = CommitID(hex: record.commit) else {
            throw label.integrity("the state records commit '\(Names.printable(String(record.commit.prefix(80))))', which is not a commit id")
        }
        guard let refTarget = try store.target(of: refName) else { throw label.integrity("its version ref \(refName) is missing") }
        guard refTarget == commitID else {
            throw label.integrity("its version ref was moved from \(commitID.short) to \(refTarget.short)")
        }
        do {
            return try store.commit(commitID).tree
        } catch let error as PromptRegError {
            throw label.integrity("its commit cannot be read (\(error.message))")
        }
    }

    /// The bytes of `file` in the version's tree; missing or unreadable is an integrity error.
    private func read(_ file: String, in tree: TreeID, _ label: VersionLabel, layer: LayerKind? = nil) throws -> Data {
        let data: Data?
        do {
            data = try store.file(file, in: tree)
        } catch let error as PromptRegError {
            throw label.integrity("\(file) cannot be read (\(error.message))", layer: layer)
        }
        guard let data else { throw label.integrity("\(file) is missing", layer: layer) }
        return data
    }

    /// Every layer document the manifest names, each checked against its digest.
    private func layerDocuments(_ manifest: Manifest, in tree: TreeID, _ label: VersionLabel) throws -> [LayerKind: [UInt8]] {
        var documents: [LayerKind: [UInt8]] = [:]
        for (kind, expected) in manifest.layerDigests {
            let data = try read(Layout.layerFile(kind), in: tree, label, layer: kind)
            let actual = Digest(of: data)
            guard actual == expected else {
                throw label.integrity("digest \(actual) differs from the manifest's \(expected)", layer: kind)
            }
            documents[kind] = Array(data)
        }
        return documents
    }

    /// The bundle content decoded from verified layer documents.
    private func decodeContent(_ manifest: Manifest, _ documents: [LayerKind: [UInt8]], _ label: VersionLabel) throws -> BundleContent {
        func layer<T: StoredDocument>(_ type: T.Type, _ kind: LayerKind) throws -> T {
            guard let bytes = documents[kind] else { throw label.integrity("missing from the manifest", layer: kind) }
            do {
                return try T.read(from: Data(bytes), location: "\(label) \(kind.rawValue).json")
            } catch let error as PromptRegError {
                throw error.about(label.subject(layer: kind))
            }
        }
        return BundleContent(
            name: manifest.name, description: manifest.description,
            prompt: try layer(PromptLayer.self, .prompt), model: try layer(ModelLayer.self, .model),
            parameters: try layer(ParametersLayer.self, .parameters), tools: try layer(ToolsLayer.self, .tools),
            output: documents[.output] == nil ? nil : try layer(OutputLayer.self, .output))
    }
}

/// `NAME@VERSION` of a version being read, and the integrity errors about it.
private struct VersionLabel: CustomStringConvertible {
    let name: String
    let version: SemanticVersion

    var description: String { "\(name)@\(version)" }

    func subject(layer: LayerKind? = nil) -> PromptRegError.Subject {
        PromptRegError.Subject(bundle: name, version: version.description, layer: layer)
    }

    func integrity(_ problem: String, layer: LayerKind? = nil) -> PromptRegError {
        PromptRegError(
            .integrity, "\(self): \(layer.map { "layer \($0.rawValue): " } ?? "")\(problem)",
            fix: "do not use this version; restore the registry from a clone or backup", remedy: .verify,
            subject: subject(layer: layer))
    }
}
