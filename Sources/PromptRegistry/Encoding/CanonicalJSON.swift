import Foundation

/// Conversions between `Codable` documents, JSON bytes and canonical JSON (see `JSONValue`).
enum CanonicalJSON {
    /// `document` as a JSON value (object keys as its `CodingKeys` say).
    static func value(of document: some Encodable) -> JSONValue {
        do {
            let data = try JSONEncoder().encode(document)
            return try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            preconditionFailure("a promptreg document failed to encode: \(error)")
        }
    }

    /// The canonical bytes of `document`.
    static func bytes(of document: some Encodable) -> [UInt8] {
        value(of: document).canonicalBytes
    }

    /// The deepest nesting of arrays and objects any JSON document may have.
    static let maxDepth = 32

    /// Decodes a stored or user-written JSON document, turning a decoding failure into an error
    /// that names `file` and the field. Nesting deeper than `maxDepth` is refused before parsing.
    static func decode<T: Decodable>(
        _ type: T.Type, from data: Data, file: String, code: PromptRegError.Code = .invalidInput, maxDepth: Int = maxDepth
    ) throws -> T {
        func failure(_ problem: String) -> PromptRegError {
            code == .integrity
                ? PromptRegError(
                    code, "\(file): \(problem)", fix: "find out what else is damaged", remedy: .verify, subject: .init(file: file))
                : PromptRegError(
                    code, "\(file): \(problem)",
                    fix: "correct the JSON (quotes, commas, brackets; keys and types as README \"Bundle format\" says)",
                    subject: .init(file: file))
        }
        if let depth = nestingBeyond(maxDepth, in: data) {
            throw failure("nested too deeply (\(depth) levels or more; the limit is \(maxDepth))")
        }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            let (path, problem) = describe(error)
            throw failure("\(path.isEmpty ? "" : path + ": ")\(problem)")
        } catch {
            throw failure("not valid JSON: \(error)")
        }
    }

    /// The depth reached when `data` nests arrays and objects deeper than `limit` (outside
    /// strings); nil when it does not.
    private static func nestingBeyond(_ limit: Int, in data: Data) -> Int? {
        var depth = 0
        var inString = false
        var escaped = false
        for byte in data {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") {
                depth += 1
                if depth > limit { return depth }
            } else if byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
                depth -= 1
            }
        }
        return nil
    }

    private static func describe(_ error: DecodingError) -> (String, String) {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
                .replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return (path(context.codingPath), "missing key '\(key.stringValue)'")
        case .typeMismatch(let type, let context):
            return (path(context.codingPath), "expected \(type): \(context.debugDescription)")
        case .valueNotFound(let type, let context):
            return (path(context.codingPath), "missing value of type \(type)")
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as NSError?)?.userInfo["NSDebugDescription"] as? String
            return (path(context.codingPath), underlying ?? context.debugDescription)
        @unknown default:
            return ("", "\(error)")
        }
    }
}

extension JSONValue {
    /// Parses JSON `data` read from `file`; a syntax error is an invalid-input error naming the file.
    public init(parsing data: Data, file: String) throws {
        self = try CanonicalJSON.decode(JSONValue.self, from: data, file: file)
    }
}
