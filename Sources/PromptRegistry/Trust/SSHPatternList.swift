/// OpenSSH's pattern lists (PATTERNS in ssh_config(5)), as allowed_signers uses them for
/// principals and namespaces: comma-separated patterns where `*` matches any run of characters,
/// `?` exactly one, and a leading `!` negates. A list matches when some plain pattern matches and
/// no negated one does. Case-sensitive, as ssh-keygen compares principals and namespaces.
struct SSHPatternList: Sendable, Equatable {
    /// The comma-separated patterns, as written.
    let patterns: [String]

    /// The list written as `text`.
    init(_ text: String) {
        patterns = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }

    /// True when `candidate` matches the list.
    func matches(_ candidate: String) -> Bool {
        let subject = Array(candidate.utf8)
        var positive = false
        for pattern in patterns {
            if pattern.hasPrefix("!") {
                if Self.match(subject[...], Array(pattern.utf8.dropFirst())[...]) { return false }
            } else if Self.match(subject[...], Array(pattern.utf8)[...]) {
                positive = true
            }
        }
        return positive
    }

    /// True when all of `subject` matches all of the wildcard `pattern`.
    private static func match(_ subject: ArraySlice<UInt8>, _ pattern: ArraySlice<UInt8>) -> Bool {
        var subject = subject
        var pattern = pattern
        while let head = pattern.first {
            switch head {
            case UInt8(ascii: "*"):
                pattern = pattern.dropFirst()
                if pattern.isEmpty { return true }
                // Try every split point of the rest of the subject.
                var rest = subject
                while true {
                    if match(rest, pattern) { return true }
                    if rest.isEmpty { return false }
                    rest = rest.dropFirst()
                }
            case UInt8(ascii: "?"):
                guard !subject.isEmpty else { return false }
            default:
                guard subject.first == head else { return false }
            }
            subject = subject.dropFirst()
            pattern = pattern.dropFirst()
        }
        return subject.isEmpty
    }
}
