import Foundation
import Hummingbird
import PromptRegistry

/// Reading path and query parameters: percent-decoded and checked with the library's own rules
/// before anything is read or kept, so a bad name is a 400 that names the rule.
enum Parameters {
    /// The `name` path parameter, a valid bundle name.
    static func bundle(_ context: BasicRequestContext) throws -> String {
        let name = try decoded(context, "name")
        try Names.checkBundle(name)
        return name
    }

    /// `NAME@VERSION` from the `name` and `version` path parameters.
    static func version(_ context: BasicRequestContext) throws -> BundleReference {
        let name = try bundle(context)
        let text = try decoded(context, "version")
        guard text.utf8.count <= 64, !text.contains("@") else { throw notA("version", text) }
        let reference = try BundleReference(parsing: "\(name)@\(text)")
        guard case .version = reference else { throw notA("version", text) }
        return reference
    }

    /// `NAME@sha256:HEX` from the `name` and `digest` path parameters (`HEX` or `sha256:HEX`).
    static func digest(_ context: BasicRequestContext) throws -> BundleReference {
        let name = try bundle(context)
        let text = try decoded(context, "digest")
        guard let digest = Digest(parsing: text.hasPrefix("sha256:") ? text : "sha256:" + text) else { throw notA("digest", text) }
        return .digest(name, digest)
    }

    /// The query parameter `key` as a bundle name, when given.
    static func bundle(_ request: Request, _ key: String) throws -> String? {
        guard let name = request.uri.queryParameters[key[...]].map(String.init) else { return nil }
        try Names.checkBundle(name)
        return name
    }

    /// The query parameter `key` as a channel name, when given.
    static func channel(_ request: Request, _ key: String) throws -> String? {
        guard let name = request.uri.queryParameters[key[...]].map(String.init) else { return nil }
        try Names.checkChannel(name)
        return name
    }

    /// The query parameter `key` as a whole number in `range`, when given.
    static func integer(_ request: Request, _ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = request.uri.queryParameters[key[...]] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw PromptRegError(.usage, "\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound)", fix: "pass \(key)=\(range.lowerBound)")
        }
        return value
    }

    /// The query parameter `key` as a decimal number in `range`, when given.
    static func number(_ request: Request, _ key: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let text = request.uri.queryParameters[key[...]] else { return nil }
        guard text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let value = Double(text), range.contains(value) else {
            throw PromptRegError(
                .usage, "\(key) must be a number of seconds from \(range.lowerBound) to \(range.upperBound)", fix: "pass \(key)=\(Int(range.upperBound))")
        }
        return value
    }

    /// A path parameter, percent-decoded.
    private static func decoded(_ context: BasicRequestContext, _ key: String) throws -> String {
        guard let raw = context.parameters.get(key), let text = raw.removingPercentEncoding else {
            throw PromptRegError(.usage, "the \(key) in the path is not valid percent-encoded UTF-8")
        }
        return text
    }

    private static func notA(_ what: String, _ text: String) -> PromptRegError {
        PromptRegError(
            .invalidInput, "'\(text.prefix(80))' is not a \(what)",
            fix: what == "digest" ? "write 64 lowercase hex digits, optionally after sha256:" : "write a version as X.Y.Z")
    }
}
