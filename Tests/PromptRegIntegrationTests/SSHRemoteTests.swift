import Foundation
import PromptRegistry
import TestSupport
import Testing

// ssh remotes end to end: the seeded upstream of `SyncWorld` served by a test's own OpenSSH
// `sshd` on loopback (key-only login, its own host key), promptreg run with a home directory of
// its own (its ~/.ssh: key files, known_hosts) and, where a test says so, a test-started
// ssh-agent (README "Across machines", ssh).

/// A `SyncWorld` whose upstream is also served over ssh, with an authorized client key and a
/// home directory for promptreg.
final class SSHWorld {
    let world: SyncWorld
    /// promptreg's `HOME` (its `.ssh/known_hosts` and default key files).
    let home: String
    /// A key the server authorizes (not in `home` unless a test puts it there).
    let clientKey: SSHKeyPair
    let server: SSHServer

    /// Serves the upstream on `address`:`port` (default: a free port of 127.0.0.1).
    init(address: String = "127.0.0.1", port: Int? = nil) throws {
        world = try SyncWorld(label: "ssh")
        home = world.directory.join("home")
        do {
            try FileManager.default.createDirectory(atPath: "\(home)/.ssh", withIntermediateDirectories: true)
            clientKey = try SSHKeyPair.generate(at: world.directory.join("keys/client"))
            server = try SSHServer(basePath: world.served, authorizedKeys: [try clientKey.publicKey], address: address, port: port)
        } catch {
            world.remove()
            throw error
        }
    }

    /// The upstream's ssh:// URL.
    var url: String { server.url(for: "upstream.git") }

    /// promptreg's known_hosts file.
    var knownHosts: String { "\(home)/.ssh/known_hosts" }

    /// The known_hosts line that trusts the server's current host key.
    func hostKeyLine() throws -> String {
        let fields = try server.hostKey.publicKey.split(separator: " ")
        return "\(server.knownHostsName) \(fields[0]) \(fields[1])"
    }

    /// Writes the line that trusts the server's host key into promptreg's known_hosts.
    func trustHostKey() throws { try Fixtures.write(try hostKeyLine() + "\n", to: knownHosts) }

    private var advances = 0

    /// Moves the upstream one state ahead (support-agent 1.0.1, then 1.0.0, and so on, to prod,
    /// written through from the seed by path).
    func advanceUpstream() throws {
        advances += 1
        try Sync.run(["promote", "support-agent@1.0.\(advances % 2)", "prod", "-m", "ahead"], registry: world.seed)
    }

    /// Connections sshd logged so far.
    func connections() throws -> Int {
        try String(contentsOfFile: server.logPath, encoding: .utf8).components(separatedBy: "Connection from ").count - 1
    }

    /// Stops the server and removes everything.
    func remove() {
        server.stop()
        world.remove()
    }

    /// Runs the built `promptreg arguments...` with `HOME` at `home`, no ssh-agent and no
    /// configured key unless `environment` says otherwise, and expects exit `status`.
    @discardableResult
    func promptreg(
        _ arguments: [String], environment: [String: String] = [:], expect status: Int32 = 0,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> CLI.Result {
        let env = [
            "HOME": home, "XDG_CONFIG_HOME": "\(home)/.config", "SSH_AUTH_SOCK": "", "PROMPTREG_SSH_KEY": "",
            "PROMPTREG_ACTOR": "ssh-tester",
        ].merging(environment) { _, new in new }
        let result = try CLI.run(arguments, environment: env)
        #expect(
            result.status == status,
            "promptreg \(arguments.joined(separator: " ")): exit \(result.status), expected \(status)\n\(result.stdout)\n\(result.stderr)",
            sourceLocation: sourceLocation)
        return result
    }

