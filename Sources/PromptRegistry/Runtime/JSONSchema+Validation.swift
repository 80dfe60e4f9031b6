/// One walk of an instance against a compiled schema, collecting every violation.
///
/// After a `type` mismatch, the other keywords of that same schema object are not reported:
/// they would only restate it (a number is never "shorter than 3 characters").
struct Validation {
    let schema: JSONSchema
    let wording: SchemaWording
    private(set) var violations: [SchemaViolation] = []

    init(schema: JSONSchema, wording: SchemaWording) {
        self.schema = schema
        self.wording = wording
    }

    mutating func check(_ instance: JSONValue, against node: SchemaNode, at path: inout [PathComponent]) {
        if let valid = node.alwaysValid {
            if !valid { report(path, "\(label(path)) is not allowed here") }
            return
        }
        if let types = node.types, !types.contains(where: { Self.instance(instance, hasType: $0) }) {
            report(path, "\(label(path)) must be \(Self.typePhrase(types)); got \(Self.show(instance))")
            return
        }
        if let reference = node.reference {
            switch reference {
            case .root: check(instance, against: schema.root, at: &path)
            case .definition(let name):
                if let target = schema.definitions[name] { check(instance, against: target, at: &path) }
            }
        }
        if let allowed = node.enumValues, !allowed.contains(where: { Self.equal($0, instance) }) {
            let listed = allowed.prefix(20).map(Self.show).joined(separator: ", ")
            let more = allowed.count > 20 ? " (and \(allowed.count - 20) more)" : ""
            let phrase = allowed.count == 1 ? "be \(listed)" : "be one of \(listed)\(more)"
            report(path, "\(label(path)) must \(phrase); got \(Self.show(instance))")
        }
        if let constant = node.constValue, !Self.equal(constant, instance) {
            report(path, "\(label(path)) must be \(Self.show(constant)); got \(Self.show(instance))")
        }
        switch instance {
        case .integer, .number:
            if let number = SchemaNumber(instance) { checkNumber(number, instance, node, at: path) }
        case .string(let text): checkString(text, instance, node, at: path)
        case .array(let elements): checkArray(elements, node, at: &path)
        case .object(let members): checkObject(members, node, at: &path)
        case .null, .bool: break
        }
        if let branches = node.allOf {
            for branch in branches { check(instance, against: branch, at: &path) }
        }
        if let branches = node.anyOf { checkAnyOf(instance, branches, at: &path) }
        if let branches = node.oneOf { checkOneOf(instance, branches, at: &path) }
    }

    private mutating func checkNumber(_ number: SchemaNumber, _ instance: JSONValue, _ node: SchemaNode, at path: [PathComponent]) {
        let bounds: [(SchemaNumber?, String, (Int) -> Bool)] = [
            (node.minimum, ">=", { $0 >= 0 }), (node.exclusiveMinimum, ">", { $0 > 0 }),
            (node.maximum, "<=", { $0 <= 0 }), (node.exclusiveMaximum, "<", { $0 < 0 }),
        ]
        for case (let bound?, let symbol, let holds) in bounds where !holds(SchemaNumber.compare(number, bound)) {
            report(path, "\(label(path)) must be \(symbol) \(bound.text); got \(Self.show(instance))")
        }
    }

    private mutating func checkString(_ text: String, _ instance: JSONValue, _ node: SchemaNode, at path: [PathComponent]) {
        if node.minLength != nil || node.maxLength != nil {
            let length = text.unicodeScalars.count
            if let minimum = node.minLength, length < minimum {
                report(path, "\(label(path)) must have at least \(Self.count(minimum, "character")); got \(length): \(Self.show(instance))")
            }
            if let maximum = node.maxLength, length > maximum {
                report(path, "\(label(path)) must have at most \(Self.count(maximum, "character")); got \(length)")
            }
        }
        if let pattern = node.pattern, !text.contains(pattern.regex) {
            report(path, "\(label(path)) must match the regular expression \(pattern.source); got \(Self.show(instance))")
        }
    }

    private mutating func checkArray(_ elements: [JSONValue], _ node: SchemaNode, at path: inout [PathComponent]) {
        if let minimum = node.minItems, elements.count < minimum {
            report(path, "\(label(path)) must have at least \(Self.count(minimum, "item")); got \(elements.count)")
        }
        if let maximum = node.maxItems, elements.count > maximum {
            report(path, "\(label(path)) must have at most \(Self.count(maximum, "item")); got \(elements.count)")
        }
        guard let items = node.items else { return }
        for (index, element) in elements.enumerated() {
            path.append(.index(index))
            check(element, against: items, at: &path)
            path.removeLast()
        }
    }

