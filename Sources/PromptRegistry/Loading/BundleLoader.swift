import Foundation
import Yams

/// Limits on what a bundle directory may hold. Every limit is checked before anything is written.
public struct BundleLimits: Sendable {
    /// Largest single file (bundle.yaml, a template, a tool or output schema).
    public var maxFileBytes = 1 << 20
    /// Largest total of all files of a bundle.
    public var maxTotalBytes = 4 << 20
    /// Most prompt messages.
    public var maxMessages = 64
    /// Most tools.
    public var maxTools = 128
    /// Most declared variables.
    public var maxVariables = 128
    /// Deepest nesting of a JSON document (tool input schema, output schema).
    public var maxJSONDepth = 32
    /// Deepest nesting of bundle.yaml (flow brackets; indentation up to twice this many columns).
    public var maxYAMLDepth = 32

    /// The defaults documented in the README.
    public init() {}
}

/// What a publisher allows that is refused by default.
public struct BundlePolicy: Sendable {
    /// Accept a model id that is not pinned (see `ContentPolicy.pinnedModelRule`).
    public var allowFloatingModel = false
    /// Accept templates that look like they contain secrets.
    public var allowSecrets = false

    /// Creates a policy; everything is refused by default.
    public init(allowFloatingModel: Bool = false, allowSecrets: Bool = false) {
        self.allowFloatingModel = allowFloatingModel
        self.allowSecrets = allowSecrets
    }
}

/// Reads a bundle directory (`bundle.yaml` and the files it names), validates all of it and returns
/// its content. Reads only; never writes.
public struct BundleLoader: Sendable {
    /// Limits applied while loading.
    public var limits = BundleLimits()

    /// Creates a loader with the default limits.
    public init() {}

    /// Loads and validates the bundle in `directory`.
    public func load(directory: String, policy: BundlePolicy = BundlePolicy()) throws -> BundleContent {
        let manifestFile = "bundle.yaml"
        try Self.checkIsDirectory(directory, manifestFile: manifestFile)
        var files = BundleFiles(directory: directory, limits: limits)
        let yaml = try files.text(manifestFile, referencedBy: nil)
        try Self.checkNoTabIndentation(yaml, file: files.display(manifestFile))
        try checkNesting(yaml, file: files.display(manifestFile))
        let parser: Parser
        let rootNode: Yams.Node?
        do {
            parser = try Parser(yaml: yaml)
            rootNode = try parser.singleRoot()
        } catch let error as YamlError {
            throw PromptRegError.invalid(
                file: files.display(manifestFile), line: Self.line(of: error), "malformed YAML: \(Self.problem(of: error))",
                fix: "fix the YAML syntax at that line (indentation, a missing ':' or an unclosed quote)")
        }
        guard let rootNode else {
            throw PromptRegError.invalid(file: files.display(manifestFile), "the file is empty", fix: "see README \"Bundle format\"")
        }
        // Yams keeps anchors weakly; the parser must outlive the walk for alias detection.
        return try withExtendedLifetime(parser) {
            let root = YAMLField(node: rootNode, file: files.display(manifestFile), path: "")
            try root.checkNoAnchors()
            return try read(root, files: &files, policy: policy)
        }
    }

    private func read(_ root: YAMLField, files: inout BundleFiles, policy: BundlePolicy) throws -> BundleContent {
        let top = try root.mapping(
            required: ["name", "description", "model", "messages", "parameters", "tools"],
            optional: ["variables", "output"])
        let name = try top.required("name").string()
        try Names.checkBundle(name, file: root.file, field: "name")
        let description = try top.required("description").string()
        let model = try readModel(try top.required("model"), policy: policy)
        let variables = try readVariables(top["variables"])
        let messages = try readMessages(try top.required("messages"), variables: variables, files: &files, policy: policy)
        try Self.checkRequiredVariablesUsed(top["variables"], variables: variables, messages: messages)
        let parameters = try readParameters(try top.required("parameters"))
        let tools = try readTools(try top.required("tools"), files: &files)
        let output = try top["output"].map { field in
            let path = try field.string()
            let schema = try readJSONObject(path: path, referencedBy: field, files: &files)
            try ToolValidator(file: files.display(path)).checkSchema(schema, field: "")
            return OutputLayer(schema: schema)
        }
        return BundleContent(
            name: name, description: description, prompt: PromptLayer(messages: messages, variables: variables),
            model: model, parameters: parameters, tools: ToolsLayer(tools: tools), output: output)
    }

    private func readModel(_ field: YAMLField, policy: BundlePolicy) throws -> ModelLayer {
        let members = try field.mapping(required: ["provider", "id"])
        let provider = try members.required("provider").string()
        let idField = try members.required("id")
        let id = try idField.string()
        if !policy.allowFloatingModel, let reason = ContentPolicy.floatingReason(modelID: id) {
            throw idField.fail(
                "'\(Names.printable(id))' is a floating model id: \(reason)",
                fix: "pin an exact, dated model id (e.g. claude-sonnet-4-5-20250929, gpt-4o-2024-08-06), "
                    + "or allow a floating model for this publish (recorded with the version)",
                remedy: .allowFloatingModel)
        }
        return ModelLayer(provider: provider, id: id)
    }