    /// Clones the upstream from `url` (default the ssh:// one), promotes over it (write-through),
    /// rolls back, advances the upstream and pulls: every step lands on the server.
    func roundTrip(_ url: String? = nil, environment: [String: String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let clone = world.directory.join("clone-\(UUID().uuidString.prefix(6))")
        try promptreg(["clone", url ?? self.url, clone], environment: environment, sourceLocation: sourceLocation)
        #expect(try Sync.stateCommit(clone) == Sync.stateCommit(world.upstream), sourceLocation: sourceLocation)
        try promptreg(
            ["promote", "reply-verifier@1.0.1", "prod", "-m", "over ssh", "--registry", clone], environment: environment,
            sourceLocation: sourceLocation)
        #expect(try Sync.stateCommit(world.upstream) == Sync.stateCommit(clone), sourceLocation: sourceLocation)
        #expect(try Sync.event(world.upstream)["message"] as? String == "over ssh", sourceLocation: sourceLocation)
        try promptreg(
            ["rollback", "prod", "reply-verifier", "-m", "back over ssh", "--registry", clone], environment: environment,
            sourceLocation: sourceLocation)
        #expect(try Sync.event(world.upstream)["message"] as? String == "back over ssh", sourceLocation: sourceLocation)
        try advanceUpstream()
        try promptreg(["pull", "--registry", clone], environment: environment, sourceLocation: sourceLocation)
        #expect(try Sync.stateCommit(clone) == Sync.stateCommit(world.upstream), sourceLocation: sourceLocation)
    }
}

@Suite("SSH remotes: agent and key files, bounded retries, known_hosts host keys", .serialized)
struct SSHRemoteTests {
    @Test("a key in a test-started ssh-agent: clone, write-through promote and rollback, pull over ssh://")
    func agentKey() throws {
        let ssh = try SSHWorld()
        defer { ssh.remove() }
        let agent = try SSHAgent()
        defer { agent.stop() }
        try agent.add(ssh.clientKey)
        try ssh.trustHostKey()
        try ssh.roundTrip(environment: ["SSH_AUTH_SOCK": agent.socket])
    }

    @Test("key files: ~/.ssh/id_ed25519 as ssh finds it, or the one PROMPTREG_SSH_KEY names; hashed known_hosts lines match")
    func keyFiles() throws {
        let ssh = try SSHWorld()
        defer { ssh.remove() }
        try ssh.trustHostKey()
        let hashed = try GitServers.tool("ssh-keygen", ["-H", "-f", ssh.knownHosts])
        try #require(hashed.status == 0, "ssh-keygen -H: \(hashed.output)")
        #expect(try String(contentsOfFile: ssh.knownHosts, encoding: .utf8).hasPrefix("|1|"))

        try FileManager.default.copyItem(atPath: ssh.clientKey.path, toPath: "\(ssh.home)/.ssh/id_ed25519")
        try ssh.roundTrip(environment: [:])
        try FileManager.default.removeItem(atPath: "\(ssh.home)/.ssh/id_ed25519")
        try ssh.roundTrip(environment: ["PROMPTREG_SSH_KEY": ssh.clientKey.path])
    }

    @Test("a passphrase-protected key file is skipped, saying so, and the next key file is offered")
    func passphraseProtectedKeyIsSkipped() throws {
        let ssh = try SSHWorld()
        defer { ssh.remove() }
        try ssh.trustHostKey()
        let locked = "\(ssh.home)/.ssh/id_ed25519"
        let made = try GitServers.tool("ssh-keygen", ["-q", "-t", "ed25519", "-N", "a passphrase", "-f", locked])
        try #require(made.status == 0, "ssh-keygen: \(made.output)")
        let refused = try ssh.promptreg(["clone", ssh.url, ssh.world.directory.join("refused")], expect: 69)
        Sync.expectContains(refused.stderr, "\(locked) (passphrase-protected", "the refusal")
        try FileManager.default.copyItem(atPath: ssh.clientKey.path, toPath: "\(ssh.home)/.ssh/id_rsa")
        try ssh.roundTrip(environment: [:])
    }

    @Test("an scp-style URL (user@host:path, port 22 on a loopback address of its own)")
    func scpStyleURL() throws {
        let address = "127.0.0.\(Int.random(in: 2...250))"
        let ssh = try SSHWorld(address: address, port: 22)
        defer { ssh.remove() }
        try ssh.trustHostKey()
        #expect(try ssh.hostKeyLine().hasPrefix("\(address) ssh-ed25519 "))
        try ssh.roundTrip(ssh.server.scpURL(for: "upstream.git"), environment: ["PROMPTREG_SSH_KEY": ssh.clientKey.path])
    }

