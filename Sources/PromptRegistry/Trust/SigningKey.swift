import Crypto
import Foundation

/// An Ed25519 key that signs as an SSH key, with the comment OpenSSH keeps next to it: its
/// private half read from OpenSSH's private key format (`SigningKey+OpenSSH.swift`), or held by
/// an ssh-agent that signs for it (`SigningKey+Agent.swift`), so an admin key need not sit
/// unencrypted on disk.
public struct SigningKey: Sendable {
    /// Where the private half is.
    enum PrivateHalf: Sendable {
        /// The 32-byte Ed25519 seed (swift-crypto's private key type is not `Sendable`, bytes
        /// are), and the value OpenSSH repeats twice before the private key to detect a wrong
        /// passphrase, kept from a read key so that writing it again gives the same bytes.
        case seed(Data, checkInt: UInt32)
        /// An ssh-agent listening on this Unix socket holds it.
        case agent(socket: String)
    }

    /// The private half.
    let privateHalf: PrivateHalf

    /// The public half.
    public let publicKey: SSHPublicKey
    /// The key's comment (OpenSSH's default is `user@host`); may be empty.
    public var comment: String

    /// Wraps `privateKey`.
    init(privateKey: Curve25519.Signing.PrivateKey, comment: String, checkInt: UInt32) {
        privateHalf = .seed(privateKey.rawRepresentation, checkInt: checkInt)
        self.comment = comment
        // A Curve25519 public key always has 32 bytes.
        publicKey = try! SSHPublicKey(rawRepresentation: privateKey.publicKey.rawRepresentation)
    }

    /// The key `publicKey` whose private half the ssh-agent at `socket` holds.
    init(agentHeld publicKey: SSHPublicKey, comment: String, socket: String) {
        (self.publicKey, self.comment, privateHalf) = (publicKey, comment, .agent(socket: socket))
    }

    /// A new random key pair.
    public static func generate(comment: String = "") -> SigningKey {
        SigningKey(privateKey: Curve25519.Signing.PrivateKey(), comment: comment, checkInt: UInt32.random(in: .min ... .max))
    }

    /// The key whose 32-byte Ed25519 seed is `seed` (the private half as RFC 8032 defines it).
    public init(seed: Data, comment: String = "") throws {
        guard seed.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw PromptRegError(.invalidInput, "an Ed25519 private key seed has 32 bytes, not \(seed.count)")
        }
        self.init(privateKey: key, comment: comment, checkInt: UInt32.random(in: .min ... .max))
    }

    /// The public key line `ssh-ed25519 AAAA... comment` (the content of `KEYFILE.pub`).
    public var publicKeyLine: String { publicKey.line(comment: comment) }

    /// The Ed25519 signature (64 bytes) of `data`.
    func sign(_ data: Data) throws -> Data {
        switch privateHalf {
        case .seed(let seed, _):
            do {
                return try Curve25519.Signing.PrivateKey(rawRepresentation: seed).signature(for: data)
            } catch {
                throw PromptRegError(.storage, "signing failed: \(error)")
            }
        case .agent(let socket):
            return try SSHAgentClient(socket: socket).sign(data, with: publicKey)
        }
    }
}
