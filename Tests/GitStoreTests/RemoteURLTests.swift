import Crypto
import Foundation
import Testing

@testable import GitStore

@Suite("Remote URLs and known_hosts: parts, redaction, host key matching")
struct RemoteURLTests {
    @Test("URLs and the scp-like form are split into user, host, port and path; paths have no host")
    func parts() {
        let ssh = RemoteURL("ssh://git@example.com:2222/ml/prompts.git")
        #expect(ssh.isSSH && ssh.user == "git" && ssh.host == "example.com" && ssh.port == 2222 && ssh.path == "ml/prompts.git")
        #expect(ssh.hostName(bracketed: true) == "[example.com]:2222")
        let scp = RemoteURL("git@example.com:ml/prompts.git")
        #expect(scp.isSSH && scp.user == "git" && scp.host == "example.com" && scp.port == nil && scp.path == "ml/prompts.git")
        #expect(scp.hostName(bracketed: true) == "example.com")
        let https = RemoteURL("https://alice:t%40ken@127.0.0.1:8443/git/up.git")
        #expect(https.isHTTP && https.user == "alice" && https.password == "t@ken" && https.hostName(bracketed: false) == "127.0.0.1:8443")
        #expect(RemoteURL("/srv/registry.git").host == nil)
        #expect(RemoteURL("./relative:with-colon").host == nil)
        #expect(RemoteURL("C:/repos/x.git").host == nil)
    }

    @Test("redaction hides the password or token and nothing else")
    func redaction() {
        #expect(RemoteURL.redacted("https://alice:s3cret@host/a/b.git") == "https://alice:***@host/a/b.git")
        #expect(RemoteURL.redacted("https://ghp_token@github.com/o/r.git") == "https://***@github.com/o/r.git")
        #expect(RemoteURL.redacted("ssh://git@host:22/o/r.git") == "ssh://git@host:22/o/r.git")
        #expect(RemoteURL.redacted("ssh://git:pw@host/o/r.git") == "ssh://git:***@host/o/r.git")
        #expect(RemoteURL.redacted("git@host:o/r.git") == "git@host:o/r.git")
        #expect(RemoteURL.redacted("https://host/a@b/c.git") == "https://host/a@b/c.git")
        #expect(RemoteURL.redacted("/srv/registry.git") == "/srv/registry.git")
        #expect(
            RemoteURL.redacting("https://a:pw@h/r.git", in: "fetch from https://a:pw@h/r.git: failed")
                == "fetch from https://a:***@h/r.git: failed")
    }

    @Test("known_hosts: plain, hashed, [host]:port, wildcard, negated and @revoked lines; unknown and changed keys")
    func knownHosts() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("known-hosts-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = SSHHostKey(blob: Self.blob("ssh-ed25519", Data(repeating: 7, count: 32)))
        let other = SSHHostKey(blob: Self.blob("ssh-ed25519", Data(repeating: 9, count: 32)))
        let salt = Data((0..<20).map { UInt8($0) })
        let hash = Data(HMAC<Insecure.SHA1>.authenticationCode(for: Data("[hashed.example]:2222".utf8), using: SymmetricKey(data: salt)))
        let file = "\(directory)/known_hosts"
        let hosts = KnownHosts(files: [file])
        try hosts.append("# a comment")
        try hosts.append("plain.example,alias.example \(key.type) \(key.blob.base64EncodedString())")
        try hosts.append("|1|\(salt.base64EncodedString())|\(hash.base64EncodedString()) \(key.type) \(key.blob.base64EncodedString())")
        try hosts.append("*.wild.example,!bad.wild.example \(key.type) \(key.blob.base64EncodedString())")
        try hosts.append("[ported.example]:2200 \(other.type) \(other.blob.base64EncodedString())")
        try hosts.append("@revoked revoked.example \(key.type) \(key.blob.base64EncodedString())")

        for known in ["plain.example", "alias.example", "[hashed.example]:2222", "a.wild.example"] {
            #expect(hosts.refusal(of: key, host: known) == nil, "\(known) should be known")
        }
        #expect(hosts.refusal(of: key, host: "bad.wild.example")?.kind == .unknown)
        #expect(hosts.refusal(of: key, host: "hashed.example")?.kind == .unknown, "a hashed [host]:port line matched port 22")
        #expect(hosts.refusal(of: key, host: "[ported.example]:2200")?.kind == .changed(file: file, line: 5))
        #expect(hosts.refusal(of: key, host: "revoked.example")?.kind == .changed(file: file, line: 6))
        let refusal = try #require(hosts.refusal(of: other, host: "new.example"))
        #expect(refusal.line == "new.example ssh-ed25519 \(other.blob.base64EncodedString())")
        #expect(other.fingerprint.hasPrefix("SHA256:") && !other.fingerprint.hasSuffix("="))

        let unterminated = "\(directory)/unterminated"
        try Data("first.example \(key.type) \(key.blob.base64EncodedString())".utf8).write(to: URL(fileURLWithPath: unterminated))
        try KnownHosts(files: [unterminated]).append(refusal.line)
        let lines = try String(contentsOfFile: unterminated, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2 && lines[1] == refusal.line[...])
    }

    /// An ssh wire-format key blob: the type string, then `body` as one string.
    private static func blob(_ type: String, _ body: Data) -> Data {
        func string(_ data: Data) -> Data { withUnsafeBytes(of: UInt32(data.count).bigEndian) { Data($0) } + data }
        return string(Data(type.utf8)) + string(body)
    }
}
