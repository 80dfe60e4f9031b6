extension ResolvedBundle {
    /// Checks a tool call the model made before the agent runs it: the tool must be one this
    /// bundle defines, and `arguments` must satisfy its input schema.
    ///
    /// Throws `ToolCallRejection` listing every problem, phrased for the model to re-plan from
    /// (give it `rejection.description` as the tool result); throws `PromptRegError` only when
    /// the tool's own schema cannot be checked (published before promptreg checked schemas, with
    /// a keyword outside the supported subset: see `JSONSchema`). Each tool's schema is compiled
    /// once per process (cached by the tools layer's digest), so a check costs a few microseconds.
    public func validateToolCall(name: String, arguments: JSONValue) throws {
        guard let index = tools.firstIndex(where: { $0.name == name }) else {
            throw ToolCallRejection(bundle: self, tool: name, reason: .unknownTool(defined: tools.map(\.name)))
        }
        let schema = try compiled(tools[index].inputSchema, index: index, field: "tools[\(index)].input_schema", layer: .tools)
        let violations = schema.violations(of: arguments, wording: .arguments)
        guard violations.isEmpty else {
            throw ToolCallRejection(bundle: self, tool: name, reason: .invalidArguments(violations))
        }
    }

    /// Checks the model's final answer against the bundle's output schema; a bundle without one
    /// accepts any answer. Throws `OutputRejection` listing every problem, phrased for the model
    /// to correct its answer from.
    public func validateOutput(_ answer: JSONValue) throws {
        guard let outputSchema else { return }
        let schema = try compiled(outputSchema, index: 0, field: "schema", layer: .output)
        let violations = schema.violations(of: answer, wording: .answer)
        guard violations.isEmpty else {
            throw OutputRejection(bundle: name, version: version, violations: violations)
        }
    }

    /// The compiled schema `document`, found at `index` of `layer` (cached per layer digest).
    private func compiled(_ document: JSONValue, index: Int, field: String, layer: LayerKind) throws -> JSONSchema {
        guard let layerDigest = layerDigests[layer] else { return try compile(document, field: field, layer: layer) }
        return try CompiledSchemas.shared.schema(layer: layerDigest, index: index) {
            try compile(document, field: field, layer: layer)
        }
    }

    private func compile(_ document: JSONValue, field: String, layer: LayerKind) throws -> JSONSchema {
        do throws(JSONSchema.Invalid) {
            return try JSONSchema(document)
        } catch {
            let location = error.path.isEmpty ? field : "\(field).\(error.path)"
            throw PromptRegError(
                .invalidInput,
                "\(name)@\(version): \(location): \(error.problem); this schema cannot be checked",
                fix: "publish a new version whose schema passes publish's checks: \(error.fix)",
                subject: .init(bundle: name, version: version.description, layer: layer, field: location))
        }
    }
}

/// A tool call refused before it ran: the tool does not exist, or its arguments break the
/// tool's input schema. `description` is written for the model: give it back as the tool result
/// so it can correct the call.
public struct ToolCallRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why the call was refused.
    public enum Reason: Sendable, Equatable {
        /// The bundle defines no tool of that name; these are the ones it defines, in order.
        case unknownTool(defined: [String])
        /// The arguments break the input schema in these ways (never empty).
        case invalidArguments([SchemaViolation])
    }

    /// The bundle name.
    public let bundle: String
    /// The bundle version.
    public let version: SemanticVersion
    /// The tool the model called.
    public let tool: String
    /// Why it was refused.
    public let reason: Reason

    init(bundle: ResolvedBundle, tool: String, reason: Reason) {
        self.bundle = bundle.name
        self.version = bundle.version
        self.tool = tool
        self.reason = reason
    }

    /// Every problem, one per offending value; for an unknown tool, one at the empty path.
    public var violations: [SchemaViolation] {
        switch reason {
        case .invalidArguments(let violations): return violations
        case .unknownTool(let defined):
            let guess = tool.count <= 64 ? Names.closest(to: tool, among: defined).map { "; did you mean '\($0)'?" } : nil
            return [
                SchemaViolation(
                    path: "",
                    message: "there is no tool named '\(tool)'; the tools are: \(defined.joined(separator: ", "))\(guess ?? "")")
            ]
        }
    }

    /// For the model: what was wrong with the call, one problem per line.
    public var description: String {
        switch reason {
        case .unknownTool: violations.map(\.message).joined()
        case .invalidArguments(let violations):
            "the call to \(tool) was refused; correct these and call it again:\n"
                + violations.map { "- \($0.message)" }.joined(separator: "\n")
        }
    }

    /// The same as a library error (invalid input), for code that reports every failure one way:
    /// `subject.field` is the path of the first offending argument.
    public var error: PromptRegError {
        let subject = PromptRegError.Subject(
            bundle: bundle, version: version.description, layer: .tools, field: violations.first?.path.nonEmpty)
        switch reason {
        case .unknownTool(let defined):
            return PromptRegError(
                .invalidInput, "\(bundle)@\(version): \(violations.map(\.message).joined())",
                fix: "call one of the bundle's tools: \(defined.joined(separator: ", "))", subject: subject)
        case .invalidArguments(let violations):
            return PromptRegError(
                .invalidInput,
                "\(bundle)@\(version): tool \(tool): \(violations.map(\.message).joined(separator: "\n  "))",
                fix: "correct the arguments as each line says, then call the tool again", subject: subject)
        }
    }
}

/// A final answer refused by the bundle's output schema. `description` is written for the model:
/// give it back so it can correct the answer.
public struct OutputRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bundle name.
    public let bundle: String
    /// The bundle version.
    public let version: SemanticVersion
    /// Every problem, one per offending value (never empty).
    public let violations: [SchemaViolation]

    /// For the model: what was wrong with the answer, one problem per line.
    public var description: String {
        "the answer does not match the required format; correct these and answer again:\n"
            + violations.map { "- \($0.message)" }.joined(separator: "\n")
    }

    /// The same as a library error (invalid input): `subject.field` is the path of the first
    /// offending value.
    public var error: PromptRegError {
        PromptRegError(
            .invalidInput, "\(bundle)@\(version): \(violations.map(\.message).joined(separator: "\n  "))",
            fix: "correct the answer as each line says",
            subject: .init(bundle: bundle, version: version.description, layer: .output, field: violations.first?.path.nonEmpty))
    }
}

extension String {
    /// Nil for the empty string.
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
