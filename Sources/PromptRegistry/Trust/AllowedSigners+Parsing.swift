import Foundation

/// Reading allowed_signers text: `principals [options] ssh-ed25519 AAAA... [comment]` per line,
/// blank lines and `#` comments ignored. Any line that cannot be read fails the whole file with
/// its line number, so that a typo never silently drops (or widens) a signer.
extension AllowedSigners {
    /// Parses allowed_signers `text`; `source` names the file in errors. `valid-after` and
    /// `valid-before` times without a `Z` suffix are read in `zone`: UTC unless told otherwise,
    /// whereas stock ssh-keygen uses the machine's local zone (see `SignerTimestamp`).
    public init(
        parsing text: String, source: String = "allowed_signers", unsuffixedTimesIn zone: TimeZone = TimeZone(identifier: "UTC")!
    ) throws {
        var entries: [Entry] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine
            if line.hasSuffix("\r") { line = line.dropLast() }
            var parser = LineParser(text: line, source: source, number: index + 1, zone: zone)
            if let entry = try parser.entry() { entries.append(entry) }
        }
        self.entries = entries
        self.source = source
    }

    /// Reads and parses the allowed_signers file at `path` (see `init(parsing:source:unsuffixedTimesIn:)`).
    public init(contentsOf path: String, unsuffixedTimesIn zone: TimeZone = TimeZone(identifier: "UTC")!) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw PromptRegError(
                .notFound, "cannot read the allowed signers file \(path): \(error.localizedDescription)",
                fix: "create it with one `PRINCIPAL ssh-ed25519 AAAA...` line per signer")
        }
        try self.init(parsing: text, source: path, unsuffixedTimesIn: zone)
    }
}

/// Reads one allowed_signers line, left to right.
private struct LineParser {
    private var rest: Substring
    private let source: String
    private let number: Int
    private let zone: TimeZone

    init(text: Substring, source: String, number: Int, zone: TimeZone) {
        rest = text
        self.source = source
        self.number = number
        self.zone = zone
    }

    /// The line's entry; nil for a blank or comment line.
    mutating func entry() throws -> AllowedSigners.Entry? {
        skipSpace()
        if rest.isEmpty || rest.hasPrefix("#") { return nil }
        let principals = try principalsField()
        guard !principals.isEmpty else { throw failure("the principals field is empty") }
        skipSpace()
        var options = Options()
        let first = try token()
        guard !first.isEmpty else { throw failure("no key after the principals") }
        var keyType = first
        if !Self.looksLikeKeyType(first) {
            options = try parseOptions(first)
            skipSpace()
            keyType = try token()
            guard !keyType.isEmpty else { throw failure("no key after the options") }
        }
        skipSpace()
        let base64 = try token()
        guard !base64.isEmpty else { throw failure("no base64 key after \(keyType)") }
        let key: SSHPublicKey
        do {
            key = try SSHPublicKey.decode(type: keyType, base64: base64, context: "key")
        } catch let error as PromptRegError {
            throw failure(error.message.hasPrefix("key: ") ? String(error.message.dropFirst(5)) : error.message)
        }
        if let after = options.validAfter, let before = options.validBefore, before <= after {
            throw failure("valid-before is not after valid-after")
        }
        return AllowedSigners.Entry(
            line: number, validAfter: options.validAfter, validBefore: options.validBefore, key: key,
            comment: rest.trimmingCharacters(in: .whitespaces), principalList: SSHPatternList(principals),
            namespaceList: options.namespaces.map(SSHPatternList.init))
    }

    /// The options a line may carry.
    private struct Options {
        var namespaces: String?
        var validAfter: Date?
        var validBefore: Date?
    }

    /// The principals: a pattern list, or a double-quoted one.
    private mutating func principalsField() throws -> String {
        guard rest.first == "\"" else { return try token() }
        rest = rest.dropFirst()
        guard let close = rest.firstIndex(of: "\"") else { throw failure("the quoted principals have no closing quote") }
        let principals = String(rest[..<close])
        rest = rest[rest.index(after: close)...]
        return principals
    }

    /// `name="value",...`: `namespaces`, `valid-after` and `valid-before` (names are case-insensitive).
    private func parseOptions(_ text: String) throws -> Options {
        var options = Options()
        var seen = Set<String>()
        for option in Self.splitOutsideQuotes(text) {
            let parts = option.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = parts[0].lowercased()
            if name == "cert-authority" {
                throw failure("cert-authority is not supported: promptreg accepts plain ssh-ed25519 keys, not certificates")
            }
            guard ["namespaces", "valid-after", "valid-before"].contains(name) else {
                throw failure(
                    "unsupported option `\(parts[0])` (or a key type promptreg does not know); expected namespaces=, valid-after= or valid-before=")
            }
            guard seen.insert(name).inserted else { throw failure("\(name) is given twice") }
            guard parts.count == 2, parts[1].count >= 2, parts[1].hasPrefix("\""), parts[1].hasSuffix("\"") else {
                throw failure("\(name) needs a double-quoted value, e.g. \(name)=\"\(name == "namespaces" ? "git" : "20250101Z")\"")
            }
            let value = String(parts[1].dropFirst().dropLast())
            switch name {
            case "namespaces":
                guard !value.isEmpty else { throw failure("namespaces is empty") }
                options.namespaces = value
            default:
                guard let time = SignerTimestamp.parse(value, unsuffixedIn: zone) else {
                    throw failure("\(name) \"\(value)\" is not a time (YYYYMMDD[Z] or YYYYMMDDHHMM[SS][Z])")
                }
                if name == "valid-after" { options.validAfter = time } else { options.validBefore = time }
            }
        }
        return options
    }

    /// The next run of characters up to white space that is not inside double quotes.
    private mutating func token() throws -> String {
        var quoted = false
        var end = rest.startIndex
        while end < rest.endIndex, quoted || !(rest[end] == " " || rest[end] == "\t") {
            if rest[end] == "\"" { quoted.toggle() }
            end = rest.index(after: end)
        }
        guard !quoted else { throw failure("a double quote is not closed") }
        let token = String(rest[..<end])
        rest = rest[end...]
        return token
    }

    private mutating func skipSpace() {
        rest = rest.drop { $0 == " " || $0 == "\t" }
    }

    /// True for a token that names a key type rather than options (`ssh-`, `ecdsa-`, `sk-` names).
    private static func looksLikeKeyType(_ token: String) -> Bool {
        token.hasPrefix("ssh-") || token.hasPrefix("ecdsa-") || token.hasPrefix("sk-")
    }

    /// `text` split at the commas that are not inside double quotes.
    private static func splitOutsideQuotes(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var quoted = false
        for character in text {
            if character == "\"" { quoted.toggle() }
            if character == ",", !quoted {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        return parts
    }

    /// The invalid-input error for this line.
    private func failure(_ problem: String) -> PromptRegError {
        .invalid(
            file: source, line: number, problem,
            fix: "write `PRINCIPAL[,PRINCIPAL] [namespaces=\"git\"] [valid-after=\"YYYYMMDD\"] [valid-before=\"YYYYMMDD\"] ssh-ed25519 AAAA... [comment]` (see ssh-keygen(1), ALLOWED SIGNERS)")
    }
}
