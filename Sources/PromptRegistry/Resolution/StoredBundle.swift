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
