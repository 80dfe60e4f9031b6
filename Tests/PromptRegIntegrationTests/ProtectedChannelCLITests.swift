import Foundation
import PromptRegistry
import TestSupport
import Testing

// Protected channels and the two-person rule, as real processes with real keys: `key generate`,
// `policy set`, `propose`, `approve`, `proposals`, direct promotes refused, on-call rollback in
// one step, policy rotation by admins only, and stock git verifying the signatures.

@Suite("Protected channels and approvals")
struct ProtectedChannelCLITests {
    @Test("A direct or unsigned promote of protected prod is refused (77) and writes nothing")
    func directPromoteRefused() throws {
        let world = try SignedWorld()
        defer { world.test.remove() }
        let before = world.test.fingerprint
        let direct = try world.expect(["promote", "support-agent@1.0.1", "prod", "-m", "x"], as: "alice", status: 77)
        #expect(direct.stderr.contains("prod is protected") && direct.stderr.contains("promptreg propose"))
        let unsigned = try world.expect(["promote", "support-agent@1.0.1", "canary", "-m", "x"], as: nil, status: 77)
        #expect(unsigned.stderr.contains("must be signed"))
        try world.expect(["promote", "support-agent@1.0.1", "canary", "-m", "x"], as: "mallory", status: 77)
        #expect(world.test.fingerprint == before)
        // Unprotected channels move with any listed signer.
        try world.expect(["promote", "support-agent@1.0.1", "canary", "-m", "x"], as: "bob", status: 0)
    }

    @Test("Two approvals land the promote in the same state commit as the last one; self-approval and double approval refused")
    func twoApprovals() throws {
        let world = try SignedWorld(approvals: 2)
        defer { world.test.remove() }
        let id = try world.propose("1.0.1")
        let before = world.test.fingerprint
        let own = try world.expect(["approve", id, "-m", "mine"], as: "alice", status: 77)
        #expect(own.stderr.contains("own approval does not count"))
        try world.expect(["approve", id, "-m", "x"], as: nil, status: 77)
        try world.expect(["approve", id, "-m", "x"], as: "mallory", status: 77)
        #expect(world.test.fingerprint == before)

        try world.expect(["approve", id, "-m", "reviewed"], as: "bob", status: 0)
        #expect(try world.prod() == "1.0.0")
        let twice = try world.expect(["approve", id, "-m", "again"], as: "bob", status: 67)
        #expect(twice.stderr.contains("once per signer"))
        let listed = try world.expect(["proposals", "--json"], as: nil, status: 0)
        #expect(listed.stdout.contains(id) && listed.stdout.contains("bob@example.com"))

        let seqBefore = try world.seq()
        let last = try world.expect(["approve", id, "-m", "reviewed too", "--json"], as: "carol", status: 0)
        #expect(last.stdout.contains("\"landed\" : true"))
        #expect(try world.seq() == seqBefore + 1, "the promote lands in the same state commit as the last approval")
        #expect(try world.prod() == "1.0.1")
        let log = try world.expect(["log", "-n", "3", "--json"], as: nil, status: 0)
        let events = try #require(try JSONSerialization.jsonObject(with: Data(log.stdout.utf8)) as? [[String: Any]])
        #expect(events.first?["action"] as? String == "approve")
        #expect(events.first?["signed_by"] as? String == "carol@example.com")
        #expect((events.first?["changes"] as? [[String: Any]])?.first?["channel"] as? String == "prod")
        #expect(events.map { $0["signed_by"] as? String } == ["carol@example.com", "bob@example.com", "alice@example.com"])
        try world.expect(["proposals"], as: nil, status: 0)
        #expect(try world.test.registry.proposals().isEmpty)
        try world.expect(["verify"], as: nil, status: 0)
    }

    @Test("On call rolls back protected prod alone, in one step; a moved channel voids a pending proposal")
    func onCallRollback() throws {
        let world = try SignedWorld()
        defer { world.test.remove() }
        try world.ship("1.0.1")
        #expect(try world.prod() == "1.0.1")
        let notOnCall = try world.expect(["rollback", "prod", "-m", "x"], as: "bob", status: 77)
        #expect(notOnCall.stderr.contains("rollback signers (carol@example.com)"))


        // A proposal made before prod moves is void once it moved.
        let pending = try world.propose("1.0.0")

        // On call: one step, one state commit, no approval; an explicit --to needs a proposal.
        try world.expect(["rollback", "prod", "support-agent", "--to", "1.0.0", "-m", "x"], as: "carol", status: 77)
        let seqBefore = try world.seq()
        try world.expect(["rollback", "prod", "-m", "refunds too generous"], as: "carol", status: 0)
        #expect(try world.seq() == seqBefore + 1)
        #expect(try world.prod() == "1.0.0")

        let void = try world.expect(["approve", pending, "-m", "late"], as: "bob", status: 67)
        #expect(void.stderr.contains("void"))
    }

