import Crypto
import Foundation

/// OpenSSH's private key format (PROTOCOL.key in OpenSSH): `openssh-key-v1`, armored as
/// `OPENSSH PRIVATE KEY`. Only unencrypted (cipher and kdf `none`) ed25519 keys are supported.
extension SigningKey {
    private static let label = "OPENSSH PRIVATE KEY"
    private static let magic = Array("openssh-key-v1".utf8) + [0]
    /// The block size of cipher `none`, to which OpenSSH pads the private section.
    private static let blockSize = 8

    /// The key in OpenSSH's private key file format, exactly as `ssh-keygen -t ed25519 -N ""`
    /// writes it (same check ints, comment and padding give the same bytes). An agent-held key
    /// has no private half here to write.
    public func openSSHPrivateKey() throws -> String {
        guard case .seed(let seed, let checkInt) = privateHalf else {
            throw PromptRegError(
                .invalidInput, "the key \(publicKey.fingerprint) is held by an ssh-agent: its private half cannot be written",
                fix: "write its public key instead, or export the key from where it was made")
        }
        var secret = SSHWireWriter()
        secret.uint32(checkInt)
        secret.uint32(checkInt)
        secret.string(SSHPublicKey.keyType)
        secret.string(publicKey.rawRepresentation)
        // OpenSSH stores the 64-byte "secret key" of the reference implementation: seed, then public key.
        secret.string(seed + publicKey.rawRepresentation)
        secret.string(comment)
        var padding: UInt8 = 0
        while secret.bytes.count % Self.blockSize != 0 {
            padding += 1
            secret.raw([padding])
        }
        var file = SSHWireWriter()
        file.raw(Self.magic)
        file.string("none")  // cipher
        file.string("none")  // kdf
        file.string(Data())  // kdf options
        file.uint32(1)  // number of keys
        file.string(publicKey.blob)
        file.string(secret.bytes)
        return ASCIIArmor.armor(file.bytes, label: Self.label)
    }

    /// Reads a key from the text of an OpenSSH private key file; `source` names it in errors.
    /// Fails with advice for an encrypted key, another key type or another file format.
    public init(openSSHPrivateKey text: String, source: String = "private key") throws {
        guard let bytes = ASCIIArmor.dearmor(text, label: Self.label) else {
            if text.contains("-----BEGIN") && text.contains("PRIVATE KEY-----") {
                throw PromptRegError(
                    .invalidInput, "\(source): not in OpenSSH's private key format (`-----BEGIN OPENSSH PRIVATE KEY-----`)",
                    fix: SSHKeyAdvice.generate)
            }
            throw PromptRegError(
                .invalidInput, "\(source): not an OpenSSH private key (no `-----BEGIN OPENSSH PRIVATE KEY-----` armor)",
                fix: SSHKeyAdvice.generate)
        }
        var reader = SSHWireReader(bytes, context: source, code: .invalidInput, fix: SSHKeyAdvice.generate)
        guard try reader.raw(Self.magic.count, "format name") == Self.magic else {
            throw reader.failure("not an openssh-key-v1 private key")
        }
        let cipher = try reader.text("cipher name")
        let kdf = try reader.text("kdf name")
        _ = try reader.string("kdf options")
        let count = try reader.uint32("number of keys")
        guard count == 1 else { throw reader.failure("holds \(count) keys; promptreg reads files with exactly one") }
        // The public key is stored in the clear, so its type is known even for an encrypted key.
        let publicBlob = try reader.string("public key")
        var publicReader = SSHWireReader(publicBlob, context: "\(source): public key", code: .invalidInput)
        let type = try publicReader.text("key type")
        guard type == SSHPublicKey.keyType else { throw SSHKeyAdvice.unsupportedKeyType(type, in: source) }
        guard cipher == "none", kdf == "none" else {
            throw PromptRegError(
                .invalidInput,
                "\(source): the key is protected by a passphrase (cipher \(cipher), kdf \(kdf)); promptreg reads only keys without one",
                fix: "keep the passphrase and let an ssh-agent sign: `ssh-add KEYFILE`, then sign with the public key file (KEYFILE.pub); or remove the passphrase from a copy with `ssh-keygen -p -N \"\" -f KEYFILE`")
        }
        let publicKey = try SSHPublicKey(blob: publicBlob)
        let secret = try reader.string("private section")
        try reader.expectEnd()
        self = try Self.readSecret(secret, expecting: publicKey, source: source)
    }

    /// Reads the (unencrypted) private section and checks it against the file's public key.
    private static func readSecret(_ secret: Data, expecting publicKey: SSHPublicKey, source: String) throws -> SigningKey {
        var reader = SSHWireReader(secret, context: "\(source): private section", code: .invalidInput, fix: SSHKeyAdvice.generate)
        guard secret.count % blockSize == 0 else { throw reader.failure("its length is not a multiple of \(blockSize)") }
        let check1 = try reader.uint32("check int")
        let check2 = try reader.uint32("check int")
        guard check1 == check2 else { throw reader.failure("the check ints differ (the file is damaged)") }
        let type = try reader.text("key type")
        guard type == SSHPublicKey.keyType else { throw SSHKeyAdvice.unsupportedKeyType(type, in: source) }
        let publicBytes = try reader.string("public key")
        let secretBytes = try reader.string("private key")
        let comment = try reader.text("comment")
        let padding = reader.remaining
        guard padding.count < blockSize, padding.enumerated().allSatisfy({ Int($1) == $0 + 1 }) else {
            throw reader.failure("bad padding after the comment")
        }
        guard publicBytes == publicKey.rawRepresentation else {
            throw reader.failure("the private section's public key differs from the file's")
        }
        guard secretBytes.count == 64, secretBytes.suffix(32) == publicBytes,
            let privateKey = try? Curve25519.Signing.PrivateKey(rawRepresentation: secretBytes.prefix(32)),
            privateKey.publicKey.rawRepresentation == publicBytes
        else { throw reader.failure("the private key does not match its public key") }
        return SigningKey(privateKey: privateKey, comment: comment, checkInt: check1)
    }
}
