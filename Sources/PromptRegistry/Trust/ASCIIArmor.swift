import Foundation

/// OpenSSH's text armor: a `-----BEGIN <label>-----` line, the base64 of the bytes wrapped at 70
/// columns, and an `-----END <label>-----` line, each ending in a newline (as `ssh-keygen` writes
/// private keys and signatures).
enum ASCIIArmor {
    /// The column at which OpenSSH wraps base64 text.
    static let lineLength = 70

    /// `bytes` armored under `label` (e.g. `SSH SIGNATURE`).
    static func armor(_ bytes: Data, label: String) -> String {
        let base64 = Array(bytes.base64EncodedString())
        var text = "-----BEGIN \(label)-----\n"
        var start = 0
        while start < base64.count {
            let end = min(start + lineLength, base64.count)
            text += String(base64[start..<end]) + "\n"
            start = end
        }
        return text + "-----END \(label)-----\n"
    }

    /// The bytes armored under `label` in `text` (surrounding white space and any line breaks in
    /// the base64 are ignored); nil when `text` is not such an armor or its base64 is invalid.
    static func dearmor(_ text: String, label: String) -> Data? {
        let begin = "-----BEGIN \(label)-----"
        let end = "-----END \(label)-----"
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix(begin), trimmed.hasSuffix(end), trimmed.count >= begin.count + end.count else { return nil }
        let body = trimmed.dropFirst(begin.count).dropLast(end.count).filter { !$0.isWhitespace }
        guard !body.isEmpty else { return nil }
        return Data(base64Encoded: String(body))
    }
}
