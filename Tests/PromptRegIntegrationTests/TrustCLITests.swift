import Foundation
import PromptRegistry
import TestSupport
import Testing

// `verify` checking every signature against the policy in force, and `resolve --trust`, as real
// processes with real keys; forgeries made with stock git.

/// A registry with support-agent 1.0.0 and 1.0.1 published; keys for alice (admin), bob, carol
/// (on call) and mallory (listed nowhere); a policy protecting prod with one approval; and 1.0.0
/// landed on prod by alice's proposal and bob's approval.
private struct TrustCLIWorld {
    let test: TestRegistry
    let keys: String

    init() throws {
        test = try TestRegistry()
        keys = test.directory.join("keys")
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        for name in ["alice", "bob", "carol", "mallory"] {
            let result = try CLI.run(["key", "generate", "\(keys)/\(name)", "--comment", "\(name)@example.com"])
            #expect(result.status == 0, "key generate: \(result.stderr)")
        }
        try test.publishPatch("support-agent", adding: "Answer in one paragraph.")
        try write(try policy(["alice", "bob", "carol"]), to: "trust.yaml")
        try expect(["policy", "set", test.directory.join("trust.yaml"), "-m", "protect prod"], as: "alice", status: 0)
        try ship("1.0.0")
        let signers = try expect(["policy", "show", "--allowed-signers"], as: nil, status: 0)
        try write(signers.stdout, to: "allowed_signers")
    }

    /// The policy YAML listing `signers`.
    func policy(_ signers: [String]) throws -> String {
        var text = "signers:\n"
        for name in signers {
            text += "  - principal: \(name)@example.com\n    key: \"\(try publicLine(name))\"\n"
        }
        return text + "admins: [alice@example.com]\nchannels:\n  prod: {protected: true, approvals: 1, rollback_signers: [carol@example.com]}\n"
    }