    @Test("a wrong key (agent and file): exit 69 naming what was tried, one connection, no loop; nothing local changes")
    func wrongKey() throws {
        let ssh = try SSHWorld()
        defer { ssh.remove() }
        try ssh.trustHostKey()
        let agent = try SSHAgent()
        defer { agent.stop() }
        try agent.add(try SSHKeyPair.generate(at: ssh.world.directory.join("keys/in-agent")))
        let wrong = try SSHKeyPair.generate(at: ssh.world.directory.join("keys/wrong"))
        let target = ssh.world.directory.join("refused-clone")
        let before = try ssh.connections()
        let started = Date()
        let result = try ssh.promptreg(
            ["clone", ssh.url, target], environment: ["SSH_AUTH_SOCK": agent.socket, "PROMPTREG_SSH_KEY": wrong.path], expect: 69)
        #expect(Date().timeIntervalSince(started) < 30)
        for part in ["accepted none of the ssh keys", "'\(ssh.server.user)'", "the ssh-agent's keys", wrong.path, "fix:"] {
            Sync.expectContains(result.stderr, part, "the refusal")
        }
        let connections = try ssh.connections() - before
        #expect(connections == 1, "promptreg connected \(connections) times")
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test("an unknown host key is refused with its fingerprint and the line to add; --accept-new-host-key then records it")
    func unknownHostKey() throws {
        let ssh = try SSHWorld()
        defer { ssh.remove() }
        let target = ssh.world.directory.join("clone")
        let refused = try ssh.promptreg(["clone", ssh.url, target], environment: ["PROMPTREG_SSH_KEY": ssh.clientKey.path], expect: 69)
        for part in ["not known", try ssh.server.hostKey.fingerprint(), try ssh.hostKeyLine(), "--accept-new-host-key"] {
            Sync.expectContains(refused.stderr, part, "the refusal")
        }
        #expect(!FileManager.default.fileExists(atPath: target))
        #expect(!FileManager.default.fileExists(atPath: ssh.knownHosts), "a refused key was recorded")

        try ssh.promptreg(
            ["clone", ssh.url, target, "--accept-new-host-key"], environment: ["PROMPTREG_SSH_KEY": ssh.clientKey.path])
        #expect(try Sync.stateCommit(target) == Sync.stateCommit(ssh.world.upstream))
        #expect(try String(contentsOfFile: ssh.knownHosts, encoding: .utf8) == ssh.hostKeyLine() + "\n")
        // Known now: no flag needed.
        try ssh.promptreg(["pull", "--registry", target], environment: ["PROMPTREG_SSH_KEY": ssh.clientKey.path])

        // remote add connects with the flag, and records the key in the file git config names.
        try FileManager.default.removeItem(atPath: ssh.knownHosts)
        let other = ssh.world.directory.join("other-known-hosts")
        try Sync.git(target, ["config", "promptreg.knownHosts", other])
        try ssh.promptreg(
            ["remote", "add", "again", ssh.url, "--accept-new-host-key", "--registry", target],
            environment: ["PROMPTREG_SSH_KEY": ssh.clientKey.path])
        #expect(try String(contentsOfFile: other, encoding: .utf8) == ssh.hostKeyLine() + "\n")
    }

    @Test("a changed host key is refused, even with the opt-in for new keys; nothing local changes")
    func changedHostKey() throws {
        let ssh = try SSHWorld()
        defer { ssh.remove() }
        try ssh.trustHostKey()
        let environment = ["PROMPTREG_SSH_KEY": ssh.clientKey.path]
        let clone = ssh.world.directory.join("clone")
        try ssh.promptreg(["clone", ssh.url, clone], environment: environment)
        try ssh.advanceUpstream()
        try ssh.server.replaceHostKey()
        try Sync.git(clone, ["config", "promptreg.acceptNewHostKey", "true"])
        let before = try Sync.fingerprint(clone, tracking: true)
        let refused = try ssh.promptreg(["pull", "--registry", clone], environment: environment, expect: 69)
        for part in ["changed", try ssh.server.hostKey.fingerprint(), "\(ssh.knownHosts) line 1", try ssh.hostKeyLine()] {
            Sync.expectContains(refused.stderr, part, "the refusal")
        }
        #expect(try Sync.fingerprint(clone, tracking: true) == before, "a refused pull changed the registry")
        #expect(try !String(contentsOfFile: ssh.knownHosts, encoding: .utf8).contains(ssh.hostKeyLine()))
    }
}
