/// The fields every document about one published version starts with: name, version, bundle
/// digest and layer digests. Encoded into the same JSON object as the document's own fields.
struct VersionIdentity: Encodable {
    let name: String
    let version: SemanticVersion
    let digest: Digest
    let layerDigests: [LayerKind: Digest]

    enum CodingKeys: String, CodingKey {
        case name, version, digest
        case layerDigests = "layers"
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(version, forKey: .version)
        try container.encode(digest, forKey: .digest)
        try container.encode(Dictionary(uniqueKeysWithValues: layerDigests.map { ($0.key.rawValue, $0.value) }), forKey: .layerDigests)
    }
}