    func publicLine(_ name: String) throws -> String {
        try String(contentsOfFile: "\(keys)/\(name).pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func write(_ text: String, to name: String) throws { try Fixtures.write(text, to: test.directory.join(name)) }

    var allowedSigners: String { test.directory.join("allowed_signers") }

    /// Lands support-agent@`version` on prod: proposed by alice, approved by bob.
    func ship(_ version: String) throws {
        let proposed = try expect(["propose", "support-agent@\(version)", "prod", "-m", "ship", "--json"], as: "alice", status: 0)
        let id = try #require((try JSONSerialization.jsonObject(with: Data(proposed.stdout.utf8)) as? [String: Any])?["id"] as? String)
        try expect(["approve", id, "-m", "ok"], as: "bob", status: 0)
    }

    /// Runs promptreg on the registry signed as `signer` (nil: unsigned); checks the exit status.
    @discardableResult
    func expect(_ arguments: [String], as signer: String?, status: Int32, sourceLocation: SourceLocation = #_sourceLocation) throws -> CLI.Result {
        let signing = signer.map { ["--sign-with", "\(keys)/\($0)"] } ?? []
        let result = try CLI.run(arguments + ["--registry", test.path] + signing)
        #expect(result.status == status, "\(arguments): exit \(result.status)\n\(result.stdout)\n\(result.stderr)", sourceLocation: sourceLocation)
        return result
    }

    /// Forges, with stock git, a state commit moving prod of support-agent to 1.0.1 by `action`.
    func forgeProdMove(_ signature: ForgedCommit.Signature, action: String = "promote") throws {
        let path = ForgedCommit.pointerPath("prod", "support-agent")
        var pointer = try #require(try JSONSerialization.jsonObject(with: Data(try ForgedCommit.git(test.path, ["cat-file", "blob", "refs/promptreg/state:\(path)"]).utf8)) as? [String: Any])
        let patch = try test.registry.resolve(.pinned(.version("support-agent", SemanticVersion(1, 0, 1)))).digest.description
        let from: [String: Any] = ["version": pointer["version"]!, "digest": pointer["digest"]!]
        pointer["version"] = "1.0.1"
        pointer["digest"] = patch
        pointer["seq"] = try test.registry.stateHead().seq + 1
        try ForgedCommit.onState(test.path, files: [path: try JSONSerialization.data(withJSONObject: pointer)], signature: signature) { event in
            event["action"] = action
            event["changes"] = [["bundle": "support-agent", "channel": "prod", "from": from, "to": ["version": "1.0.1", "digest": patch]]]
            event["signed_by"] = nil
        }
    }
}

@Suite("Trust: verify and resolve --trust from the command line")
struct TrustCLITests {
    @Test("A signed history verifies, stock git verify-commit says Good, and resolve --trust answers")
    func signedHistory() throws {
        let world = try TrustCLIWorld()
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
        let world = try TrustCLIWorld()
        defer { world.test.remove() }
        try world.forgeProdMove(.none)
        let refused = try world.expect(["resolve", "support-agent", "--trust", world.allowedSigners], as: nil, status: 68)
        #expect(refused.stderr.contains("untrusted state") && refused.stderr.contains("unsigned"), "\(refused.stderr)")
        try world.write("{}", to: "vars.json")
        let render = try world.expect(
            ["render", "support-agent@1.0.1", "--vars", world.test.directory.join("vars.json"), "--format", "openai", "--trust", world.allowedSigners],
            as: nil, status: 68)
        #expect(render.stderr.contains("unsigned"), "a pinned resolve still checks the head: \(render.stderr)")
        let report = try world.expect(["verify"], as: nil, status: 68)
        let seq = try world.test.registry.stateHead().seq
        #expect(report.stdout.contains("(seq \(seq)): unsigned"), "\(report.stdout)")
        let untrusting = try world.expect(["resolve", "support-agent"], as: nil, status: 0)
        #expect(untrusting.stdout.hasPrefix("support-agent@1.0.1 "))
    }

    @Test("State moved by a key the trust file does not list is refused (68)")
    func keyNotInTrustFile() throws {
        let world = try TrustCLIWorld()
        defer { world.test.remove() }
        try world.expect(["promote", "support-agent@1.0.1", "canary", "-m", "try"], as: "bob", status: 0)
        try world.write("alice@example.com \(try world.publicLine("alice"))\ncarol@example.com \(try world.publicLine("carol"))\n", to: "without_bob")
        let file = world.test.directory.join("without_bob")
        let refused = try world.expect(["resolve", "support-agent", "--channel", "canary", "--trust", file], as: nil, status: 68)
        #expect(refused.stderr.contains("signed by an unknown key") && refused.stderr.contains(file), "\(refused.stderr)")
        try world.expect(["lock", "support-agent", "--channel", "canary", "--trust", file], as: nil, status: 68)
        // mallory, listed nowhere, cannot write; a commit she forges is refused and reported.
        try world.expect(["promote", "support-agent@1.0.0", "canary", "-m", "x"], as: "mallory", status: 77)
        try ForgedCommit.onState(world.test.path, signature: .key(try SigningKey.read(from: "\(world.keys)/mallory"))) { $0["changes"] = [] }
        let head = try world.expect(["resolve", "support-agent@1.0.0", "--trust", world.allowedSigners], as: nil, status: 68)
        #expect(head.stderr.contains("head state commit") && head.stderr.contains("unknown key"), "\(head.stderr)")
        let report = try world.expect(["verify"], as: nil, status: 68)
        #expect(report.stdout.contains("signed by an unknown key"), "\(report.stdout)")
    }

    @Test("A signer removed from the policy cannot move prod afterwards (77), but its earlier commits still verify")
    func removedSigner() throws {
        let world = try TrustCLIWorld()
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
        let world = try TrustCLIWorld()
        defer { world.test.remove() }
        try world.forgeProdMove(.key(try SigningKey.read(from: "\(world.keys)/bob")))
        let refused = try world.expect(["resolve", "support-agent", "--trust", world.allowedSigners, "--json"], as: nil, status: 68)
        #expect(refused.stderr.contains("bob@example.com may not promote protected prod"), "\(refused.stderr)")
        let report = try world.expect(["verify", "--json"], as: nil, status: 68)
        #expect(report.stdout.contains("bob@example.com may not promote protected prod"), "\(report.stdout)")
    }

    @Test("A rollback signer rolls protected prod back in one step, and resolve --trust accepts it")
    func onCallRollback() throws {
        let world = try TrustCLIWorld()
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
