import Foundation

/// Rules about what a bundle may contain beyond its structure: pinned models, secrets and hidden characters.
public enum ContentPolicy {
    /// The rule for a pinned model id, as documented in the README.
    public static let pinnedModelRule =
        "a model id is floating when it contains 'latest' (any case); otherwise it is pinned when it contains a date "
        + "(YYYYMMDD or YYYY-MM-DD, year 2000-2099) or ends with a version suffix: '-' and 3 or 4 digits "
        + "(gemini-1.5-pro-002, gpt-4-0613), '@' and digits (text-bison@002), '-v' and digits, or ':' and digits"

    /// Nil when `id` is pinned; otherwise why it is floating.
    public static func floatingReason(modelID id: String) -> String? {
        let lower = id.lowercased()
        if lower.contains("latest") { return "it contains 'latest', which moves when the provider ships a new model" }
        if containsDate(lower) || hasVersionSuffix(lower) { return nil }
        return "it has no date (YYYYMMDD or YYYY-MM-DD) and no version suffix, so the provider may move it"
    }

    /// A secret found in text: what it looks like and on which line.
    public struct SecretFinding: Sendable, Equatable {
        /// e.g. `an OpenAI API key (sk-...)`.
        public let kind: String
        /// 1-based line number.
        public let line: Int
    }

    /// Finds likely secrets (API keys, private key blocks). Best effort: it knows common shapes only.
    public static func findSecrets(in text: String) -> [SecretFinding] {
        var findings: [SecretFinding] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            for pattern in secretPatterns where line.contains(pattern.regex) {
                findings.append(SecretFinding(kind: pattern.kind, line: index + 1))
            }
        }
        return findings
    }

    /// An invisible or bidirectional-control character found in text.
    public struct HiddenCharacter: Sendable, Equatable {
        /// The character, e.g. `U+202E`.
        public let codePoint: String
        /// 1-based line number.
        public let line: Int
    }

    /// The first character that can hide or reorder text from a reviewer: control characters
    /// other than tab, newline and carriage return; zero-width characters and joiners; bidirectional
    /// embeddings, overrides and isolates; the byte-order mark; and Unicode tag characters (which
    /// can smuggle invisible instructions to a model).
    public static func findHiddenCharacter(in text: String) -> HiddenCharacter? {
        var line = 1
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                line += 1
                continue
            }
            let value = scalar.value
            let hidden =
                (value < 0x20 && value != 0x09 && value != 0x0d) || value == 0x7f || (0x80...0x9f).contains(value)
                || value == 0x061c || (0x200b...0x200f).contains(value) || (0x202a...0x202e).contains(value)
                || (0x2060...0x2064).contains(value) || (0x2066...0x2069).contains(value) || value == 0xfeff
                || (0xfff9...0xfffb).contains(value) || (0xe0000...0xe007f).contains(value)
            if hidden { return HiddenCharacter(codePoint: String(format: "U+%04X", value), line: line) }
        }
        return nil
    }

    private nonisolated(unsafe) static let secretPatterns: [(kind: String, regex: Regex<Substring>)] = [
        ("an Anthropic API key (sk-ant-...)", /sk-ant-[A-Za-z0-9_\-]{16,}/),
        ("an OpenAI-style API key (sk-...)", /sk-(?:proj-)?[A-Za-z0-9]{20,}/),
        ("an AWS access key id (AKIA...)", /(?:AKIA|ASIA)[0-9A-Z]{16}/),
        ("a private key block", /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----/),
        ("a GitHub token (ghp_...)", /gh[pousr]_[A-Za-z0-9]{36,}/),
        ("a Slack token (xox...)", /xox[abprs]-[A-Za-z0-9-]{10,}/),
        ("a Google API key (AIza...)", /AIza[0-9A-Za-z_\-]{35}/),
    ]

    private static func containsDate(_ id: String) -> Bool {
        id.contains(/20\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])/)
            || id.contains(/20\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])/)
    }

    private static func hasVersionSuffix(_ id: String) -> Bool {
        id.contains(/-\d{3,4}$/) || id.contains(/@\d+$/) || id.contains(/-v\d+$/) || id.contains(/:\d+$/)
    }
}
