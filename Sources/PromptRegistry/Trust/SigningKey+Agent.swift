import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension SigningKey {
    /// The key whose public line is `publicKeyLine` (`ssh-ed25519 AAAA... comment`, the content
    /// of a `.pub` file), signed for by the ssh-agent at `socket`, which must hold it.
    public static func agentHeld(publicKeyLine: String, socket: String) throws -> SigningKey {
        let key = try SSHPublicKey(line: publicKeyLine)
        let comment = publicKeyLine.split(separator: " ", maxSplits: 2).dropFirst(2).first.map(String.init) ?? ""
        let held = try SSHAgentClient(socket: socket).keys()
        guard held.contains(key) else {
            throw PromptRegError(
                .notFound,
                "the ssh-agent at \(socket) does not hold the key \(key.fingerprint) (it holds \(held.isEmpty ? "no ed25519 key" : held.map(\.fingerprint).joined(separator: ", ")))",
                fix: "add the private key to the agent (ssh-add KEYFILE), or name the key the agent holds")
        }
        return SigningKey(agentHeld: key, comment: comment, socket: socket)
    }
}

/// A client of the ssh-agent protocol (draft-miller-ssh-agent) over the agent's Unix socket: the
/// Ed25519 keys it holds, and signatures it makes with them. One connection per request.
struct SSHAgentClient {
    let socket: String

    private static let requestIdentities: UInt8 = 11
    private static let identitiesAnswer: UInt8 = 12
    private static let signRequest: UInt8 = 13
    private static let signResponse: UInt8 = 14
    /// The longest reply read (an agent holding many keys answers in a few KiB).
    private static let maxReply = 256 * 1024

    /// The Ed25519 public keys the agent holds.
    func keys() throws -> [SSHPublicKey] {
        var reply = try exchange(Data([Self.requestIdentities]), expecting: Self.identitiesAnswer)
        let count = try reply.uint32("number of keys")
        var keys: [SSHPublicKey] = []
        for _ in 0..<min(count, 4096) {
            let blob = try reply.string("key")
            _ = try reply.string("comment")
            if let key = try? SSHPublicKey(blob: blob) { keys.append(key) }
        }
        return keys
    }

    /// The Ed25519 signature (64 bytes) the agent makes of `data` with `key`.
    func sign(_ data: Data, with key: SSHPublicKey) throws -> Data {
        var request = SSHWireWriter()
        request.raw([Self.signRequest])
        request.string(key.blob)
        request.string(data)
        request.uint32(0)
        var reply = try exchange(request.bytes, expecting: Self.signResponse)
        var signature = SSHWireReader(try reply.string("signature"), context: "the ssh-agent's signature", code: .unavailable)
        guard try signature.text("signature type") == SSHPublicKey.keyType else { throw signature.failure("is not an ssh-ed25519 signature") }
        let bytes = try signature.string("signature")
        guard bytes.count == 64 else { throw signature.failure("has \(bytes.count) bytes, not 64") }
        return bytes
    }

    /// Sends `message` (its type byte first) and reads the reply, which must be of type `expected`.
    private func exchange(_ message: Data, expecting expected: UInt8) throws -> SSHWireReader {
        let descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw failure("cannot open a socket (\(String(cString: strerror(errno))))") }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(socket.utf8)
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else { throw failure("the socket path is too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path)
            raw[path.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw failure("cannot connect (\(String(cString: strerror(errno))))") }
        var framed = SSHWireWriter()
        framed.string(message)
        try writeAll(descriptor, framed.bytes)
        let length = try readExactly(descriptor, 4).reduce(0) { $0 << 8 | Int($1) }
        guard length > 0, length <= Self.maxReply else { throw failure("sent a reply of \(length) bytes") }
        let body = try readExactly(descriptor, length)
        guard body[body.startIndex] == expected else {
            throw failure("refused the request (reply type \(body[body.startIndex])): it does not hold the key, or asked for confirmation that was not given")
        }
        return SSHWireReader(body.dropFirst(), context: "the ssh-agent's reply", code: .unavailable)
    }

    private func writeAll(_ descriptor: Int32, _ bytes: Data) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = send(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { throw failure("the connection broke (\(String(cString: strerror(errno))))") }
                offset += written
            }
        }
    }

    private func readExactly(_ descriptor: Int32, _ count: Int) throws -> Data {
        var buffer = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let got = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + offset, count - offset) }
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { throw failure("closed the connection before its reply was complete") }
            offset += got
        }
        return Data(buffer)
    }

    private func failure(_ problem: String) -> PromptRegError {
        PromptRegError(
            .unavailable, "the ssh-agent at \(socket) \(problem)",
            fix: "check that the agent runs and that its socket is the one named (SSH_AUTH_SOCK in the agent's shell)")
    }
}
