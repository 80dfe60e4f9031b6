import Foundation

/// An OpenSSH `allowed_signers` file (ssh-keygen(1), ALLOWED SIGNERS), the list git's
/// `gpg.ssh.allowedSignersFile` names: which keys may sign as which principals, for which
/// namespaces and when. Parsed by `AllowedSigners+Parsing.swift`.
///
/// Only ssh-ed25519 keys are accepted, and certificate authorities (`cert-authority`) are not.
public struct AllowedSigners: Sendable, Equatable {
    /// One line of the file: a key and what it may sign as.
    public struct Entry: Sendable, Equatable {
        /// The 1-based line number in the file.
        public let line: Int
        /// The principal patterns (`alice@example.com`, `*@example.com`, `!bob@example.com`), as written.
        public var principals: [String] { principalList.patterns }
        /// The namespace patterns of `namespaces="..."`; nil when the line allows every namespace.
        public var namespaces: [String]? { namespaceList?.patterns }
        /// From `valid-after`: the key signs at or after this moment only.
        public let validAfter: Date?
        /// From `valid-before`: the key signs at or before this moment only.
        public let validBefore: Date?
        /// The key.
        public let key: SSHPublicKey
        /// Whatever follows the key on the line; may be empty.
        public let comment: String

        let principalList: SSHPatternList
        let namespaceList: SSHPatternList?

        /// True when the line lets its key sign for `namespace`.
        public func permits(namespace: String) -> Bool { namespaceList?.matches(namespace) ?? true }

        /// True when `time` is inside the line's validity window (both ends included, as in ssh-keygen).
        public func isValid(at time: Date) -> Bool {
            if let validAfter, time < validAfter { return false }
            if let validBefore, time > validBefore { return false }
            return true
        }

        /// True when `principal` matches the line's principal patterns (as `ssh-keygen -Y verify -I` checks).
        public func matches(principal: String) -> Bool { principalList.matches(principal) }
    }

    /// The key lines, in file order.
    public let entries: [Entry]
    /// The file's name, for messages.
    public let source: String

    /// The principal patterns under which `key` may sign for `namespace` at `time`, in file order
    /// without repeats; empty when it may not sign at all.
    public func principals(for key: SSHPublicKey, namespace: String, at time: Date) -> [String] {
        var seen = Set<String>()
        return entries.filter { $0.key == key && $0.permits(namespace: namespace) && $0.isValid(at: time) }
            .flatMap(\.principals).filter { !$0.hasPrefix("!") && seen.insert($0).inserted }
    }

    /// True when `key` may sign as `principal` for `namespace` at `time`.
    public func allows(_ principal: String, key: SSHPublicKey, namespace: String, at time: Date) -> Bool {
        entries.contains {
            $0.key == key && $0.permits(namespace: namespace) && $0.isValid(at: time) && $0.matches(principal: principal)
        }
    }

    /// The principal patterns `key` may sign as for `namespace` at `time`; throws an integrity
    /// error that says why when there are none (unknown key, namespace not allowed, outside the
    /// validity window).
    @discardableResult
    public func authorize(_ key: SSHPublicKey, namespace: String, at time: Date) throws -> [String] {
        let principals = principals(for: key, namespace: namespace, at: time)
        if !principals.isEmpty { return principals }
        let lines = entries.filter { $0.key == key }
        guard !lines.isEmpty else {
            throw PromptRegError(
                .integrity, "\(key) is not in \(source): the signer is not allowed",
                fix: "if the signer should be trusted, add `PRINCIPAL \(key.line())` to \(source)")
        }
        let inNamespace = lines.filter { $0.permits(namespace: namespace) }
        guard let line = inNamespace.first else {
            let numbers = lines.map { String($0.line) }.joined(separator: ", ")
            throw PromptRegError(
                .integrity, "\(source):\(numbers): \(key) may not sign for namespace \"\(namespace)\"",
                fix: "add \(namespace) to the key's namespaces=\"...\" option if it should sign for it")
        }
        let when = Self.format(time)
        if let after = line.validAfter, time < after {
            throw PromptRegError(
                .integrity, "\(source):\(line.line): \(key) is not valid yet at \(when) (valid-after \(Self.format(after)))",
                fix: "sign again once the key is valid, or correct its valid-after time")
        }
        throw PromptRegError(
            .integrity,
            "\(source):\(line.line): \(key) has expired at \(when) (valid-before \(line.validBefore.map(Self.format) ?? "?"))",
            fix: "sign again with a key that is currently valid")
    }

    /// Verifies the armored SSH signature over `message` for `namespace`, then checks that its key
    /// may sign at `time` (for git: the commit's committer time); returns who signed.
    public func verify(armoredSignature: String, message: Data, namespace: String, at time: Date) throws -> VerifiedSigner {
        let key = try SSHSignature.verify(armored: armoredSignature, message: message, namespace: namespace)
        return VerifiedSigner(key: key, principals: try authorize(key, namespace: namespace, at: time))
    }

    /// `time` in UTC, as `2024-05-01T12:00:00Z`.
    private static func format(_ time: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: time)
    }
}

/// The signer of a verified signature: its key and the principals it may sign as.
public struct VerifiedSigner: Sendable, Equatable {
    /// The key that made the signature.
    public let key: SSHPublicKey
    /// The principal patterns the allowed signers file gives the key.
    public let principals: [String]
}
