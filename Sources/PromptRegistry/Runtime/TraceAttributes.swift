/// A trace attribute value, typed as OpenTelemetry attribute values are.
public enum TraceValue: Sendable, Equatable, CustomStringConvertible {
    /// Text.
    case string(String)
    /// A whole number.
    case int(Int64)
    /// A floating-point number.
    case double(Double)
    /// A flag.
    case bool(Bool)
    /// A list of texts (an OpenTelemetry `string[]` attribute).
    case strings([String])

    public var description: String {
        switch self {
        case .string(let text): text
        case .int(let value): String(value)
        case .double(let value): String(value)
        case .bool(let value): String(value)
        case .strings(let texts): texts.description
        }
    }
}

extension ResolvedBundle {
    /// Attributes that tie a trace span to exactly this bundle. Set them on the agent's span (and
    /// on each model-call span) so every trace says which prompt, model and parameters ran.
    ///
    /// OpenTelemetry GenAI semantic conventions (development status; the current names, in which
    /// `gen_ai.provider.name` replaced `gen_ai.system`):
    /// - `gen_ai.provider.name`: the model layer's provider as written in the bundle (`openai`,
    ///   `anthropic`; the conventions' well-known values are spelled the same way for these).
    /// - `gen_ai.request.model`: the pinned model id.
    /// - `gen_ai.agent.name`, `gen_ai.agent.version`: the bundle name and its version.
    /// - `gen_ai.request.temperature`, `gen_ai.request.top_p` (double), `gen_ai.request.max_tokens`,
    ///   `gen_ai.request.seed` (int), `gen_ai.request.stop_sequences` (`string[]`): each only
    ///   when the bundle sets it.
    ///
    /// promptreg's own (`promptreg.*`):
    /// - `promptreg.bundle.digest`: the bundle digest (`sha256:...`), what pins the whole bundle.
    /// - `promptreg.<layer>.digest` for each layer the bundle has: `prompt`, `model`,
    ///   `parameters`, `tools` and, when there is an output schema, `output`.
    /// - `promptreg.channel`: the channel that answered, when resolved by channel.
    /// - `promptreg.canary` (bool): true when the canary channel answered.
    public var traceAttributes: [String: TraceValue] {
        var attributes: [String: TraceValue] = [
            "gen_ai.provider.name": .string(model.provider),
            "gen_ai.request.model": .string(model.id),
            "gen_ai.agent.name": .string(name),
            "gen_ai.agent.version": .string(version.description),
            "promptreg.bundle.digest": .string(digest.description),
            "promptreg.canary": .bool(channel == canaryChannel),
        ]
        for (layer, layerDigest) in layerDigests {
            attributes["promptreg.\(layer.rawValue).digest"] = .string(layerDigest.description)
        }
        attributes["promptreg.channel"] = channel.map(TraceValue.string)
        attributes["gen_ai.request.temperature"] = parameters.temperature.map(TraceValue.double)
        attributes["gen_ai.request.top_p"] = parameters.topP.map(TraceValue.double)
        attributes["gen_ai.request.max_tokens"] = parameters.maxTokens.map { .int(Int64($0)) }
        attributes["gen_ai.request.seed"] = parameters.seed.map(TraceValue.int)
        attributes["gen_ai.request.stop_sequences"] = parameters.stop.map(TraceValue.strings)
        return attributes
    }
}
