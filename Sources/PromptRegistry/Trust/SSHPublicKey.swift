import Crypto
import Foundation

/// An Ed25519 public key as OpenSSH names it (`ssh-ed25519`): the only key type promptreg signs
/// and verifies with. Two keys are equal when their key bytes are; comments are not part of a key.
public struct SSHPublicKey: Sendable, Hashable, CustomStringConvertible {
    /// OpenSSH's name of the key type.
    public static let keyType = "ssh-ed25519"

    /// The 32 bytes of the Ed25519 public key.
    public let rawRepresentation: Data

    /// The key whose 32 Ed25519 public key bytes are `rawRepresentation`.
    public init(rawRepresentation: Data) throws {
        guard rawRepresentation.count == 32, (try? Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation)) != nil
        else {
            throw PromptRegError(
                .invalidInput, "an ssh-ed25519 public key has 32 bytes, not \(rawRepresentation.count)",
                fix: SSHKeyAdvice.generate)
        }
        self.rawRepresentation = Data(rawRepresentation)
    }

    /// The key encoded in OpenSSH's public key blob (`string "ssh-ed25519"`, `string key`), as it
    /// appears in signatures, private key files and, base64-encoded, in public key lines.
    public init(blob: Data) throws {
        var reader = SSHWireReader(blob, context: "SSH public key", code: .invalidInput, fix: SSHKeyAdvice.generate)
        let type = try reader.text("key type")
        guard type == Self.keyType else { throw SSHKeyAdvice.unsupportedKeyType(type, in: "SSH public key") }
        let key = try reader.string("ssh-ed25519 key")
        try reader.expectEnd()
        try self.init(rawRepresentation: key)
    }

    /// The key on an OpenSSH public key line, `ssh-ed25519 AAAA... [comment]` (the format of
    /// `id_ed25519.pub`); the comment is dropped (see `parse(line:)` to keep it).
    public init(line: String) throws {
        self = try Self.parse(line: line).key
    }

    /// The key and the comment (empty when there is none) on an OpenSSH public key line.
    public static func parse(line: String) throws -> (key: SSHPublicKey, comment: String) {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        let fields = trimmed.split(maxSplits: 2, omittingEmptySubsequences: true) { $0 == " " || $0 == "\t" }
        guard fields.count >= 2 else {
            throw PromptRegError(
                .invalidInput, "not an SSH public key line (expected `ssh-ed25519 AAAA... comment`): \(trimmed.prefix(40))",
                fix: SSHKeyAdvice.generate)
        }
        let key = try decode(type: String(fields[0]), base64: String(fields[1]), context: "SSH public key line")
        let comment = fields.count > 2 ? fields[2].trimmingCharacters(in: .whitespaces) : ""
        return (key, comment)
    }

    /// The key named by a key type and its base64 blob, as the two fields of a public key line.
    static func decode(type: String, base64: String, context: String) throws -> SSHPublicKey {
        guard type == keyType else { throw SSHKeyAdvice.unsupportedKeyType(type, in: context) }
        guard let blob = Data(base64Encoded: base64) else {
            throw PromptRegError(.invalidInput, "\(context): the key is not valid base64", fix: SSHKeyAdvice.generate)
        }
        let key = try SSHPublicKey(blob: blob)
        return key
    }

    /// OpenSSH's public key blob: `string "ssh-ed25519"`, `string key`.
    public var blob: Data {
        var writer = SSHWireWriter()
        writer.string(Self.keyType)
        writer.string(rawRepresentation)
        return writer.bytes
    }

    /// The public key line `ssh-ed25519 AAAA...`, followed by ` comment` when `comment` is not empty.
    public func line(comment: String = "") -> String {
        let line = "\(Self.keyType) \(blob.base64EncodedString())"
        return comment.isEmpty ? line : "\(line) \(comment)"
    }

    /// The fingerprint `ssh-keygen -l` prints: `SHA256:` and the unpadded base64 of the blob's SHA-256.
    public var fingerprint: String {
        let digest = Data(SHA256.hash(data: blob)).base64EncodedString()
        return "SHA256:" + digest.replacingOccurrences(of: "=", with: "")
    }

    /// `ED25519 key SHA256:...`, as OpenSSH names a key in messages.
    public var description: String { "ED25519 key \(fingerprint)" }

    /// True when `signature` (64 bytes) is this key's Ed25519 signature of `data`.
    func isValidSignature(_ signature: Data, for data: Data) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation) else { return false }
        return key.isValidSignature(signature, for: data)
    }
}

/// The advice every key error gives: what promptreg supports and the commands that make it.
enum SSHKeyAdvice {
    /// How to make a key promptreg can use.
    static let generate = "promptreg signs with unencrypted OpenSSH ed25519 keys: make one with `ssh-keygen -t ed25519 -N \"\" -f KEYFILE`"

    /// The error for a key of `type` (anything but ssh-ed25519) found in `context`.
    static func unsupportedKeyType(_ type: String, in context: String) -> PromptRegError {
        PromptRegError(
            .invalidInput, "\(context): \(type.isEmpty ? "an unnamed" : type) key; only ssh-ed25519 keys are supported",
            fix: generate)
    }
}
