/// A JSON Schema (draft 2020-12), checked and compiled once, that validates instances: the subset
/// tool input schemas and output schemas use.
///
/// Asserted keywords: `type` (a name or a list of names; `integer` is any number without a
/// fractional part), `properties`, `required`, `additionalProperties` (a boolean or a schema),
/// `items` (one schema), `enum`, `const`, `minimum`, `maximum`, `exclusiveMinimum`,
/// `exclusiveMaximum` (numbers), `minLength`, `maxLength` (counted in Unicode code points),
/// `pattern` (searched for anywhere in the string, as Swift `Regex` reads it, code point by code
/// point: close to ECMA-262 for literals, classes, anchors, groups and quantifiers, but `\d`, `\w`
/// and `\s` match Unicode, and a pattern Swift cannot compile, such as a lookbehind, is refused
/// at compile time), `minItems`, `maxItems`, `anyOf`, `oneOf`, `allOf`, and `$ref` to `#` or
/// `#/$defs/NAME` (with `$defs` at the top of the schema). `true` and `false` are schemas too.
///
/// Annotations, accepted and never asserted: `title`, `description`, `default`, `examples`,
/// `$schema`, `$id` (top level only), `$comment`, `deprecated`, `readOnly`, `writeOnly`, and
/// `format` (`"format": "email"` does not make an instance invalid, as in the 2020-12 default).
///
/// Any other keyword is refused when the schema is compiled, naming it and where it is: a
/// keyword this validator would silently skip would let through arguments the author meant to
/// refuse. Numbers are compared exactly (an integer is never rounded through a double).
///
/// One value is safe to share between threads; compiling is the expensive part, validating is
/// a walk over the instance.
public struct JSONSchema: Sendable {
    /// The keywords that constrain an instance.
    public static let assertionKeywords = [
        "type", "properties", "required", "additionalProperties", "items", "enum", "const",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern",
        "minItems", "maxItems", "anyOf", "oneOf", "allOf", "$ref", "$defs",
    ]
    /// The keywords accepted and ignored (annotations; `format` is not asserted).
    public static let annotationKeywords = [
        "title", "description", "default", "examples", "$schema", "$id", "$comment", "deprecated", "readOnly",
        "writeOnly", "format",
    ]
    /// The type names `type` accepts.
    public static let typeNames = ["string", "number", "integer", "boolean", "array", "object", "null"]

    let root: SchemaNode
    let definitions: [String: SchemaNode]

    /// Checks and compiles `document`. Throws `JSONSchema.Invalid` naming the first keyword
    /// outside the subset, or the first keyword whose value is malformed, with its path.
    public init(_ document: JSONValue) throws(Invalid) {
        var compiler = Compiler()
        root = try compiler.compile(document, path: [], atRoot: true)
        definitions = compiler.definitions
        try compiler.checkReferenceCycles(root: root)
    }

    /// Every way `instance` breaks this schema, in a stable order, each phrased for a model or a
    /// person to fix (`argument 'amount' must be >= 0; got -5`); empty when it conforms.
    /// `wording` says what the instance is ("argument", "field").
    public func violations(of instance: JSONValue, wording: SchemaWording = .value) -> [SchemaViolation] {
        var validation = Validation(schema: self, wording: wording)
        var path: [PathComponent] = []
        validation.check(instance, against: root, at: &path)
        return validation.violations
    }

    /// True when `instance` conforms.
    public func accepts(_ instance: JSONValue) -> Bool {
        violations(of: instance).isEmpty
    }
}

extension JSONSchema {
    /// Why a schema cannot be compiled: where (a dotted path from the schema's top, with `[i]`
    /// for list positions, e.g. `properties.amount.if`) and what is wrong.
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        /// Where, from the top of the schema; empty for the top itself.
        public let path: String
        /// The keyword outside the supported subset, when that is the problem.
        public let unsupportedKeyword: String?
        /// What is wrong, in words.
        public let problem: String

        /// What to do about it, in words.
        public var fix: String {
            if unsupportedKeyword != nil {
                return "use only the supported keywords: \(JSONSchema.assertionKeywords.joined(separator: ", ")) "
                    + "(annotations allowed and ignored: \(JSONSchema.annotationKeywords.joined(separator: ", "))); "
                    + "for conditions use anyOf, oneOf or allOf"
            }
            return "correct the keyword's value (JSON Schema draft 2020-12)"
        }

        public var description: String { path.isEmpty ? problem : "\(path): \(problem)" }
    }
}

/// One way an instance breaks a schema: where (`order_id`, `items[2].sku`; empty for the whole
/// instance) and a sentence saying what is wrong and what was given.
public struct SchemaViolation: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// Dotted path of the offending value from the instance's top, `[i]` for list positions and
    /// `["key"]` for a key that is not a plain name; empty for the whole instance.
    public let path: String
    /// What is wrong, phrased to act on, e.g. `argument 'mode' must be one of "fast", "slow"; got "turbo"`.
    public let message: String

    /// A violation at `path`.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { message }
}

/// How violation messages name the instance and its parts.
public struct SchemaWording: Sendable, Equatable {
    /// What one member is called, e.g. `argument` ("argument 'amount' is required").
    public var member: String
    /// What the whole instance is called, e.g. `the arguments`.
    public var whole: String

    /// A wording with these names.
    public init(member: String, whole: String) {
        self.member = member
        self.whole = whole
    }

