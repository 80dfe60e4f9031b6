/// The layers of a bundle. Each is stored as its own canonical JSON document and has its own digest;
/// the bundle digest covers the manifest of layer digests.
public enum LayerKind: String, Sendable, CaseIterable, Codable, Comparable {
    case prompt, model, parameters, tools, output

    public static func < (lhs: LayerKind, rhs: LayerKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A declared input variable of the prompt templates.
public struct VariableSpec: Codable, Sendable, Equatable {
    /// The kinds of value a variable takes.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case string, number, integer, boolean, list, object
    }
    /// Name used in templates, e.g. `customer_name`.
    public var name: String
    /// Value kind.
    public var type: Kind
    /// Whether rendering fails without it.
    public var required: Bool
    /// What it is for.
    public var description: String?
}

/// One prompt message: a role and its Mustache template text (verbatim).
public struct MessageTemplate: Codable, Sendable, Equatable {
    /// `system`, `user` or `assistant`.
    public var role: String
    /// The template text, exactly as in the bundle's file.
    public var template: String
}

/// The prompt layer: messages and the variables they may use.
public struct PromptLayer: Codable, Sendable, Equatable {
    /// Messages in order.
    public var messages: [MessageTemplate]
    /// Declared input variables, in declared order.
    public var variables: [VariableSpec]
}

/// The model layer: who serves it and the exact model id.
public struct ModelLayer: Codable, Sendable, Equatable {
    /// e.g. `anthropic`, `openai`.
    public var provider: String
    /// An exact, pinned id, e.g. `claude-sonnet-4-5-20250929`.
    public var id: String
}

/// Run limits an agent enforces around the model calls.
public struct RunLimits: Codable, Sendable, Equatable {
    /// Most agent steps (model turns) in one run.
    public var maxSteps: Int?
    /// Most tool calls in one run.
    public var maxToolCalls: Int?
    /// Most tokens, input and output, in one run.
    public var maxTokensPerRun: Int?

    enum CodingKeys: String, CodingKey {
        case maxSteps = "max_steps"
        case maxToolCalls = "max_tool_calls"
        case maxTokensPerRun = "max_tokens_per_run"
    }
}

/// The parameters layer: sampling parameters and run limits.
public struct ParametersLayer: Codable, Sendable, Equatable {
    /// Sampling temperature.
    public var temperature: Double?
    /// Nucleus sampling mass.
    public var topP: Double?
    /// Most output tokens of one model call.
    public var maxTokens: Int?
    /// Stop sequences.
    public var stop: [String]?
    /// Sampling seed, where the provider supports one.
    public var seed: Int64?
    /// Run limits.
    public var limits: RunLimits?

    enum CodingKeys: String, CodingKey {
        case temperature
        case topP = "top_p"
        case maxTokens = "max_tokens"
        case stop, seed, limits
    }
}

/// A tool the model may call: a JSON Schema for its input.
public struct ToolDefinition: Codable, Sendable, Equatable {
    /// Unique within the bundle; `^[a-zA-Z0-9_-]{1,64}$`.
    public var name: String
    /// What the tool does, for the model.
    public var description: String
    /// JSON Schema (an object schema) of the tool's input.
    public var inputSchema: JSONValue

    enum CodingKeys: String, CodingKey {
        case name, description
        case inputSchema = "input_schema"
    }
}

/// The tools layer.
public struct ToolsLayer: Codable, Sendable, Equatable {
    /// Tools in declared order.
    public var tools: [ToolDefinition]
}

/// The optional output layer: a JSON Schema the model's final answer must satisfy.
public struct OutputLayer: Codable, Sendable, Equatable {
    /// The schema.
    public var schema: JSONValue
}
