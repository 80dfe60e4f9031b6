import Crypto
import Foundation

/// A signature in OpenSSH's SSHSIG format (PROTOCOL.sshsig), the format `ssh-keygen -Y sign`
/// writes and git uses for commits when `gpg.format=ssh` (namespace `git`). Only ssh-ed25519
/// signatures are made and accepted; messages are hashed with SHA-512 (SHA-256 is also accepted
/// when verifying, as the format allows it).
public struct SSHSignature: Sendable, Equatable {
    private static let magic = Array("SSHSIG".utf8)
    private static let version: UInt32 = 1
    private static let label = "SSH SIGNATURE"
    /// The hash algorithm promptreg signs with, as `ssh-keygen` does by default.
    public static let defaultHashAlgorithm = "sha512"
    /// The namespace git signs commits in (`git verify-commit` checks it).
    public static let gitNamespace = "git"

    /// The key that made the signature (as the signature says; `verify` proves it).
    public let publicKey: SSHPublicKey
    /// The domain the signature is for, e.g. `git`; a signature for one namespace is never valid
    /// for another.
    public let namespace: String
    /// The hash of the message that was signed: `sha512` or `sha256`.
    public let hashAlgorithm: String
    /// The reserved field (empty in every signature OpenSSH makes); covered by the signature.
    let reserved: Data
    /// The 64-byte Ed25519 signature.
    let signature: Data

    /// Signs `message` with `key` for `namespace` (git signs commits for `git`).
    public static func sign(_ message: Data, with key: SigningKey, namespace: String) throws -> SSHSignature {
        guard !namespace.isEmpty else {
            throw PromptRegError(.usage, "an SSH signature needs a namespace (git uses `git`)")
        }
        let hashAlgorithm = defaultHashAlgorithm
        let signed = signedData(namespace: namespace, reserved: Data(), hashAlgorithm: hashAlgorithm, message: message)
        return SSHSignature(
            publicKey: key.publicKey, namespace: namespace, hashAlgorithm: hashAlgorithm, reserved: Data(),
            signature: try key.sign(signed))
    }

    /// Reads an armored signature (`-----BEGIN SSH SIGNATURE-----`), as `ssh-keygen -Y sign`
    /// writes it and git stores it in a commit's `gpgsig` header. Checks the format only: call
    /// `verify` to check the signature.
    public init(armored: String) throws {
        guard let bytes = ASCIIArmor.dearmor(armored, label: Self.label) else {
            throw PromptRegError(
                .integrity, "not an SSH signature (expected `-----BEGIN SSH SIGNATURE-----`, base64, `-----END SSH SIGNATURE-----`)",
                fix: "sign with an SSH key (`gpg.format=ssh`); GPG and X.509 signatures are not supported")
        }
        try self.init(bytes: bytes)
    }

    /// Reads the binary SSHSIG encoding.
    init(bytes: Data) throws {
        var reader = SSHWireReader(bytes, context: "SSH signature", code: .integrity)
        guard try reader.raw(Self.magic.count, "magic") == Self.magic else { throw reader.failure("does not start with SSHSIG") }
        let version = try reader.uint32("version")
        guard version == Self.version else { throw reader.failure("version \(version) is not supported (only 1)") }
        let publicBlob = try reader.string("public key")
        namespace = try reader.text("namespace")
        reserved = try reader.string("reserved field")
        hashAlgorithm = try reader.text("hash algorithm")
        let signatureBlob = try reader.string("signature")
        try reader.expectEnd()
        do {
            publicKey = try SSHPublicKey(blob: publicBlob)
        } catch let error as PromptRegError {
            throw PromptRegError(.integrity, "SSH signature: \(error.message)", fix: error.fix)
        }
        var blobReader = SSHWireReader(signatureBlob, context: "SSH signature blob", code: .integrity)
        let type = try blobReader.text("signature type")
        guard type == SSHPublicKey.keyType else {
            throw blobReader.failure("signature type \(type) is not supported (only ssh-ed25519)")
        }
        signature = try blobReader.string("ed25519 signature")
        try blobReader.expectEnd()
        guard signature.count == 64 else { throw blobReader.failure("an ed25519 signature has 64 bytes, not \(signature.count)") }
    }

    private init(publicKey: SSHPublicKey, namespace: String, hashAlgorithm: String, reserved: Data, signature: Data) {
        (self.publicKey, self.namespace, self.hashAlgorithm) = (publicKey, namespace, hashAlgorithm)
        (self.reserved, self.signature) = (reserved, signature)
    }

    /// The binary SSHSIG encoding.
    public var bytes: Data {
        var blob = SSHWireWriter()
        blob.string(SSHPublicKey.keyType)
        blob.string(signature)
        var writer = SSHWireWriter()
        writer.raw(Self.magic)
        writer.uint32(Self.version)
        writer.string(publicKey.blob)
        writer.string(namespace)
        writer.string(reserved)
        writer.string(hashAlgorithm)
        writer.string(blob.bytes)
        return writer.bytes
    }

    /// The armored text, byte for byte as `ssh-keygen -Y sign` writes it (base64 wrapped at 70
    /// columns, ending in a newline).
    public var armored: String { ASCIIArmor.armor(bytes, label: Self.label) }

    /// Checks that this is a valid signature of `message` for `namespace` and returns the key that
    /// made it. Whether that key may sign is for the caller to decide (see `AllowedSigners`).
    @discardableResult
    public func verify(_ message: Data, namespace expected: String) throws -> SSHPublicKey {
        guard namespace == expected else {
            throw PromptRegError(
                .integrity, "the SSH signature is for namespace \"\(namespace)\", not \"\(expected)\"",
                fix: "sign with `-n \(expected)` (git signs commits with namespace `git`)")
        }
        guard hashAlgorithm == "sha512" || hashAlgorithm == "sha256" else {
            throw PromptRegError(
                .integrity, "the SSH signature uses hash algorithm \"\(hashAlgorithm)\"; only sha512 and sha256 are supported",
                fix: "sign with `ssh-keygen -Y sign` (which uses sha512)")
        }
        let signed = Self.signedData(namespace: namespace, reserved: reserved, hashAlgorithm: hashAlgorithm, message: message)
        guard publicKey.isValidSignature(signature, for: signed) else {
            throw PromptRegError(
                .integrity, "bad SSH signature by \(publicKey): the signed content was changed or the signature is damaged",
                fix: "do not trust this content; find out who changed it")
        }
        return publicKey
    }

    /// Reads `armored` and verifies it over `message` for `namespace`; returns the signing key.
    @discardableResult
    public static func verify(armored: String, message: Data, namespace: String) throws -> SSHPublicKey {
        try SSHSignature(armored: armored).verify(message, namespace: namespace)
    }

    /// What the key actually signs: the magic, the namespace, the reserved field, the hash
    /// algorithm and the hash of the message.
    private static func signedData(namespace: String, reserved: Data, hashAlgorithm: String, message: Data) -> Data {
        var writer = SSHWireWriter()
        writer.raw(magic)
        writer.string(namespace)
        writer.string(reserved)
        writer.string(hashAlgorithm)
        writer.string(hashAlgorithm == "sha256" ? Data(SHA256.hash(data: message)) : Data(SHA512.hash(data: message)))
        return writer.bytes
    }
}
