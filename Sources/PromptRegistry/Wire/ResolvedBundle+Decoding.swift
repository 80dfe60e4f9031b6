import Foundation

extension ResolvedBundle {
    /// Reads an answer another process printed (`resolve --json`, or `promptreg serve`'s
    /// resolve endpoint) and verifies it: the layer and bundle digests are computed again from
    /// the content and must equal the ones it claims. What was sent cannot be altered without
    /// changing the digest; which digest is the right one is the sender's word.
    public init(verifyingJSON data: Data) throws {
        let wire: WireAnswer
        do {
            wire = try JSONDecoder().decode(WireAnswer.self, from: data)
        } catch {
            throw PromptRegError(.integrity, "the answer is not a resolved bundle: \(error)", fix: "check that the source is a promptreg server of this version")
        }
        let content = BundleContent(
            name: wire.name, description: wire.description, prompt: wire.prompt, model: wire.model,
            parameters: wire.parameters, tools: ToolsLayer(tools: wire.tools), output: wire.output.map(OutputLayer.init(schema:)))
        let sealed = content.sealed()
        let claimed = Dictionary(uniqueKeysWithValues: wire.layers.compactMap { key, value in LayerKind(rawValue: key).map { ($0, value) } })
        guard sealed.digest == wire.digest, sealed.layerDigests == claimed else {
            let layer = LayerKind.allCases.first { sealed.layerDigests[$0] != claimed[$0] }
            throw PromptRegError(
                .integrity,
                "\(wire.name)@\(wire.version) claims digest \(wire.digest), but its content hashes to \(sealed.digest)\(layer.map { " (the \($0.rawValue) layer differs)" } ?? "")",
                fix: "do not use it; the answer was altered on its way or by the source",
                subject: .init(bundle: wire.name, version: wire.version.description, layer: layer))
        }
        let publish = PublishRecord(
            name: wire.name, version: wire.version, digest: wire.digest, actor: wire.actor, time: wire.time, message: wire.message,
            allowFloatingModel: wire.allowFloatingModel, allowSecrets: wire.allowSecrets)
        self.init(
            bundle: StoredBundle(
                version: wire.version, digest: wire.digest, content: content, layerDigests: sealed.layerDigests,
                layerDocuments: sealed.layerDocuments, publish: publish),
            channel: wire.channel, bucket: wire.bucket, stateSeq: wire.stateSeq)
    }
}

/// The JSON `ResolvedBundle` encodes to, read back.
private struct WireAnswer: Decodable {
    let name: String
    let version: SemanticVersion
    let digest: Digest
    let layers: [String: Digest]
    let actor: String
    let time: String
    let message: String
    let description: String
    let allowFloatingModel: Bool
    let allowSecrets: Bool
    let prompt: PromptLayer
    let model: ModelLayer
    let parameters: ParametersLayer
    let tools: [ToolDefinition]
    let output: JSONValue?
    let channel: String?
    let bucket: Double?
    let stateSeq: Int64

    enum CodingKeys: String, CodingKey {
        case name, version, digest, layers, actor, time, message, description, prompt, model, parameters, tools, output, channel, bucket
        case allowFloatingModel = "allow_floating_model"
        case allowSecrets = "allow_secrets"
        case stateSeq = "state_seq"
    }
}
