import Yams

/// One node of a YAML document with where it came from, for reading a fixed schema with errors
/// that name the file, the field path and the line.
struct YAMLField {
    let node: Yams.Node
    let file: String
    let path: String

    var line: Int? { node.mark?.line }

    /// An invalid-input error about this field.
    func fail(_ problem: String, fix: String? = nil, remedy: Remedy? = nil) -> PromptRegError {
        .invalid(file: file, line: line, field: path, problem, fix: fix, remedy: remedy)
    }

    /// Refuses anchors and aliases: bundle files are small, and aliases are how YAML bombs are built.
    /// Only meaningful while the `Parser` that made the node is alive (Yams holds anchors weakly).
    private func checkPlain() throws {
        if node.anchor != nil
            || {
                if case .alias = node { return true }
                return false
            }()
        {
            throw fail("YAML anchors and aliases (&name, *name) are not allowed", fix: "write the value out in full")
        }
    }

    /// Refuses the document if any node in it is anchored or an alias. Stops at the first one, so an
    /// alias bomb is never expanded.
    func checkNoAnchors() throws {
        try checkPlain()
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                try YAMLField(node: key, file: file, path: path).checkNoAnchors()
                try YAMLField(node: value, file: file, path: path.isEmpty ? key.string ?? "" : "\(path).\(key.string ?? "")")
                    .checkNoAnchors()
            }
        case .sequence(let sequence):
            for (index, item) in sequence.enumerated() {
                try YAMLField(node: item, file: file, path: "\(path)[\(index)]").checkNoAnchors()
            }
        case .scalar, .alias: break
        }
    }

    /// The members of a mapping; refuses keys not in `required` or `optional`, missing required keys
    /// and duplicate keys.
    func mapping(required: [String], optional: [String] = []) throws -> YAMLMapping {
        try checkPlain()
        guard case .mapping(let mapping) = node else {
            throw fail("expected a mapping (key: value lines), found \(kindName)", fix: "write key: value lines indented under this key (see README \"Bundle format\")")
        }
        var members: [String: YAMLField] = [:]
        for (keyNode, value) in mapping {
            let keyField = YAMLField(node: keyNode, file: file, path: path)
            try keyField.checkPlain()
            guard case .scalar(let key) = keyNode else { throw keyField.fail("keys must be plain strings", fix: "use a plain word as the key, e.g. name or model") }
            let childPath = path.isEmpty ? key.string : "\(path).\(key.string)"
            guard required.contains(key.string) || optional.contains(key.string) else {
                throw YAMLField(node: keyNode, file: file, path: childPath).fail(
                    "unknown key '\(Names.printable(key.string))'",
                    fix: "allowed keys here: \((required + optional).joined(separator: ", "))")
            }
            guard members[key.string] == nil else {
                throw YAMLField(node: keyNode, file: file, path: childPath).fail("duplicate key '\(Names.printable(key.string))'", fix: "keep one of them")
            }
            members[key.string] = YAMLField(node: value, file: file, path: childPath)
        }
        for key in required where members[key] == nil { throw missing(key) }
        return YAMLMapping(owner: self, members: members)
    }

    /// The error for a required key absent from this mapping.
    func missing(_ key: String) -> PromptRegError {
        fail("missing required key '\(key)'", fix: "add '\(key):' here (see README \"Bundle format\")")
    }

    /// The items of a sequence, at most `limit`.
    func sequence(limit: Int) throws -> [YAMLField] {
        try checkPlain()
        guard case .sequence(let sequence) = node else {
            throw fail("expected a list (lines starting with '- '), found \(kindName)", fix: "write each item on its own line starting with '- '")
        }
        guard sequence.count <= limit else {
            throw fail("has \(sequence.count) items; at most \(limit) are allowed", fix: "keep at most \(limit)")
        }
        return sequence.enumerated().map { YAMLField(node: $1, file: file, path: "\(path)[\($0)]") }
    }

    /// A non-empty string scalar.
    func string() throws -> String {
        let scalar = try plainScalar()
        guard tagName != .null, !scalar.string.isEmpty else { throw fail("must not be empty", fix: "give a value") }
        return scalar.string
    }

    /// An integer within `range`.
    func integer(in range: ClosedRange<Int64>) throws -> Int64 {
        let scalar = try plainScalar()
        guard tagName == .int, let value = node.int.map(Int64.init) else {
            throw fail("'\(Names.printable(scalar.string))' is not an integer", fix: "write a whole number without quotes")
        }
        return try checked(value, in: range, kind: "a whole number")
    }

    /// A number within `range`.
    func number(in range: ClosedRange<Double>) throws -> Double {
        let scalar = try plainScalar()
        guard tagName == .int || tagName == .float, let value = node.float, value.isFinite else {
            throw fail("'\(Names.printable(scalar.string))' is not a number", fix: "write a number without quotes, e.g. 0.2")
        }
        return try checked(value, in: range, kind: "a number")
    }

    /// `value` when `range` holds it; else an error naming the range.
    private func checked<T: Comparable>(_ value: T, in range: ClosedRange<T>, kind: String) throws -> T {
        guard range.contains(value) else {
            throw fail(
                "\(value) is out of range \(range.lowerBound)...\(range.upperBound)",
                fix: "use \(kind) from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A boolean (`true` or `false`).
    func boolean() throws -> Bool {
        let scalar = try plainScalar()
        guard tagName == .bool, let value = node.bool else {
            throw fail("'\(Names.printable(scalar.string))' is not true or false", fix: "write true or false without quotes")
        }
        return value
    }

    private func plainScalar() throws -> Yams.Node.Scalar {
        try checkPlain()
        guard case .scalar(let scalar) = node else { throw fail("expected a single value, found \(kindName)", fix: "give one value here, not a list or a mapping") }
        return scalar
    }

    private var tagName: Tag.Name { Tag.Name(rawValue: node.tag.rawValue) }

    private var kindName: String {
        switch node {
        case .scalar(let scalar): "the value '\(Names.printable(scalar.string))'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}

/// The members of a YAML mapping whose keys were checked against the allowed ones.
struct YAMLMapping {
    let owner: YAMLField
    let members: [String: YAMLField]

    /// The member `key`, if present.
    subscript(key: String) -> YAMLField? { members[key] }

    /// The member `key`, which `mapping(required:)` already checked is present.
    func required(_ key: String) throws -> YAMLField {
        guard let member = members[key] else { throw owner.missing(key) }
        return member
    }
}
