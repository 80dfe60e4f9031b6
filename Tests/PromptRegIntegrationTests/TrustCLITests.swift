import Foundation
import PromptRegistry
import TestSupport
import Testing

// `verify` checking every signature against the policy in force, and `resolve --trust`, as real
// processes with real keys; forgeries made with stock git.

extension SignedWorld {
    /// Forges, with stock git, a state commit moving prod of support-agent to 1.0.1 by `action`.
    func forgeProdMove(_ signature: ForgedCommit.Signature, action: String = "promote") throws {
        let patch = try test.registry.resolve(.pinned(.version("support-agent", SemanticVersion(1, 0, 1)))).digest.description
        try ForgedCommit.move(test.path, channel: "prod", bundle: "support-agent", to: "1.0.1", digest: patch, action: action, signature: signature)
    }
}

@Suite("Trust: verify and resolve --trust from the command line")
struct TrustCLITests {
    @Test("A signed history verifies, stock git verify-commit says Good, and resolve --trust answers")
    func signedHistory() throws {
        let world = try SignedWorld()
        defer { world.test.remove() }
        try world.expect(["promote", "support-agent@1.0.1", "canary", "-m", "try"], as: "bob", status: 0)
        try world.expect(["verify"], as: nil, status: 0)
        let config = ["-c", "gpg.ssh.allowedSignersFile=\(world.allowedSigners)"]
        let verified = try StockGit.run(world.test.path, config + ["verify-commit", "-v", "refs/promptreg/state"])
        #expect(verified.status == 0 && verified.output.contains("Good \"git\" signature for bob@example.com"), "\(verified.output)")
        let prod = try world.expect(["resolve", "support-agent", "--trust", world.allowedSigners], as: nil, status: 0)
        #expect(prod.stdout.hasPrefix("support-agent@1.0.0 "))
        let canary = try world.expect(["resolve", "support-agent", "--channel", "canary", "--trust", world.allowedSigners, "--json"], as: nil, status: 0)
        #expect(canary.stdout.contains("1.0.1"))
        try world.expect(["lock", "support-agent", "--trust", world.allowedSigners], as: nil, status: 0)
    }

    @Test("An unsigned forged state commit is refused by resolve --trust and reported by verify; without --trust resolve answers as before")
    func unsignedForgery() throws {
        let world = try SignedWorld()
        defer { world.test.remove() }
        try world.forgeProdMove(.none)
        let refused = try world.expect(["resolve", "support-agent", "--trust", world.allowedSigners], as: nil, status: 68)
        #expect(refused.stderr.contains("untrusted state") && refused.stderr.contains("unsigned"), "\(refused.stderr)")
        try world.write("{}", to: "vars.json")
        let render = try world.expect(
            ["render", "support-agent@1.0.1", "--vars", world.test.directory.join("vars.json"), "--format", "openai", "--trust", world.allowedSigners],
            as: nil, status: 68)
        #expect(render.stderr.contains("unsigned"), "a pinned resolve checks the history too: \(render.stderr)")
        let report = try world.expect(["verify"], as: nil, status: 68)
        let seq = try world.test.registry.stateHead().seq
        #expect(report.stdout.contains("(seq \(seq)): unsigned"), "\(report.stdout)")
        let untrusting = try world.expect(["resolve", "support-agent"], as: nil, status: 0)
        #expect(untrusting.stdout.hasPrefix("support-agent@1.0.1 "))
    }

    @Test("State moved by a key the trust file does not list is refused (68)")
    func keyNotInTrustFile() throws {
        let world = try SignedWorld()
        defer { world.test.remove() }
        try world.expect(["promote", "support-agent@1.0.1", "canary", "-m", "try"], as: "bob", status: 0)
        try world.write("alice@example.com \(try world.publicLine("alice"))\ncarol@example.com \(try world.publicLine("carol"))\n", to: "without_bob")
        let file = world.test.directory.join("without_bob")
        let refused = try world.expect(["resolve", "support-agent", "--channel", "canary", "--trust", file], as: nil, status: 68)
        #expect(refused.stderr.contains("signed by an unknown key") && refused.stderr.contains(file), "\(refused.stderr)")
        try world.expect(["lock", "support-agent", "--channel", "canary", "--trust", file], as: nil, status: 68)
        // mallory, listed nowhere, cannot write; a commit she forges is refused and reported.
        try world.expect(["promote", "support-agent@1.0.0", "canary", "-m", "x"], as: "mallory", status: 77)
        let digest = try world.test.registry.resolve(.pinned(.version("support-agent", SemanticVersion(1, 0, 0)))).digest.description
        try ForgedCommit.move(
            world.test.path, channel: "canary", bundle: "support-agent", to: "1.0.0", digest: digest, traffic: 0,
            signature: .key(try SigningKey.read(from: "\(world.keys)/mallory")))
        let head = try world.expect(["resolve", "support-agent@1.0.0", "--trust", world.allowedSigners], as: nil, status: 68)
        #expect(head.stderr.contains("untrusted state") && head.stderr.contains("unknown key"), "\(head.stderr)")
        let report = try world.expect(["verify"], as: nil, status: 68)
        #expect(report.stdout.contains("signed by an unknown key"), "\(report.stdout)")
    }

    @Test("A signer removed from the policy cannot move prod afterwards (77), but its earlier commits still verify")
    func removedSigner() throws {
        let world = try SignedWorld()
        defer { world.test.remove() }
        try world.write(try world.policy(["alice", "carol"]), to: "rotated.yaml")
        try world.expect(["policy", "set", world.test.directory.join("rotated.yaml"), "-m", "drop bob"], as: "alice", status: 0)
        let proposed = try world.expect(["propose", "support-agent@1.0.1", "prod", "-m", "again", "--json"], as: "bob", status: 77)
        #expect(proposed.stderr.contains("sign with a key the trust policy lists"), "\(proposed.stderr)")
        try world.expect(["promote", "support-agent@1.0.1", "canary", "-m", "x"], as: "bob", status: 77)
        try world.expect(["verify"], as: nil, status: 0)
        // An agent whose file still lists bob trusts prod, which bob's approval moved.
        try world.expect(["resolve", "support-agent", "--trust", world.allowedSigners], as: nil, status: 0)
    }

    @Test("A forged commit signed by a listed signer who may not move protected prod is refused and reported")
    func listedSignerForgery() throws {
        let world = try SignedWorld()
        defer { world.test.remove() }
        try world.forgeProdMove(.key(try SigningKey.read(from: "\(world.keys)/bob")))
        let refused = try world.expect(["resolve", "support-agent", "--trust", world.allowedSigners, "--json"], as: nil, status: 68)
        #expect(refused.stderr.contains("bob@example.com may not promote protected prod"), "\(refused.stderr)")
        let report = try world.expect(["verify", "--json"], as: nil, status: 68)
        #expect(report.stdout.contains("bob@example.com may not promote protected prod"), "\(report.stdout)")
    }

    @Test("A rollback signer rolls protected prod back in one step, and resolve --trust accepts it")
    func onCallRollback() throws {
        let world = try SignedWorld()
        defer { world.test.remove() }
        try world.ship("1.0.1")
        let before = try world.test.registry.stateHead().seq
        try world.expect(["rollback", "prod", "-m", "too generous"], as: "carol", status: 0)
        #expect(try world.test.registry.stateHead().seq == before + 1)
        let resolved = try world.expect(["resolve", "support-agent", "--trust", world.allowedSigners], as: nil, status: 0)
        #expect(resolved.stdout.hasPrefix("support-agent@1.0.0 "))
        try world.expect(["verify"], as: nil, status: 0)
    }
}
