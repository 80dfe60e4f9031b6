/// The whole execution context of an agent, versioned as one unit: prompt, model, parameters,
/// tools and (optionally) the output schema. Free of any storage concern.
public struct BundleContent: Sendable, Equatable {
    /// Bundle name (see `Names.bundleRule`).
    public var name: String
    /// One line for humans.
    public var description: String
    /// Messages and variables.
    public var prompt: PromptLayer
    /// Provider and exact model id.
    public var model: ModelLayer
    /// Sampling parameters and run limits.
    public var parameters: ParametersLayer
    /// Tool definitions.
    public var tools: ToolsLayer
    /// Output schema, if the bundle has one.
    public var output: OutputLayer?

    /// Creates a bundle from its layers.
    public init(
        name: String, description: String, prompt: PromptLayer, model: ModelLayer,
        parameters: ParametersLayer, tools: ToolsLayer, output: OutputLayer?
    ) {
        self.name = name
        self.description = description
        self.prompt = prompt
        self.model = model
        self.parameters = parameters
        self.tools = tools
        self.output = output
    }

    /// The canonical JSON bytes of each layer this bundle has.
    public var layerDocuments: [LayerKind: [UInt8]] {
        var documents: [LayerKind: [UInt8]] = [
            .prompt: CanonicalJSON.bytes(of: prompt),
            .model: CanonicalJSON.bytes(of: model),
            .parameters: CanonicalJSON.bytes(of: parameters),
            .tools: CanonicalJSON.bytes(of: tools),
        ]
        if let output { documents[.output] = CanonicalJSON.bytes(of: output) }
        return documents
    }

    /// Computes every digest of this bundle.
    public func sealed() -> SealedBundle {
        let documents = layerDocuments
        let digests = documents.mapValues { Digest(of: $0) }
        let manifest = Manifest(
            name: name, description: description,
            layers: Dictionary(uniqueKeysWithValues: digests.map { ($0.key.rawValue, $0.value) }))
        return SealedBundle(content: self, layerDocuments: documents, manifest: manifest)
    }
}

/// The manifest: what the bundle digest is computed over.
public struct Manifest: Codable, Sendable, Equatable {
    /// Format tag of this document.
    public var format: String = Manifest.currentFormat
    /// Bundle name.
    public var name: String
    /// Bundle description.
    public var description: String
    /// Layer name to layer digest.
    public var layers: [String: Digest]

    /// The format tag this version of promptreg writes.
    public static let currentFormat = "promptreg.manifest/v1"

    /// Layer digests keyed by kind (unknown layer names are ignored).
    public var layerDigests: [LayerKind: Digest] {
        Dictionary(uniqueKeysWithValues: layers.compactMap { key, value in LayerKind(rawValue: key).map { ($0, value) } })
    }
}

/// A bundle with its canonical documents and digests computed.
public struct SealedBundle: Sendable {
    /// The content.
    public let content: BundleContent
    /// Canonical bytes of each layer.
    public let layerDocuments: [LayerKind: [UInt8]]
    /// The manifest.
    public let manifest: Manifest

    /// Canonical bytes of the manifest.
    public var manifestBytes: [UInt8] { CanonicalJSON.bytes(of: manifest) }
    /// The bundle digest: SHA-256 of the canonical manifest.
    public var digest: Digest { Digest(of: manifestBytes) }
    /// Digest of each layer.
    public var layerDigests: [LayerKind: Digest] { manifest.layerDigests }
}