    private func readVariables(_ field: YAMLField?) throws -> [VariableSpec] {
        guard let field else { return [] }
        var seen = Set<String>()
        return try field.sequence(limit: limits.maxVariables).map { item in
            let members = try item.mapping(required: ["name", "type"], optional: ["required", "description"])
            let nameField = try members.required("name")
            let name = try nameField.string()
            guard name.wholeMatch(of: /[A-Za-z_][A-Za-z0-9_]{0,63}/) != nil else {
                throw nameField.fail(
                    "'\(Names.printable(name))' is not a valid variable name",
                    fix: "use letters, digits and '_', starting with a letter or '_'")
            }
            guard seen.insert(name).inserted else { throw nameField.fail("variable '\(name)' is declared twice") }
            let typeField = try members.required("type")
            guard let kind = VariableSpec.Kind(rawValue: try typeField.string()) else {
                throw typeField.fail(
                    "unknown variable type",
                    fix: "use one of: \(VariableSpec.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return VariableSpec(
                name: name, type: kind, required: try members["required"]?.boolean() ?? true,
                description: try members["description"]?.string())
        }
    }

    private func readMessages(
        _ field: YAMLField, variables: [VariableSpec], files: inout BundleFiles, policy: BundlePolicy
    ) throws -> [MessageTemplate] {
        let items = try field.sequence(limit: limits.maxMessages)
        guard !items.isEmpty else { throw field.fail("needs at least one message") }
        let declared = Set(variables.map(\.name))
        return try items.map { item in
            let members = try item.mapping(required: ["role", "template"])
            let roleField = try members.required("role")
            let role = try roleField.string()
            guard ["system", "user", "assistant"].contains(role) else {
                throw roleField.fail("unknown role '\(Names.printable(role))'", fix: "use system, user or assistant")
            }
            let templateField = try members.required("template")
            let path = try templateField.string()
            let text = try files.text(path, referencedBy: templateField)
            let display = files.display(path)
            guard !text.allSatisfy(\.isWhitespace) else {
                throw PromptRegError.invalid(
                    file: display, "the template is empty; a provider refuses an empty message",
                    fix: "write the message, or remove it from 'messages:' in bundle.yaml")
            }
            if !policy.allowSecrets, let secret = ContentPolicy.findSecrets(in: text).first {
                throw PromptRegError.invalid(
                    file: display, line: secret.line, "looks like it contains \(secret.kind)",
                    fix: "remove the secret and pass it at run time as a variable; if it is not a secret, "
                        + "allow it for this publish (recorded with the version)",
                    remedy: .allowSecrets)
            }
            if let hidden = ContentPolicy.findHiddenCharacter(in: text) {
                throw PromptRegError.invalid(
                    file: display, line: hidden.line,
                    "contains \(hidden.codePoint), an invisible or bidirectional control character that can hide text from reviewers",
                    fix: "remove it (an editor that shows invisible characters helps)")
            }
            let template = try PromptTemplate(text, file: display)
            let undeclared = template.referencedNames(declared: variables).subtracting(declared).sorted()
            if let first = undeclared.first {
                throw PromptRegError.invalid(
                    file: display, line: Self.lineOfTag(first, in: text),
                    "uses undeclared variable\(undeclared.count > 1 ? "s" : "") \(undeclared.map { "'\($0)'" }.joined(separator: ", "))",
                    fix: "declare it under 'variables:' in bundle.yaml (name, type, required), or remove it from the template")
            }
            return MessageTemplate(role: role, template: text)
        }
    }

    private func readParameters(_ field: YAMLField) throws -> ParametersLayer {
        let members = try field.mapping(
            required: [], optional: ["temperature", "top_p", "max_tokens", "stop", "seed", "limits"])
        let limits = try members["limits"].map { limitsField in
            let limitMembers = try limitsField.mapping(
                required: [], optional: ["max_steps", "max_tool_calls", "max_tokens_per_run"])
            return RunLimits(
                maxSteps: try limitMembers["max_steps"].map { Int(try $0.integer(in: 1...10_000)) },
                maxToolCalls: try limitMembers["max_tool_calls"].map { Int(try $0.integer(in: 0...100_000)) },
                maxTokensPerRun: try limitMembers["max_tokens_per_run"].map { Int(try $0.integer(in: 1...100_000_000)) })
        }
        return ParametersLayer(
            temperature: try members["temperature"]?.number(in: 0...2),
            topP: try members["top_p"]?.number(in: 0...1),
            maxTokens: try members["max_tokens"].map { Int(try $0.integer(in: 1...10_000_000)) },
            stop: try members["stop"]?.sequence(limit: 16).map { try $0.string() },
            seed: try members["seed"]?.integer(in: Int64.min...Int64.max),
            limits: limits)
    }

    private func readTools(_ field: YAMLField, files: inout BundleFiles) throws -> [ToolDefinition] {
        var firstFileOfName: [String: String] = [:]
        return try field.sequence(limit: limits.maxTools).map { item in
            let path = try item.string()
            let document = try readJSONObject(path: path, referencedBy: item, files: &files)
            let tool = try ToolValidator(file: files.display(path)).tool(from: document)
            if let earlier = firstFileOfName[tool.name] {
                throw item.fail(
                    "two tools are named '\(tool.name)' (\(earlier) and \(path))", fix: "give each tool a unique name")
            }
            firstFileOfName[tool.name] = path
            return tool
        }
    }

    private func readJSONObject(path: String, referencedBy field: YAMLField, files: inout BundleFiles) throws -> JSONValue {
        let data = try files.data(path, referencedBy: field)
        let display = files.display(path)
        let value = try CanonicalJSON.decode(JSONValue.self, from: data, file: display)
        guard case .object = value else {
            throw PromptRegError.invalid(file: display, "the document must be a JSON object")
        }
        guard value.depth <= limits.maxJSONDepth else {
            throw PromptRegError.invalid(
                file: display, "nested \(value.depth) levels deep; at most \(limits.maxJSONDepth) are allowed")
        }
        return value
    }

    /// Refuses a path that is a file (often bundle.yaml itself) instead of the bundle directory.
    private static func checkIsDirectory(_ directory: String, manifestFile: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue else { return }
        let parent = (directory as NSString).deletingLastPathComponent
        throw PromptRegError.invalid(
            file: directory, "is a file; publish takes the bundle directory that holds \(manifestFile)",
            fix: "pass the directory: \(parent.isEmpty ? "." : parent)")
    }

    /// Refuses tab characters in indentation: YAML forbids them, and the parser's own message never says so.
    private static func checkNoTabIndentation(_ yaml: String, file: String) throws {
        for (index, line) in yaml.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.prefix(while: { $0 == " " || $0 == "\t" }).contains("\t") {
                throw PromptRegError.invalid(
                    file: file, line: index + 1, "indented with a tab; YAML allows only spaces for indentation",
                    fix: "replace the tab at the start of the line with spaces (two per level)")
            }
        }
    }

