/// Checks a schema document against the supported subset and builds its `SchemaNode` tree.
struct Compiler {
    /// What one schema object says, gathered keyword by keyword.
    struct Parts {
        var types: [String]?
        var properties: [String: SchemaNode] = [:]
        var required: [String] = []
        var additionalProperties: SchemaNode?
        var items: SchemaNode?
        var enumValues: [JSONValue]?
        var constValue: JSONValue?
        var minimum: SchemaNumber?
        var maximum: SchemaNumber?
        var exclusiveMinimum: SchemaNumber?
        var exclusiveMaximum: SchemaNumber?
        var minLength: Int?
        var maxLength: Int?
        var pattern: (source: String, regex: Regex<AnyRegexOutput>)?
        var minItems: Int?
        var maxItems: Int?
        var anyOf: [SchemaNode]?
        var oneOf: [SchemaNode]?
        var allOf: [SchemaNode]?
        var reference: SchemaNode.Reference?
    }

    private(set) var definitions: [String: SchemaNode] = [:]
    /// Every `$ref` to a definition, with where it was written, checked once all are compiled.
    private var definitionReferences: [(name: String, path: [PathComponent])] = []

    /// Compiles the schema `value` found at `path`.
    mutating func compile(_ value: JSONValue, path: [PathComponent], atRoot: Bool = false) throws(JSONSchema.Invalid) -> SchemaNode {
        switch value {
        case .bool(let valid): return SchemaNode(always: valid)
        case .object(let members):
            var parts = Parts()
            for key in members.keys.sorted() {
                guard let member = members[key] else { continue }
                try compileKeyword(key, member, into: &parts, path: path, atRoot: atRoot)
            }
            if atRoot, let missing = definitionReferences.first(where: { definitions[$0.name] == nil }) {
                throw Self.invalid(
                    missing.path + [.key("$ref")],
                    "refers to #/$defs/\(missing.name), which is not defined under $defs at the top of the schema")
            }
            return SchemaNode(parts)
        default:
            throw Self.invalid(path, "must be a schema: a JSON object, true or false")
        }
    }

    /// Refuses `$ref` chains that loop without descending into the instance (`{"$ref": "#"}` at
    /// the top, or two definitions referring to each other through anyOf): validating would never end.
    func checkReferenceCycles(root: SchemaNode) throws(JSONSchema.Invalid) {
        var state: [String: Bool] = [:]  // false: on the current walk; true: done
        func target(_ reference: SchemaNode.Reference) -> (name: String, node: SchemaNode?) {
            switch reference {
            case .root: ("#", nil)
            case .definition(let name): ("#/$defs/\(name)", definitions[name])
            }
        }
        func visit(_ name: String, _ node: SchemaNode, trail: [String]) throws(JSONSchema.Invalid) {
            if state[name] == true { return }
            if state[name] == false {
                throw Self.invalid(
                    [], "$ref cycle that never reaches a property or an item: \((trail + [name]).joined(separator: " -> "))")
            }
            state[name] = false
            for reference in Self.directReferences(of: node) {
                let next = target(reference)
                try visit(next.name, next.node ?? root, trail: trail + [name])
            }
            state[name] = true
        }
        try visit("#", root, trail: [])
        for name in definitions.keys.sorted() {
            if let node = definitions[name] { try visit("#/$defs/\(name)", node, trail: []) }
        }
    }

    /// The references a node applies to the same instance (through `$ref` and the combinators).
    private static func directReferences(of node: SchemaNode) -> [SchemaNode.Reference] {
        var references: [SchemaNode.Reference] = node.reference.map { [$0] } ?? []
        for branch in (node.anyOf ?? []) + (node.oneOf ?? []) + (node.allOf ?? []) {
            references += directReferences(of: branch)
        }
        return references
    }

