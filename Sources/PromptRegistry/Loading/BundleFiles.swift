import Foundation

/// Reads the files of one bundle directory safely: a path must stay inside the directory (after
/// following symlinks), be a regular file, and keep within the size limits.
struct BundleFiles {
    let directory: String
    let limits: BundleLimits
    private let realDirectory: String?
    private var totalBytes = 0

    init(directory: String, limits: BundleLimits) {
        self.directory = directory
        self.limits = limits
        self.realDirectory = Self.realPath(directory)
    }

    /// How a bundle file is named in errors: the directory as given, joined with the relative path.
    func display(_ relative: String) -> String {
        (directory as NSString).appendingPathComponent(relative)
    }

    /// The bytes of `relative`. `field` is the bundle.yaml field that named it (nil for bundle.yaml).
    mutating func data(_ relative: String, referencedBy field: YAMLField?) throws -> Data {
        func fail(_ problem: String, fix: String? = nil) -> PromptRegError {
            if let field { return field.fail("\(relative): \(problem)", fix: fix) }
            return .invalid(file: display(relative), problem, fix: fix)
        }
        guard let realDirectory else {
            throw PromptRegError(.notFound, "\(directory): no such bundle directory", fix: "pass the directory that holds bundle.yaml")
        }
        guard !relative.hasPrefix("/"), !relative.contains("\0") else {
            throw fail("must be a path relative to the bundle directory")
        }
        let full = display(relative)
        guard let real = Self.realPath(full) else {
            throw fail("file not found", fix: "create it, or correct the path (relative to \(directory))")
        }
        guard real.hasPrefix(realDirectory + "/") else {
            throw fail(
                "resolves to \(real), outside the bundle directory", fix: "copy the file into the bundle directory instead of linking to it"
            )
        }
        var info = stat()
        guard stat(real, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw fail("is not a regular file")
        }
        let size = Int(info.st_size)
        guard size <= limits.maxFileBytes else {
            throw fail(
                "is \(size) bytes; a bundle file may be at most \(limits.maxFileBytes) bytes (1 MiB)",
                fix: "shorten it or split it; large reference material belongs in retrieval, not in the prompt")
        }
        totalBytes += size
        guard totalBytes <= limits.maxTotalBytes else {
            throw fail(
                "the bundle's files add up to more than \(limits.maxTotalBytes) bytes",
                fix: "shorten the templates and schemas")
        }
        guard let data = FileManager.default.contents(atPath: real) else { throw fail("cannot be read") }
        guard data.count <= limits.maxFileBytes else { throw fail("grew past \(limits.maxFileBytes) bytes while being read") }
        return data
    }

    /// The text of `relative`, which must be UTF-8.
    mutating func text(_ relative: String, referencedBy field: YAMLField?) throws -> String {
        let data = try data(relative, referencedBy: field)
        guard let text = String(validating: data, as: UTF8.self) else {
            let problem = "is not valid UTF-8 text"
            if let field { throw field.fail("\(relative): \(problem)", fix: "save the file as UTF-8") }
            throw PromptRegError.invalid(file: display(relative), problem, fix: "save the file as UTF-8")
        }
        return text
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// Checks that a JSON document is a tool definition: `name`, `description` and an object
/// `input_schema` whose `properties` are schemas, whose `required` names existing properties, and
/// which uses only the JSON Schema keywords `JSONSchema` checks (anywhere in it).
struct ToolValidator {
    let file: String

    func tool(from document: JSONValue) throws -> ToolDefinition {
        let members = document.objectValue ?? [:]
        let allowed: Set<String> = ["name", "description", "input_schema"]
        if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw fail(unknown, "unknown key", fix: "a tool file has exactly: name, description, input_schema")
        }
        guard let name = members["name"]?.stringValue else { throw fail("name", "missing or not a string") }
        guard name.wholeMatch(of: /[a-zA-Z0-9_-]{1,64}/) != nil else {
            throw fail("name", "'\(Names.printable(name))' is not a valid tool name", fix: "use 1-64 of [a-zA-Z0-9_-]")
        }
        guard let description = members["description"]?.stringValue, !description.isEmpty else {
            throw fail("description", "missing, empty or not a string", fix: "say what the tool does, for the model")
        }
        guard let schema = members["input_schema"], let schemaMembers = schema.objectValue else {
            throw fail("input_schema", "missing or not a JSON object", fix: "give a JSON Schema with \"type\": \"object\"")
        }
        guard schemaMembers["type"] == .string("object") else {
            throw fail("input_schema.type", "must be \"object\"", fix: "tool input is always an object of named arguments")
        }
        var propertyNames = Set<String>()
        if let properties = schemaMembers["properties"] {
            guard let propertyMembers = properties.objectValue else {
                throw fail("input_schema.properties", "must be an object mapping argument names to schemas")
            }
            for (key, value) in propertyMembers {
                guard case .object = value else {
                    throw fail("input_schema.properties.\(key)", "must be a JSON Schema object")
                }
                if let type = value.objectValue?["type"], !Self.isValidType(type) {
                    throw fail(
                        "input_schema.properties.\(key).type", "is not a JSON Schema type",
                        fix: "use string, number, integer, boolean, array, object or null")
                }
            }
            propertyNames = Set(propertyMembers.keys)
        }
        if let required = schemaMembers["required"] {
            guard let names = required.arrayValue?.compactMap(\.stringValue), names.count == required.arrayValue?.count
            else { throw fail("input_schema.required", "must be a list of property names") }
            if let missing = names.first(where: { !propertyNames.contains($0) }) {
                throw fail("input_schema.required", "names '\(missing)', which is not under properties")
            }
        }
        try checkSchema(schema, field: "input_schema")
        return ToolDefinition(name: name, description: description, inputSchema: schema)
    }

    /// Refuses a schema (a tool's input schema, or a bundle's output schema with `field` empty)
    /// that `JSONSchema` cannot check: a keyword outside the supported subset anywhere in it, or a
    /// malformed keyword value, named with its path under `field`.
    func checkSchema(_ schema: JSONValue, field: String) throws {
        do throws(JSONSchema.Invalid) {
            _ = try JSONSchema(schema)
        } catch {
            let separator = field.isEmpty || error.path.isEmpty || error.path.hasPrefix("[") ? "" : "."
            throw fail(field + separator + error.path, error.problem, fix: error.fix)
        }
    }

    private static func isValidType(_ type: JSONValue) -> Bool {
        let known: Set<String> = ["string", "number", "integer", "boolean", "array", "object", "null"]
        if let name = type.stringValue { return known.contains(name) }
        if let names = type.arrayValue { return !names.isEmpty && names.allSatisfy { $0.stringValue.map(known.contains) ?? false } }
        return false
    }

    private func fail(_ field: String, _ problem: String, fix: String? = nil) -> PromptRegError {
        .invalid(file: file, field: field, problem, fix: fix ?? "see README \"Tools\" for the tool file format")
    }
}
