import Crypto
import Foundation

/// An ssh server's host key as libgit2 hands it over: the key blob in ssh's wire format (the
/// base64-decoded third field of a known_hosts line).
package struct SSHHostKey: Sendable, Equatable {
    /// The key blob.
    package let blob: Data

    /// Wraps `blob`.
    package init(blob: Data) { self.blob = blob }

    /// The key's type as ssh names it (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`): the first
    /// string of the blob.
    package var type: String {
        guard blob.count >= 4 else { return "unknown" }
        let bytes = [UInt8](blob)
        let length = bytes[0..<4].reduce(0) { $0 << 8 | Int($1) }
        guard length > 0, 4 + length <= bytes.count else { return "unknown" }
        return String(decoding: bytes[4..<(4 + length)], as: UTF8.self)
    }

    /// The fingerprint ssh prints: `SHA256:` and the unpadded base64 of the blob's SHA-256.
    package var fingerprint: String {
        "SHA256:" + Data(SHA256.hash(data: blob)).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    /// The known_hosts line that trusts this key for `host` (`host` or `[host]:port`).
    package func knownHostsLine(host: String) -> String { "\(host) \(type) \(blob.base64EncodedString())" }
}

/// Why a server's ssh host key was refused, with what the user needs to decide: carried by a
/// `.hostKey` `GitError`.
package struct HostKeyRefusal: Sendable, Equatable {
    /// The kinds of refusal.
    package enum Kind: Sendable, Equatable {
        /// No known_hosts file has a line for this host.
        case unknown
        /// A known_hosts line for this host holds another key (or marks this one `@revoked`):
        /// the file and line number.
        case changed(file: String, line: Int)
    }

    /// Unknown or changed.
    package let kind: Kind
    /// The host as known_hosts names it (`host` or `[host]:port`).
    package let host: String
    /// The key the server presented.
    package let key: SSHHostKey
    /// The known_hosts file a trusted line belongs in.
    package let file: String

    /// The exact line that trusts the presented key.
    package var line: String { key.knownHostsLine(host: host) }
}

/// The known_hosts files ssh host keys are checked against, as OpenSSH reads them: plain and
/// hashed (`|1|salt|hash`) host patterns, `[host]:port` for other ports, `*`/`?` wildcards,
/// `!` negations, `@revoked` lines (`@cert-authority` lines are skipped: certificates are not
/// supported).
struct KnownHosts {
    /// The files read, in order; the first is where `append` writes.
    let files: [String]

    /// What the files say about `key` for `host` (`host` or `[host]:port`): nil when a line
    /// trusts it, else the refusal.
    func refusal(of key: SSHHostKey, host: String) -> HostKeyRefusal? {
        var conflicting: (file: String, line: Int)?
        for file in files {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                guard let entry = Entry(rawLine), entry.matches(host: host) else { continue }
                if entry.key == key.blob && !entry.revoked { return nil }
                if conflicting == nil { conflicting = (file, index + 1) }
            }
        }
        return HostKeyRefusal(
            kind: conflicting.map { .changed(file: $0.file, line: $0.line) } ?? .unknown, host: host, key: key,
            file: files.first ?? "known_hosts")
    }

    /// Appends `line` to the first file (creating it, and its directory with mode 0700, when missing).
    func append(_ line: String) throws {
        guard let file = files.first else { return }
        let directory = (file as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        if !FileManager.default.fileExists(atPath: file) {
            guard FileManager.default.createFile(atPath: file, contents: nil, attributes: [.posixPermissions: 0o644]) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: file])
            }
        }
        // A last line without its newline gets one first.
        let existing = try Data(contentsOf: URL(fileURLWithPath: file))
        let endsOpen = existing.last.map { $0 != UInt8(ascii: "\n") } ?? false
        let text = (endsOpen ? "\n" : "") + line + "\n"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }

    /// One line of a known_hosts file.
    private struct Entry {
        let patterns: [Substring]
        let key: Data
        let revoked: Bool

        init?(_ line: Substring) {
            var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = fields.first, !first.hasPrefix("#") else { return nil }
            var revoked = false
            if first.hasPrefix("@") {
                guard first == "@revoked" else { return nil }
                revoked = true
                fields.removeFirst()
            }
            guard fields.count >= 3, let key = Data(base64Encoded: String(fields[2])) else { return nil }
            patterns = fields[0].split(separator: ",")
            self.key = key
            self.revoked = revoked
        }

        /// True when a pattern matches `host` and no negated one does.
        func matches(host: String) -> Bool {
            var matched = false
            for pattern in patterns {
                if pattern.hasPrefix("!") {
                    if Self.matches(pattern.dropFirst(), host) { return false }
                } else if Self.matches(pattern, host) {
                    matched = true
                }
            }
            return matched
        }

        private static func matches(_ pattern: Substring, _ host: String) -> Bool {
            if pattern.hasPrefix("|1|") {
                let parts = pattern.split(separator: "|")
                guard parts.count == 3, let salt = Data(base64Encoded: String(parts[1])),
                    let hash = Data(base64Encoded: String(parts[2]))
                else { return false }
                let code = HMAC<Insecure.SHA1>.authenticationCode(for: Data(host.utf8), using: SymmetricKey(data: salt))
                return Data(code) == hash
            }
            return glob(Array(pattern.lowercased()), Array(host.lowercased()))
        }

        /// OpenSSH's pattern match: `*` any run of characters, `?` any one.
        private static func glob(_ pattern: [Character], _ text: [Character]) -> Bool {
            guard let first = pattern.first else { return text.isEmpty }
            let rest = Array(pattern.dropFirst())
            switch first {
            case "*": return (0...text.count).contains { glob(rest, Array(text.dropFirst($0))) }
            case "?": return !text.isEmpty && glob(rest, Array(text.dropFirst()))
            default: return text.first == first && glob(rest, Array(text.dropFirst()))
            }
        }
    }
}