    private mutating func compileKeyword(
        _ key: String, _ value: JSONValue, into parts: inout Parts, path: [PathComponent], atRoot: Bool
    ) throws(JSONSchema.Invalid) {
        let here = path + [.key(key)]
        switch key {
        case "title", "description", "$comment", "format", "$schema":
            guard case .string = value else { throw Self.invalid(here, "must be a string") }
        case "$id":
            guard atRoot else { throw Self.invalid(here, "$id is allowed only at the top of the schema") }
            guard case .string = value else { throw Self.invalid(here, "must be a string") }
        case "deprecated", "readOnly", "writeOnly":
            guard case .bool = value else { throw Self.invalid(here, "must be true or false") }
        case "default": break
        case "examples":
            guard case .array = value else { throw Self.invalid(here, "must be a list of example values") }
        case "type": parts.types = try Self.types(value, at: here)
        case "properties":
            guard case .object(let members) = value else {
                throw Self.invalid(here, "must be an object mapping property names to schemas")
            }
            for name in members.keys.sorted() {
                guard let member = members[name] else { continue }
                parts.properties[name] = try compile(member, path: here + [.key(name)])
            }
        case "required":
            guard case .array(let elements) = value else { throw Self.invalid(here, "must be a list of property names") }
            var names: [String] = []
            for element in elements {
                guard case .string(let name) = element else { throw Self.invalid(here, "must be a list of property names") }
                guard !names.contains(name) else { throw Self.invalid(here, "names '\(name)' twice") }
                names.append(name)
            }
            parts.required = names
        case "additionalProperties": parts.additionalProperties = try compile(value, path: here)
        case "items":
            guard case .array = value else {
                parts.items = try compile(value, path: here)
                return
            }
            throw Self.invalid(here, "must be one schema for every item; a list of schemas (prefixItems) is not supported")
        case "enum":
            guard case .array(let elements) = value else { throw Self.invalid(here, "must be a list of the allowed values") }
            parts.enumValues = elements
        case "const": parts.constValue = value
        case "minimum": parts.minimum = try Self.number(value, at: here)
        case "maximum": parts.maximum = try Self.number(value, at: here)
        case "exclusiveMinimum": parts.exclusiveMinimum = try Self.number(value, at: here)
        case "exclusiveMaximum": parts.exclusiveMaximum = try Self.number(value, at: here)
        case "minLength": parts.minLength = try Self.count(value, at: here)
        case "maxLength": parts.maxLength = try Self.count(value, at: here)
        case "minItems": parts.minItems = try Self.count(value, at: here)
        case "maxItems": parts.maxItems = try Self.count(value, at: here)
        case "pattern":
            guard case .string(let source) = value else { throw Self.invalid(here, "must be a regular expression in a string") }
            if let problem = PatternSafety.problem(source) {
                throw Self.invalid(here, "'\(Names.printable(source))': \(problem); write it without the nested repetition")
            }
            do {
                parts.pattern = (source, try Regex(source).matchingSemantics(.unicodeScalar))
            } catch {
                throw Self.invalid(here, "'\(Names.printable(source))' is not a regular expression Swift can compile: \(error)")
            }
        case "anyOf": parts.anyOf = try compileList(value, at: here)
        case "oneOf": parts.oneOf = try compileList(value, at: here)
        case "allOf": parts.allOf = try compileList(value, at: here)
        case "$ref": parts.reference = try reference(value, at: path)
        case "$defs":
            guard atRoot else { throw Self.invalid(here, "$defs is allowed only at the top of the schema; move it there") }
            guard case .object(let members) = value else { throw Self.invalid(here, "must be an object mapping names to schemas") }
            for name in members.keys.sorted() {
                guard let member = members[name] else { continue }
                definitions[name] = try compile(member, path: here + [.key(name)])
            }
        default:
            throw JSONSchema.Invalid(
                path: PathComponent.render(here), unsupportedKeyword: key,
                problem: "'\(Names.printable(key))' is not a supported JSON Schema keyword")
        }
    }

    private mutating func compileList(_ value: JSONValue, at path: [PathComponent]) throws(JSONSchema.Invalid) -> [SchemaNode] {
        guard case .array(let elements) = value, !elements.isEmpty else {
            throw Self.invalid(path, "must be a non-empty list of schemas")
        }
        var nodes: [SchemaNode] = []
        for (index, element) in elements.enumerated() {
            nodes.append(try compile(element, path: path + [.index(index)]))
        }
        return nodes
    }

    private mutating func reference(_ value: JSONValue, at path: [PathComponent]) throws(JSONSchema.Invalid) -> SchemaNode.Reference {
        let here = path + [.key("$ref")]
        guard case .string(let text) = value else { throw Self.invalid(here, "must be a string such as \"#/$defs/address\"") }
        if text == "#" { return .root }
        let prefix = "#/$defs/"
        guard text.hasPrefix(prefix), !text.contains("%") else {
            throw Self.invalid(here, "'\(Names.printable(text))': only \"#\" and \"#/$defs/NAME\" references are supported")
        }
        let token = text.dropFirst(prefix.count)
        guard !token.isEmpty, !token.contains("/") else {
            throw Self.invalid(here, "'\(Names.printable(text))': only \"#\" and \"#/$defs/NAME\" references are supported")
        }
        let name = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        definitionReferences.append((name, path))
        return .definition(name)
    }

    private static func types(_ value: JSONValue, at path: [PathComponent]) throws(JSONSchema.Invalid) -> [String] {
        let problem = "must be one of \(JSONSchema.typeNames.joined(separator: ", ")), or a non-empty list of them without repeats"
        switch value {
        case .string(let name) where JSONSchema.typeNames.contains(name): return [name]
        case .array(let elements) where !elements.isEmpty:
            var names: [String] = []
            for element in elements {
                guard case .string(let name) = element, JSONSchema.typeNames.contains(name), !names.contains(name) else {
                    throw invalid(path, problem)
                }
                names.append(name)
            }
            return names
        default: throw invalid(path, problem)
        }
    }

    private static func number(_ value: JSONValue, at path: [PathComponent]) throws(JSONSchema.Invalid) -> SchemaNumber {
        guard let number = SchemaNumber(value) else { throw invalid(path, "must be a number") }
        return number
    }

    private static func count(_ value: JSONValue, at path: [PathComponent]) throws(JSONSchema.Invalid) -> Int {
        switch value {
        case .integer(let integer) where integer >= 0: return Int(clamping: integer)
        case .number(let double) where double >= 0 && double == double.rounded() && double < 9.0e15: return Int(double)
        default: throw invalid(path, "must be a whole number, 0 or more")
        }
    }

    private static func invalid(_ path: [PathComponent], _ problem: String) -> JSONSchema.Invalid {
        JSONSchema.Invalid(path: PathComponent.render(path), unsupportedKeyword: nil, problem: problem)
    }
}
