import Foundation
import PromptRegistry
import TestSupport
import Testing

/// A registry under a trust policy, driven through the CLI with real keys: support-agent 1.0.0
/// and 1.0.1 published; keys for alice (admin), bob, carol (on call) and mallory (listed
/// nowhere); a policy protecting prod with `approvals` approvals; and 1.0.0 landed on prod by
/// alice's proposal and the approvals of bob (then carol), so prod's last move is signed.
struct SignedWorld {
    let test: TestRegistry
    let keys: String

    init(approvals: Int = 1) throws {
        test = try TestRegistry()
        keys = test.directory.join("keys")
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        for name in ["alice", "bob", "carol", "mallory"] {
            let result = try CLI.run(["key", "generate", "\(keys)/\(name)", "--comment", "\(name)@example.com"])
            #expect(result.status == 0, "key generate: \(result.stderr)")
        }
        try test.publishPatch("support-agent", adding: "Answer in one paragraph.")
        try write(try policy(["alice", "bob", "carol"], approvals: approvals), to: "trust.yaml")
        try expect(["policy", "set", test.directory.join("trust.yaml"), "-m", "protect prod"], as: "alice", status: 0)
        try ship("1.0.0", approvers: Array(["bob", "carol"].prefix(approvals)))
        let signers = try expect(["policy", "show", "--allowed-signers"], as: nil, status: 0)
        try write(signers.stdout, to: "allowed_signers")
    }

    /// The policy YAML listing `signers`, alice the admin, prod protected with `approvals`
    /// approvals and carol on call.
    func policy(_ signers: [String], approvals: Int = 1, admin: String = "alice@example.com") throws -> String {
        var text = "signers:\n"
        for name in signers {
            text += "  - principal: \(name)@example.com\n    key: \"\(try publicLine(name))\"\n"
        }
        return text + "admins: [\(admin)]\nchannels:\n  prod: {protected: true, approvals: \(approvals), rollback_signers: [carol@example.com]}\n"
    }

    /// The public key line of `name`.
    func publicLine(_ name: String) throws -> String {
        try String(contentsOfFile: "\(keys)/\(name).pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Writes `text` to `name` in the test directory.
    func write(_ text: String, to name: String) throws { try Fixtures.write(text, to: test.directory.join(name)) }

    /// The agents' allowed_signers file, as `policy show --allowed-signers` printed it.
    var allowedSigners: String { test.directory.join("allowed_signers") }

    /// Proposes support-agent@`version` for prod as alice; returns the proposal id.
    func propose(_ version: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let proposed = try expect(["propose", "support-agent@\(version)", "prod", "-m", "ship \(version)", "--json"], as: "alice", status: 0, sourceLocation: sourceLocation)
        return try #require((try JSONSerialization.jsonObject(with: Data(proposed.stdout.utf8)) as? [String: Any])?["id"] as? String)
    }

    /// Lands support-agent@`version` on prod: proposed by alice, approved by `approvers`.
    func ship(_ version: String, approvers: [String] = ["bob"]) throws {
        let id = try propose(version)
        for approver in approvers { try expect(["approve", id, "-m", "ok"], as: approver, status: 0) }
    }

    /// Runs promptreg on the registry signed as `signer` (nil: unsigned); checks the exit status.
    @discardableResult
    func expect(_ arguments: [String], as signer: String?, status: Int32, sourceLocation: SourceLocation = #_sourceLocation) throws -> CLI.Result {
        let signing = signer.map { ["--sign-with", "\(keys)/\($0)"] } ?? []
        let result = try CLI.run(arguments + ["--registry", test.path] + signing)
        #expect(result.status == status, "\(arguments): exit \(result.status)\n\(result.stdout)\n\(result.stderr)", sourceLocation: sourceLocation)
        return result
    }

    /// What prod runs for support-agent.
    func prod() throws -> String { try test.registry.resolve(.channel("support-agent")).version.description }

    /// The state sequence number.
    func seq() throws -> Int64 { try test.registry.stateHead().seq }
}