    @Test("Only an admin changes the policy; a removed signer can no longer sign, though its earlier commits stay verified")
    func rotation() throws {
        let world = try SignedWorld()
        defer { world.test.remove() }
        try world.expect(["promote", "support-agent@1.0.1", "canary", "-m", "by bob"], as: "bob", status: 0)
        try world.write(try world.policy(["alice", "carol"]), to: "rotated.yaml")
        let path = world.test.directory.join("rotated.yaml")
        let before = world.test.fingerprint
        try world.expect(["policy", "set", path, "-m", "drop bob"], as: "bob", status: 77)
        try world.expect(["policy", "set", path, "-m", "drop bob"], as: "carol", status: 77)
        #expect(world.test.fingerprint == before)
        try world.expect(["policy", "set", path, "-m", "drop bob"], as: "alice", status: 0)
        try world.expect(["promote", "support-agent@1.0.0", "canary", "-m", "bob again"], as: "bob", status: 77)
        try world.expect(["verify"], as: nil, status: 0)

        // Bad policies are refused whole, naming the field, and write nothing.
        let unchanged = world.test.fingerprint
        try world.write("signers: []\nadmins: [alice@example.com]\n", to: "empty.yaml")
        let empty = try world.expect(["policy", "set", world.test.directory.join("empty.yaml"), "-m", "x"], as: "alice", status: 65)
        #expect(empty.stderr.contains("signers"))
        try world.write(try world.policy(["alice"], admin: "eve@example.com"), to: "eve.yaml")
        let eve = try world.expect(["policy", "set", world.test.directory.join("eve.yaml"), "-m", "x"], as: "alice", status: 65)
        #expect(eve.stderr.contains("admins") && eve.stderr.contains("eve@example.com is not a signer"))
        let share = try world.policy(["alice", "bob", "carol"]).replacingOccurrences(of: "rollback_signers: [carol@example.com]}", with: "rollback_signers: [carol@example.com], canary_max_traffic: 150}")
        try world.write(share, to: "share.yaml")
        let wide = try world.expect(["policy", "set", world.test.directory.join("share.yaml"), "-m", "x"], as: "alice", status: 65)
        #expect(wide.stderr.contains("channels.prod.canary_max_traffic") && wide.stderr.contains("150"), "\(wide.stderr)")
        try world.write(try world.policy(["alice", "bob", "carol"]) + "evaluators: [ci@example.com]\n", to: "ci.yaml")
        let ci = try world.expect(["policy", "set", world.test.directory.join("ci.yaml"), "-m", "x"], as: "alice", status: 65)
        #expect(ci.stderr.contains("evaluators") && ci.stderr.contains("ci@example.com is not a signer"), "\(ci.stderr)")
        #expect(world.test.fingerprint == unchanged)
    }

    @Test("Stock git verifies the signed state commits with the policy's allowed_signers")
    func stockGitVerifies() throws {
        let world = try SignedWorld()
        defer { world.test.remove() }
        try world.expect(["promote", "support-agent@1.0.1", "canary", "-m", "try it"], as: "bob", status: 0)
        let signers = try world.expect(["policy", "show", "--allowed-signers"], as: nil, status: 0)
        try world.write(signers.stdout, to: "allowed_signers")
        let config = ["-c", "gpg.ssh.allowedSignersFile=\(world.test.directory.join("allowed_signers"))"]
        let verified = try StockGit.run(world.test.path, config + ["verify-commit", "refs/promptreg/state"])
        #expect(verified.status == 0, "\(verified.output)")
        let shown = try StockGit.run(world.test.path, config + ["log", "--show-signature", "-1", "refs/promptreg/state"])
        #expect(shown.output.contains("Good \"git\" signature for bob@example.com"), "\(shown.output)")
        #expect(shown.output.contains("signed-by: bob@example.com"))
        // The first policy's commit is signed by a key no policy listed yet: its fingerprint is recorded.
        let history = try StockGit.run(world.test.path, config + ["log", "--show-signature", "--grep=trust-policy", "refs/promptreg/state"])
        #expect(history.output.contains("Good \"git\" signature for alice@example.com") && history.output.contains("signed-by: SHA256:"), "\(history.output)")
        // A key that exists already is never overwritten.
        let again = try CLI.run(["key", "generate", "\(world.keys)/alice"])
        #expect(again.status == 67, "\(again.stderr)")
    }
}