    /// Refuses a required variable that no template uses: a caller would have to pass a value that
    /// changes nothing, which is almost always a typo in the template or in bundle.yaml.
    private static func checkRequiredVariablesUsed(_ field: YAMLField?, variables: [VariableSpec], messages: [MessageTemplate]) throws {
        guard let field else { return }
        var used = Set<String>()
        for message in messages {
            used.formUnion(try PromptTemplate(message.template, file: field.file).referencedNames(declared: variables))
        }
        let items = try field.sequence(limit: Int.max)
        for (index, variable) in variables.enumerated() where variable.required && !used.contains(variable.name) {
            throw items[index].fail(
                "required variable '\(variable.name)' is used by no template",
                fix: "use {{\(variable.name)}} in a template, mark it 'required: false', or remove it")
        }
    }

    /// Refuses YAML nested deeper than `limits.maxYAMLDepth` before it is parsed, so a hostile
    /// file cannot exhaust the parser's stack: counts open flow brackets outside quotes, and
    /// indentation.
    private func checkNesting(_ yaml: String, file: String) throws {
        var depth = 0
        var quote: UInt8?
        var line = 1
        var column = 0
        var indenting = true
        for byte in yaml.utf8 {
            if byte == UInt8(ascii: "\n") {
                (line, column, indenting, quote) = (line + 1, 0, true, nil)
                continue
            }
            column += 1
            if indenting, byte == UInt8(ascii: " ") {
                if column > limits.maxYAMLDepth * 2 {
                    throw PromptRegError.invalid(
                        file: file, line: line, "indented more than \(limits.maxYAMLDepth * 2) columns: nested too deeply",
                        fix: "bundle.yaml needs only a few levels; see README \"Bundle format\"")
                }
                continue
            }
            indenting = false
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") {
                depth += 1
                if depth > limits.maxYAMLDepth {
                    throw PromptRegError.invalid(
                        file: file, line: line, "brackets nested more than \(limits.maxYAMLDepth) deep",
                        fix: "bundle.yaml needs only a few levels; see README \"Bundle format\"")
                }
            } else if byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
                depth = max(0, depth - 1)
            }
        }
    }

    /// The 1-based line of the first Mustache tag naming `name`, for error messages.
    private static func lineOfTag(_ name: String, in text: String) -> Int? {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.contains("{{") && line.contains(name) {
            return index + 1
        }
        return nil
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: nil
        }
    }

    private static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _),
            .composer(let context, let problem, _, _):
            [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        case .reader(let problem, _, _, _): problem
        default: "\(error)"
        }
    }
}
