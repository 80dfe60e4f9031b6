import Foundation

/// A JSON document the registry stores (in a state commit or a version commit). Reading one never
/// trusts it: its size is bounded before it is parsed, its nesting while it is parsed, and every
/// number it holds is range-checked after, so a hostile registry cannot crash or mislead a reader.
protocol StoredDocument: Decodable {
    /// What is out of range in this document, if anything (e.g. `traffic 101 is outside 0...100`).
    var rangeProblem: String? { get }
}

extension StoredDocument {
    var rangeProblem: String? { nil }

    /// Decodes a stored document read from `location`; any failure is an integrity error naming it.
    static func read(from data: Data, location: String) throws -> Self {
        guard data.count <= StoredDocumentLimit.maxBytes else {
            throw PromptRegError(
                .integrity, "\(location): \(data.count) bytes; a stored document is at most \(StoredDocumentLimit.maxBytes) bytes (1 MiB)",
                fix: "the registry holds a document promptreg never writes; restore it from a clone or backup", remedy: .verify,
                subject: .init(file: location))
        }
        let document = try CanonicalJSON.decode(Self.self, from: data, file: location, code: .integrity)
        if let problem = document.rangeProblem {
            throw PromptRegError(
                .integrity, "\(location): \(problem)",
                fix: "the registry holds a value promptreg never writes; restore it from a clone or backup", remedy: .verify,
                subject: .init(file: location))
        }
        return document
    }
}

/// Limits on what a reader accepts from a registry.
enum StoredDocumentLimit {
    /// The largest stored document read.
    static let maxBytes = 1 << 20
}

/// The problem with a state sequence number, if it is negative.
func sequenceProblem(_ seq: Int64) -> String? {
    seq < 0 ? "sequence number \(seq) is negative" : nil
}

/// The problem with a canary traffic share, if it is not a finite number in 0...100.
func trafficProblem(_ traffic: Double?) -> String? {
    guard let traffic, !(traffic.isFinite && (0...100).contains(traffic)) else { return nil }
    return "traffic \(traffic) is outside 0...100"
}

extension SemanticVersion: StoredDocument {}
extension Manifest: StoredDocument {}
extension PromptLayer: StoredDocument {}
extension ModelLayer: StoredDocument {}
extension ParametersLayer: StoredDocument {}
extension ToolsLayer: StoredDocument {}
extension OutputLayer: StoredDocument {}