    /// For a tool call's arguments: "argument 'amount'", "the arguments".
    public static let arguments = SchemaWording(member: "argument", whole: "the arguments")
    /// For a final answer: "field 'verdict'", "the answer".
    public static let answer = SchemaWording(member: "field", whole: "the answer")
    /// For any value: "property 'x'", "the value".
    public static let value = SchemaWording(member: "property", whole: "the value")
}

/// One step of a path into an instance or a schema.
enum PathComponent: Sendable {
    case key(String)
    case index(Int)

    /// Dotted form: `a.b[2]`, with `["x y"]` for a key that is not a plain name.
    static func render(_ path: [PathComponent]) -> String {
        var out = ""
        for component in path {
            switch component {
            case .index(let index): out += "[\(index)]"
            case .key(let key) where isPlainName(key): out += out.isEmpty ? key : ".\(key)"
            case .key(let key): out += "[\(JSONValue.string(key).canonicalString)]"
            }
        }
        return out
    }

    private static func isPlainName(_ key: String) -> Bool {
        guard let first = key.utf8.first, !(48...57).contains(first) else { return false }
        return key.utf8.allSatisfy { byte in
            (97...122).contains(byte) || (65...90).contains(byte) || (48...57).contains(byte) || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "$") || byte == UInt8(ascii: "-")
        }
    }
}

/// A number from a schema or an instance, compared exactly.
enum SchemaNumber: Sendable {
    case integer(Int64)
    case double(Double)

    init?(_ value: JSONValue) {
        switch value {
        case .integer(let integer): self = .integer(integer)
        case .number(let double): self = .double(double)
        default: return nil
        }
    }

    /// The JSON text of the number.
    var text: String {
        switch self {
        case .integer(let integer): JSONValue.integer(integer).canonicalString
        case .double(let double): JSONValue.number(double).canonicalString
        }
    }

    /// Exact three-way comparison: -1, 0 or 1.
    static func compare(_ lhs: SchemaNumber, _ rhs: SchemaNumber) -> Int {
        switch (lhs, rhs) {
        case (.integer(let a), .integer(let b)): a < b ? -1 : (a == b ? 0 : 1)
        case (.double(let a), .double(let b)): a < b ? -1 : (a == b ? 0 : 1)
        case (.integer(let a), .double(let b)): compare(a, b)
        case (.double(let a), .integer(let b)): -compare(b, a)
        }
    }

    /// Compares an integer with a double without rounding the integer (NaN, which no JSON text
    /// holds, compares as greater rather than trapping).
    private static func compare(_ integer: Int64, _ double: Double) -> Int {
        if double.isNaN { return -1 }
        // 2^63 is exactly representable; every Int64 is below it and at or above -2^63.
        if double >= 9_223_372_036_854_775_808.0 { return -1 }
        if double < -9_223_372_036_854_775_808.0 { return 1 }
        let floor = double.rounded(.down)
        let whole = Int64(floor)
        if integer < whole { return -1 }
        if integer > whole { return 1 }
        return double > floor ? -1 : 0
    }
}

/// A compiled schema: `true`, `false`, or constraints. Immutable once compiled.
///
/// `@unchecked Sendable` only because of `pattern`: `Regex<AnyRegexOutput>` is not `Sendable`
/// solely because its output type is not; the compiled program it holds is immutable and is
/// shared between threads the same way by `Regex<Substring>`, which is `Sendable`. Matching
/// hands out no output values here.
final class SchemaNode: @unchecked Sendable {
    enum Reference: Sendable {
        case root
        case definition(String)
    }

    let alwaysValid: Bool?
    let types: [String]?
    let properties: [String: SchemaNode]
    let required: [String]
    let additionalProperties: SchemaNode?
    let items: SchemaNode?
    let enumValues: [JSONValue]?
    let constValue: JSONValue?
    let minimum: SchemaNumber?
    let maximum: SchemaNumber?
    let exclusiveMinimum: SchemaNumber?
    let exclusiveMaximum: SchemaNumber?
    let minLength: Int?
    let maxLength: Int?
    let pattern: (source: String, regex: Regex<AnyRegexOutput>)?
    let minItems: Int?
    let maxItems: Int?
    let anyOf: [SchemaNode]?
    let oneOf: [SchemaNode]?
    let allOf: [SchemaNode]?
    let reference: Reference?

    /// `true` or `false` as a schema.
    init(always valid: Bool) {
        alwaysValid = valid
        (types, properties, required, additionalProperties, items) = (nil, [:], [], nil, nil)
        (enumValues, constValue) = (nil, nil)
        (minimum, maximum, exclusiveMinimum, exclusiveMaximum) = (nil, nil, nil, nil)
        (minLength, maxLength, pattern, minItems, maxItems) = (nil, nil, nil, nil, nil)
        (anyOf, oneOf, allOf, reference) = (nil, nil, nil, nil)
    }

    init(_ parts: Compiler.Parts) {
        alwaysValid = nil
        types = parts.types
        properties = parts.properties
        required = parts.required
        additionalProperties = parts.additionalProperties
        items = parts.items
        enumValues = parts.enumValues
        constValue = parts.constValue
        minimum = parts.minimum
        maximum = parts.maximum
        exclusiveMinimum = parts.exclusiveMinimum
        exclusiveMaximum = parts.exclusiveMaximum
        minLength = parts.minLength
        maxLength = parts.maxLength
        pattern = parts.pattern
        minItems = parts.minItems
        maxItems = parts.maxItems
        anyOf = parts.anyOf
        oneOf = parts.oneOf
        allOf = parts.allOf
        reference = parts.reference
    }
}
