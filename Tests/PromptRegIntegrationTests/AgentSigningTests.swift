import Foundation
import PromptRegistry
import TestSupport
import Testing

// Signing with a key an ssh-agent holds: `--sign-with KEY.pub` and `$SSH_AUTH_SOCK`, so an admin
// key can stay encrypted on disk. A test-started `ssh-agent`, real processes, stock git checks.

@Suite("Signing through an ssh-agent")
struct AgentSigningTests {
    @Test("a key the agent holds signs writes stock git verifies; without the agent, or another key, it is refused and nothing is written")
    func agentHeldKey() throws {
        let world = try SignedWorld()
        defer { world.test.remove() }
        let agent = try SSHAgent()
        defer { agent.stop() }
        let dave = try SSHKeyPair.generate(at: "\(world.keys)/dave")
        try agent.add(dave)
        try world.write(try world.policy(["alice", "bob", "carol", "dave"]), to: "with-dave.yaml")
        try world.expect(["policy", "set", world.test.directory.join("with-dave.yaml"), "-m", "add dave"], as: "alice", status: 0)
        let registry = ["--registry", world.test.path]
        let withAgent = ["SSH_AUTH_SOCK": agent.socket]

        let signed = try CLI.run(["promote", "support-agent@1.0.1", "canary", "-m", "from the agent", "--sign-with", dave.publicKeyPath] + registry, environment: withAgent)
        #expect(signed.status == 0, "\(signed.stderr)")
        let signers = try CLI.run(["policy", "show", "--allowed-signers"] + registry)
        try world.write(signers.stdout, to: "with-dave_signers")
        let verified = try StockGit.run(world.test.path, ["-c", "gpg.ssh.allowedSignersFile=\(world.test.directory.join("with-dave_signers"))", "verify-commit", "-v", "refs/promptreg/state"])
        #expect(verified.status == 0 && verified.output.contains("Good \"git\" signature for dave@"), "\(verified.output)")
        #expect(try CLI.run(["verify"] + registry).status == 0)

        let before = world.test.fingerprint
        let noAgent = try CLI.run(["promote", "support-agent@1.0.0", "canary", "-m", "x", "--sign-with", dave.publicKeyPath] + registry, environment: ["SSH_AUTH_SOCK": ""])
        #expect(noAgent.status == 65 && noAgent.stderr.contains("SSH_AUTH_SOCK is not set"), "\(noAgent.stderr)")
        let other = try SSHKeyPair.generate(at: world.test.directory.join("other/erin"))
        let notHeld = try CLI.run(["promote", "support-agent@1.0.0", "canary", "-m", "x", "--sign-with", other.publicKeyPath] + registry, environment: withAgent)
        #expect(notHeld.status == 66 && notHeld.stderr.contains("does not hold the key"), "\(notHeld.stderr)")
        #expect(world.test.fingerprint == before)
    }

    @Test("a passphrase-protected key file is refused with the agent route in the fix, and nothing is written")
    func encryptedKeyFile() throws {
        let world = try SignedWorld()
        defer { world.test.remove() }
        let path = world.test.directory.join("locked_ed25519")
        let keygen = Process()
        keygen.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        keygen.arguments = ["ssh-keygen", "-q", "-t", "ed25519", "-N", "a passphrase", "-C", "locked@example.com", "-f", path]
        try keygen.run()
        keygen.waitUntilExit()
        #expect(keygen.terminationStatus == 0)
        let before = world.test.fingerprint
        let refused = try CLI.run(["promote", "support-agent@1.0.1", "canary", "-m", "x", "--sign-with", path, "--registry", world.test.path])
        #expect(refused.status == 65 && refused.stderr.contains("passphrase") && refused.stderr.contains("ssh-agent"), "\(refused.stderr)")
        #expect(world.test.fingerprint == before)
    }
}
