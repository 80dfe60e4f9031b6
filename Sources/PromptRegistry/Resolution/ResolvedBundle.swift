/// A bundle resolved for use, with every digest checked on the way.
public struct ResolvedBundle: Sendable {
    /// The verified bundle.
    public let bundle: StoredBundle
    /// The channel that answered, when resolved by channel.
    public let channel: String?
    /// The subject's canary bucket, when a subject was given and a canary share applied.
    public let bucket: Double?
    /// The state sequence number the answer was read at.
    public let stateSeq: Int64

    /// Bundle name.
    public var name: String { bundle.name }
    /// Version.
    public var version: SemanticVersion { bundle.version }
    /// Bundle digest; record it in traces.
    public var digest: Digest { bundle.digest }
    /// Digest of each layer.
    public var layerDigests: [LayerKind: Digest] { bundle.layerDigests }
    /// Provider and model id.
    public var model: ModelLayer { bundle.content.model }
    /// Sampling parameters and run limits.
    public var parameters: ParametersLayer { bundle.content.parameters }
    /// Tool definitions.
    public var tools: [ToolDefinition] { bundle.content.tools.tools }
    /// Output schema, if any.
    public var outputSchema: JSONValue? { bundle.content.output?.schema }
    /// The prompt messages (templates).
    public var messages: [MessageTemplate] { bundle.content.prompt.messages }

    /// The messages rendered with `variables`.
    public func render(_ variables: [String: JSONValue]) throws -> [RenderedMessage] {
        try bundle.content.render(variables)
    }
}