    private mutating func checkObject(_ members: [String: JSONValue], _ node: SchemaNode, at path: inout [PathComponent]) {
        for name in node.required where members[name] == nil {
            path.append(.key(name))
            report(path, "\(label(path)) is required")
            path.removeLast()
        }
        var unknown: [String] = []
        for key in members.keys.sorted() {
            guard let value = members[key] else { continue }
            path.append(.key(key))
            if let property = node.properties[key] {
                check(value, against: property, at: &path)
            } else if let additional = node.additionalProperties {
                if additional.alwaysValid == false {
                    unknown.append(key)
                } else {
                    check(value, against: additional, at: &path)
                }
            }
            path.removeLast()
        }
        guard !unknown.isEmpty else { return }
        let allowed = node.properties.keys.sorted()
        let allowedText = allowed.isEmpty ? "none" : allowed.joined(separator: ", ")
        for key in unknown {
            path.append(.key(key))
            // Edit distances only for names of a sensible length: a key can be arbitrarily long.
            let guess = key.count <= 64 ? Names.closest(to: key, among: allowed).map { "; did you mean '\($0)'?" } : nil
            report(path, "unknown \(wording.member) '\(PathComponent.render(path))' (allowed: \(allowedText)\(guess ?? ""))")
            path.removeLast()
        }
    }

    private mutating func checkAnyOf(_ instance: JSONValue, _ branches: [SchemaNode], at path: inout [PathComponent]) {
        var failures: [[SchemaViolation]] = []
        for branch in branches {
            let found = branchViolations(instance, branch, at: &path)
            if found.isEmpty { return }
            failures.append(found)
        }
        report(path, "\(label(path)) matches none of the allowed forms: \(Self.forms(failures))")
    }

    private mutating func checkOneOf(_ instance: JSONValue, _ branches: [SchemaNode], at path: inout [PathComponent]) {
        var failures: [[SchemaViolation]] = []
        var matching: [Int] = []
        for (index, branch) in branches.enumerated() {
            let found = branchViolations(instance, branch, at: &path)
            if found.isEmpty { matching.append(index + 1) }
            failures.append(found)
        }
        switch matching.count {
        case 1: return
        case 0: report(path, "\(label(path)) matches none of the allowed forms (it must match exactly one): \(Self.forms(failures))")
        default:
            let listed = matching.dropLast().map(String.init).joined(separator: ", ") + " and \(matching.last ?? 0)"
            report(path, "\(label(path)) matches forms \(listed), but must match exactly one of them")
        }
    }

    private func branchViolations(_ instance: JSONValue, _ branch: SchemaNode, at path: inout [PathComponent]) -> [SchemaViolation] {
        var inner = Validation(schema: schema, wording: wording)
        inner.check(instance, against: branch, at: &path)
        return inner.violations
    }

    private mutating func report(_ path: [PathComponent], _ message: String) {
        let violation = SchemaViolation(path: PathComponent.render(path), message: message)
        if !violations.contains(violation) { violations.append(violation) }
    }

    private func label(_ path: [PathComponent]) -> String {
        path.isEmpty ? wording.whole : "\(wording.member) '\(PathComponent.render(path))'"
    }

    /// `[form 1: ...] [form 2: ...]`: what each alternative found wrong.
    private static func forms(_ failures: [[SchemaViolation]]) -> String {
        failures.enumerated().map { index, found in
            "[form \(index + 1): \(found.map(\.message).joined(separator: "; "))]"
        }.joined(separator: " ")
    }

    private static func count(_ number: Int, _ noun: String) -> String {
        number == 1 ? "1 \(noun)" : "\(number) \(noun)s"
    }

    /// The value as JSON, shortened past 60 characters.
    static func show(_ value: JSONValue) -> String {
        let text = value.canonicalString
        guard text.count > 60 else { return text }
        return text.prefix(57) + "..."
    }

    private static func typePhrase(_ types: [String]) -> String {
        let phrases = types.map { type -> String in
            switch type {
            case "integer": "an integer"
            case "array": "a list"
            case "object": "an object"
            case "boolean": "true or false"
            case "null": "null"
            default: "a \(type)"
            }
        }
        guard phrases.count > 1 else { return phrases.first ?? "" }
        return phrases.dropLast().joined(separator: ", ") + " or " + (phrases.last ?? "")
    }

    static func instance(_ value: JSONValue, hasType type: String) -> Bool {
        switch (type, value) {
        case ("string", .string), ("boolean", .bool), ("null", .null), ("array", .array), ("object", .object): true
        case ("number", .integer), ("number", .number), ("integer", .integer): true
        case ("integer", .number(let double)): double.isFinite && double == double.rounded()
        default: false
        }
    }

    /// JSON equality: numbers by value (1 equals 1.0), strings code point by code point, objects
    /// regardless of key order, and never `true` equal to 1.
    static func equal(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): return a.unicodeScalars.elementsEqual(b.unicodeScalars)
        case (.array(let a), .array(let b)): return a.count == b.count && zip(a, b).allSatisfy { equal($0, $1) }
        case (.object(let a), .object(let b)):
            return a.count == b.count && a.allSatisfy { key, value in b[key].map { equal(value, $0) } ?? false }
        default:
            if let a = SchemaNumber(lhs), let b = SchemaNumber(rhs) { return SchemaNumber.compare(a, b) == 0 }
            return lhs == rhs
        }
    }
}
