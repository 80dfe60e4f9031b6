import Mustache

/// A compiled prompt template: Mustache, rendered as plain text (no HTML escaping).
public struct PromptTemplate: Sendable {
    /// The template text exactly as written.
    public let text: String
    private let compiled: MustacheTemplate

    /// Pragma that switches swift-mustache from HTML escaping to plain text. It is put before the
    /// text on the same line, so line numbers in parse errors stay those of the file.
    private static let textPragma = "{{% CONTENT_TYPE: TEXT}}"

    /// Compiles `text`; a syntax error is reported against `file` with its line.
    public init(_ text: String, file: String) throws {
        self.text = text
        do {
            compiled = try MustacheTemplate(string: Self.textPragma + text)
        } catch let error as MustacheTemplate.ParserError {
            throw PromptRegError.invalid(
                file: file, line: error.context.lineNumber, "Mustache syntax error: \(Self.explain(error.error))",
                fix: "check that every {{#section}} is closed by {{/section}} with the same name and every tag is closed by }}")
        }
    }

    /// A parser error in words (the library's error names mean nothing to a prompt author).
    private static func explain(_ error: Swift.Error) -> String {
        guard let error = error as? MustacheTemplate.Error else { return "the template cannot be parsed" }
        return switch error {
        case .sectionCloseNameIncorrect: "a section is closed with another name than it was opened with"
        case .unfinishedName: "a tag is not finished (a name without its closing }})"
        case .expectedSectionEnd: "a section is opened but never closed"
        case .invalidSetDelimiter: "a set-delimiter tag is malformed"
        case .transformAppliedToInheritanceSection, .illegalTokenInsideInheritSection, .textInsideInheritSection:
            "template inheritance is used in a way Mustache does not allow"
        case .invalidConfigVariableSyntax, .unrecognisedConfigVariable: "a {{% ...}} pragma is malformed or unknown"
        }
    }

    /// The top-level names the template looks up, judged against the declared variables: inside a
    /// section over a `list` or `object` variable, names belong to that value and are not counted;
    /// inside any other section they are. Both branches of every section are visited.
    public func referencedNames(declared: [VariableSpec]) -> Set<String> {
        let kinds = Dictionary(declared.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
        var names = Set<String>()
        for truthy in [true, false] {
            let recorder = NameRecorder(kinds: kinds, truthy: truthy)
            _ = compiled.render(recorder)
            names.formUnion(recorder.names)
        }
        return names
    }

    /// Renders with `variables` (JSON values) as the context.
    public func render(_ variables: [String: JSONValue]) -> String {
        compiled.render(variables.mapValues(\.mustacheValue))
    }
}

/// The root context used to find names: it records each lookup and answers with a stand-in value.
private final class NameRecorder: MustacheParent {
    let kinds: [String: VariableSpec.Kind]
    let truthy: Bool
    var names = Set<String>()

    init(kinds: [String: VariableSpec.Kind], truthy: Bool) {
        self.kinds = kinds
        self.truthy = truthy
    }

    func child(named name: String) -> Any? {
        names.insert(name)
        guard truthy else { return nil }
        switch kinds[name] {
        case .list, .object: return OpaqueValue()
        default: return true
        }
    }
}

/// Stands for a list item or object: every name looked up inside it belongs to it.
private struct OpaqueValue: MustacheParent {
    func child(named name: String) -> Any? { OpaqueValue() }
}

extension JSONValue {
    /// The value in the form swift-mustache walks: dictionaries, arrays, strings, numbers, booleans.
    var mustacheValue: Any {
        switch self {
        case .null: return Optional<String>.none as Any
        case .bool(let value): return value
        case .integer(let value): return value
        case .number(let value): return value
        case .string(let value): return value
        case .array(let elements): return elements.map(\.mustacheValue)
        case .object(let members): return members.mapValues(\.mustacheValue)
        }
    }
}
