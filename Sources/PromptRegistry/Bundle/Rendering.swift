/// A prompt message with its template rendered.
public struct RenderedMessage: Sendable, Codable, Equatable {
    /// `system`, `user` or `assistant`.
    public let role: String
    /// The rendered text.
    public let content: String
}

/// Chat API shapes promptreg can render a request body for.
public enum ProviderFormat: String, Sendable, CaseIterable {
    /// OpenAI Chat Completions.
    case openai
    /// Anthropic Messages.
    case anthropic
}

extension BundleContent {
    /// Renders every message with `variables`. A missing required variable, an undeclared one or a
    /// value of the wrong type is an error naming it.
    public func render(_ variables: [String: JSONValue]) throws -> [RenderedMessage] {
        let declared = Dictionary(prompt.variables.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        if let unknown = variables.keys.sorted().first(where: { declared[$0] == nil }) {
            throw PromptRegError(
                .invalidInput, "variable '\(unknown)' is not declared by \(name)",
                fix: "declared variables: \(prompt.variables.map(\.name).joined(separator: ", "))")
        }
        for spec in prompt.variables {
            guard let value = variables[spec.name], value != .null else {
                if spec.required {
                    throw PromptRegError(
                        .invalidInput, "required variable '\(spec.name)' (\(spec.type.rawValue)) is missing",
                        fix: "pass it in the variables, e.g. {\"\(spec.name)\": ...}")
                }
                continue
            }
            guard Self.matches(value, spec.type) else {
                throw PromptRegError(
                    .invalidInput, "variable '\(spec.name)' must be \(spec.type.rawValue), got \(value.canonicalString.prefix(60))",
                    fix: "pass a \(spec.type.rawValue) for '\(spec.name)'\(spec.description.map { " (\($0))" } ?? "")")
            }
        }
        return try prompt.messages.map { message in
            let template = try PromptTemplate(message.template, file: "\(name) \(message.role) template")
            return RenderedMessage(role: message.role, content: template.render(variables))
        }
    }

    /// The request body of `format`'s chat API for these messages: model, messages (the system
    /// prompt where the provider wants it), tools in the provider's shape, sampling parameters.
    public func requestBody(_ messages: [RenderedMessage], format: ProviderFormat) -> JSONValue {
        var body: [String: JSONValue] = ["model": .string(model.id)]
        var sampling: [String: JSONValue] = [:]
        if let temperature = parameters.temperature { sampling["temperature"] = .number(temperature) }
        if let topP = parameters.topP { sampling["top_p"] = .number(topP) }
        switch format {
        case .openai:
            body["messages"] = .array(messages.map { .object(["role": .string($0.role), "content": .string($0.content)]) })
            if !tools.tools.isEmpty {
                body["tools"] = .array(
                    tools.tools.map { tool in
                        .object([
                            "type": .string("function"),
                            "function": .object([
                                "name": .string(tool.name), "description": .string(tool.description), "parameters": tool.inputSchema,
                            ]),
                        ])
                    })
            }
            if let maxTokens = parameters.maxTokens { sampling["max_tokens"] = .integer(Int64(maxTokens)) }
            if let stop = parameters.stop { sampling["stop"] = .array(stop.map(JSONValue.string)) }
            if let seed = parameters.seed { sampling["seed"] = .integer(seed) }
            if let output {
                body["response_format"] = .object([
                    "type": .string("json_schema"),
                    "json_schema": .object([
                        "name": .string("output"), "schema": output.schema,
                    ]),
                ])
            }
        case .anthropic:
            let system = messages.filter { $0.role == "system" }.map(\.content)
            if !system.isEmpty { body["system"] = .string(system.joined(separator: "\n\n")) }
            body["messages"] = .array(
                messages.filter { $0.role != "system" }.map {
                    .object(["role": .string($0.role), "content": .string($0.content)])
                })
            if !tools.tools.isEmpty {
                body["tools"] = .array(
                    tools.tools.map { tool in
                        .object(["name": .string(tool.name), "description": .string(tool.description), "input_schema": tool.inputSchema])
                    })
            }
            // The Messages API requires max_tokens.
            sampling["max_tokens"] = .integer(Int64(parameters.maxTokens ?? 1024))
            if let stop = parameters.stop { sampling["stop_sequences"] = .array(stop.map(JSONValue.string)) }
        }
        return .object(body.merging(sampling) { a, _ in a })
    }

    private static func matches(_ value: JSONValue, _ kind: VariableSpec.Kind) -> Bool {
        switch (kind, value) {
        case (.string, .string), (.boolean, .bool), (.list, .array), (.object, .object), (.integer, .integer),
            (.number, .integer), (.number, .number):
            true
        default: false
        }
    }
}
