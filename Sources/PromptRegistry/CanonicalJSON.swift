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

    /// Decodes a stored or user-written JSON document, turning a decoding failure into an error
    /// that names `file` and the field.
    static func decode<T: Decodable>(
        _ type: T.Type, from data: Data, file: String, code: PromptRegError.Code = .invalidInput
    ) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            let (path, problem) = describe(error)
            throw PromptRegError(code, "\(file): \(path.isEmpty ? "" : path + ": ")\(problem)", fix: fix(for: code))
        } catch {
            throw PromptRegError(code, "\(file): not valid JSON: \(error)", fix: fix(for: code))
        }
    }

    private static func fix(for code: PromptRegError.Code) -> String {
        code == .integrity
            ? "run 'promptreg verify' to see what else is damaged"
            : "correct the JSON (quotes, commas, brackets; keys and types as README \"Bundle format\" says)"
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
