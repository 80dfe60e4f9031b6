import Foundation
import PromptRegistry
import TestSupport
import Testing

/// A registry with the examples published and support-agent 1.0.0 on prod before any policy
/// (unsigned), support-agent 1.0.1 published, and a trust policy set by alice: alice (admin), bob
/// and carol (on call) sign; prod is protected with one approval.
private struct TrustWorld {
    let test: TestRegistry
    let alice = SigningKey.generate(comment: "alice@example.com")
    let bob = SigningKey.generate(comment: "bob@example.com")
    let carol = SigningKey.generate(comment: "carol@example.com")
    let mallory = SigningKey.generate(comment: "mallory@example.com")

    init() throws {
        test = try TestRegistry()
        try registry.promote(.version("support-agent", SemanticVersion(1, 0, 0)), to: "prod", message: "ship", actor: "ops")
        try test.publishPatch("support-agent", adding: "Answer in one paragraph.")
        try signed(alice) { try registry.setTrustPolicy(policy(["alice": alice, "bob": bob, "carol": carol]), message: "protect prod", actor: "alice") }
    }

    var registry: Registry { test.registry }

    func policy(_ signers: [String: SigningKey]) -> TrustPolicy {
        TrustPolicy(
            signers: signers.sorted { $0.key < $1.key }.map { .init(principal: "\($0.key)@example.com", key: $0.value.publicKeyLine) },
            admins: ["alice@example.com"],
            channels: ["prod": .init(protected: true, approvals: 1, rollbackSigners: ["carol@example.com"])])
    }

    /// The policy's signers, as the agent's allowed_signers file.
    func trustFile() throws -> AllowedSigners {
        try AllowedSigners(parsing: try #require(try registry.trustPolicy()).allowedSignersText, source: "agent allowed_signers")
    }

    /// Runs `body` with writes signed by `key` (nil: unsigned).
    @discardableResult
    func signed<T>(_ key: SigningKey?, _ body: () throws -> T) rethrows -> T {
        registry.signingKey = key
        defer { registry.signingKey = nil }
        return try body()
    }

    /// Lands support-agent 1.0.1 on prod: proposed by alice, approved by bob.
    func shipPatch() throws {
        let (_, proposal) = try signed(alice) { try registry.propose(.version(bundle: "support-agent", version: SemanticVersion(1, 0, 1), traffic: nil), to: "prod", message: "ship", actor: "alice") }
        try signed(bob) { _ = try registry.approve(proposal.id, message: "ok", actor: "bob") }
    }

    /// Forges a state commit moving prod of support-agent to 1.0.1 with `action`, signed as
    /// `signature`, written exactly as promptreg would write it (so only who signed it is wrong).
    func forgeProdMove(_ signature: ForgedCommit.Signature, action: String = "promote", signedBy: String? = nil) throws {
        let patch = try registry.resolve(.pinned(.version("support-agent", SemanticVersion(1, 0, 1))))
        try ForgedCommit.move(
            test.path, channel: "prod", bundle: "support-agent", to: "1.0.1", digest: patch.digest.description, action: action == "rollback" ? "rollback" : action,
            signature: signature) { event in event["signed_by"] = signedBy }
    }

    /// The messages of verify's problems.
    func problems() throws -> [String] { try registry.verify().problems.map(\.message) }

    /// The integrity error a trusted resolve of `request` fails with.
    func refusal(_ request: ResolveRequest, trusting signers: AllowedSigners, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        do {
            let answer = try Registry.resolve(request, registry: test.path, trusting: signers)
            Issue.record("a trusted resolve answered \(answer.version)", sourceLocation: sourceLocation)
            return ""
        } catch let error as PromptRegError {
            #expect(error.code == .integrity, "\(error)", sourceLocation: sourceLocation)
            return error.message
        }
    }
}

@Suite("Trust: verify checks signatures; resolve trusting an allowed_signers file")
struct TrustVerifyTests {
    @Test("A signed history verifies, and a trusted resolve answers prod, canary and a pinned version")
    func signedHistoryVerifies() throws {
        let world = try TrustWorld()
        defer { world.test.remove() }
        try world.shipPatch()
        try world.signed(world.bob) { _ = try world.registry.promote(.version("support-agent", SemanticVersion(1, 0, 1)), to: "canary", message: "try", actor: "bob") }
        #expect(try world.problems() == [])
        let signers = try world.trustFile()
        #expect(try world.registry.resolve(.channel("support-agent"), trusting: signers).version == SemanticVersion(1, 0, 1))
        #expect(try world.registry.resolve(.channel("support-agent", channel: "canary"), trusting: signers).version == SemanticVersion(1, 0, 1))
        #expect(try Registry.resolve(.pinned(.version("support-agent", SemanticVersion(1, 0, 0))), registry: world.test.path, trusting: signers).channel == nil)
        // Repeated, from the cache: the same answers.
        #expect(try world.registry.resolve(.channel("support-agent"), trusting: signers).version == SemanticVersion(1, 0, 1))
    }

    @Test("The first policy's signed commit endorses the unsigned history before it; a registry that never had a policy must be signed throughout")
    func unsignedBeforePolicy() throws {
        let world = try TrustWorld()
        defer { world.test.remove() }
        #expect(try world.problems() == [], "commits before the first policy may be unsigned")
        #expect(try world.registry.resolve(.channel("support-agent"), trusting: try world.trustFile()).version == SemanticVersion(1, 0, 0))
        let plain = try TestRegistry()
        defer { plain.remove() }
        let message: String
        do {
            _ = try Registry.resolve(.channel("support-agent"), registry: plain.path, trusting: try world.trustFile())
            message = ""
        } catch let error as PromptRegError {
            message = error.message
        }
        #expect(message.contains("(seq 0): unsigned"), "\(message)")
    }

    @Test("Before any policy, a signature that does not match its commit is still a problem")
    func brokenSignatureBeforePolicy() throws {
        let test = try TestRegistry()
        defer { test.remove() }
        let digest = try test.registry.resolve(.pinned(.version("support-agent", SemanticVersion(1, 0, 0)))).digest.description
        try ForgedCommit.move(test.path, channel: "prod", bundle: "support-agent", to: "1.0.0", digest: digest, signature: .none)
        #expect(try test.registry.verify().ok, "unsigned commits are fine without a policy")
        try ForgedCommit.move(test.path, channel: "canary", bundle: "support-agent", to: "1.0.0", digest: digest, traffic: 0, signature: .tampered(SigningKey.generate()))
        let problems = try test.registry.verify().problems.map(\.message)
        #expect(problems.count == 1 && problems[0].contains("signature does not match the commit"), "\(problems)")
    }

    @Test("An unsigned forged move of protected prod: verify reports it, a trusted resolve refuses it, an untrusting one answers as before")
    func unsignedForgery() throws {
        let world = try TrustWorld()
        defer { world.test.remove() }
        try world.forgeProdMove(.none)
        let seq = try world.registry.stateHead().seq
        let problems = try world.problems()
        #expect(problems.count == 1 && problems[0].contains("(seq \(seq)): unsigned"), "\(problems)")
        let message = try world.refusal(.channel("support-agent"), trusting: try world.trustFile())
        #expect(message.contains("(seq \(seq)): unsigned"), "\(message)")
        #expect(try world.registry.resolve(.channel("support-agent")).version == SemanticVersion(1, 0, 1))
    }

    @Test("A listed signer who may not move protected prod: verify reports it, a trusted resolve refuses it")
    func listedSignerMayNotPromote() throws {
        let world = try TrustWorld()
        defer { world.test.remove() }
        try world.forgeProdMove(.key(world.bob), signedBy: "bob@example.com")
        let problems = try world.problems()
        #expect(problems.count == 1 && problems[0].contains("bob@example.com may not promote protected prod"), "\(problems)")
        let message = try world.refusal(.channel("support-agent"), trusting: try world.trustFile())
        #expect(message.contains("bob@example.com may not promote protected prod"), "\(message)")
    }

    @Test("An approval that moves protected prod without completing a proposal is reported and refused")
    func approvalWithoutProposal() throws {
        let world = try TrustWorld()
        defer { world.test.remove() }
        try world.forgeProdMove(.key(world.bob), action: "approve", signedBy: "bob@example.com")
        let problems = try world.problems()
        #expect(problems.count == 1 && problems[0].contains("completes no proposal"), "\(problems)")
        #expect(try world.refusal(.channel("support-agent"), trusting: try world.trustFile()).contains("completes no proposal"))
    }

    @Test("A removed signer: its earlier commits verify; a write after the removal is refused, a forged one reported")
    func removedSigner() throws {
        let world = try TrustWorld()
        defer { world.test.remove() }
        try world.shipPatch()
        let rotated = world.policy(["alice": world.alice, "carol": world.carol])
        try world.signed(world.alice) { _ = try world.registry.setTrustPolicy(rotated, message: "drop bob", actor: "alice") }
        #expect(try world.problems() == [], "bob's approval was made under the policy that listed him")
        #expect(throws: PromptRegError.self) {
            try world.signed(world.bob) { _ = try world.registry.promote(.version("support-agent", SemanticVersion(1, 0, 0)), to: "canary", message: "x", actor: "bob") }
        }
        try world.forgeProdMove(.key(world.bob), action: "rollback", signedBy: "bob@example.com")
        let problems = try world.problems()
        #expect(problems.count == 1 && problems[0].contains("signed by an unknown key \(world.bob.publicKey.fingerprint)"), "\(problems)")
    }

    @Test("An event's signed_by must name the real signer")
    func signedByClaim() throws {
        let world = try TrustWorld()
        defer { world.test.remove() }
        let digest = try world.registry.resolve(.pinned(.version("support-agent", SemanticVersion(1, 0, 1)))).digest.description
        try ForgedCommit.move(world.test.path, channel: "canary", bundle: "support-agent", to: "1.0.1", digest: digest, traffic: 0, signature: .key(world.bob)) { event in
            event["signed_by"] = "alice@example.com"
        }
        let problems = try world.problems()
        #expect(problems.count == 1 && problems[0].contains("says it is signed by alice@example.com, but the signature is by bob@example.com"), "\(problems)")
    }

    @Test("A trusted resolve asks the agent's file, not the registry's policy, who may sign, for every commit")
    func agentFileDecides() throws {
        let world = try TrustWorld()
        defer { world.test.remove() }
        try world.signed(world.bob) { _ = try world.registry.promote(.version("support-agent", SemanticVersion(1, 0, 1)), to: "canary", message: "try", actor: "bob") }
        try world.signed(world.alice) { _ = try world.registry.promote(.version("support-triage", SemanticVersion(1, 0, 0)), to: "canary", message: "try", actor: "alice") }
        let withoutBob = try AllowedSigners(
            parsing: world.policy(["alice": world.alice, "carol": world.carol]).allowedSignersText, source: "agent allowed_signers")
        // Every commit must pass: bob's move is in the history, so nothing is trusted past it,
        // not even alice's later move or a pinned version read at the head.
        for request in [ResolveRequest.channel("support-agent", channel: "canary"), .channel("support-triage", channel: "canary"), .pinned(.version("support-agent", SemanticVersion(1, 0, 1)))] {
            let message = try world.refusal(request, trusting: withoutBob)
            #expect(message.contains("signed by an unknown key \(world.bob.publicKey.fingerprint)") && message.contains("not in agent allowed_signers"), "\(message)")
        }
        #expect(try world.registry.resolve(.channel("support-triage", channel: "canary"), trusting: world.trustFile()).version == SemanticVersion(1, 0, 0))
        // A key nobody lists signs nothing a trusted resolve accepts.
        let digest = try world.registry.resolve(.pinned(.version("support-agent", SemanticVersion(1, 0, 0)))).digest.description
        try ForgedCommit.move(world.test.path, channel: "canary", bundle: "support-agent", to: "1.0.0", digest: digest, traffic: 0, signature: .key(world.mallory))
        #expect(try world.refusal(.pinned(.version("support-agent", SemanticVersion(1, 0, 1))), trusting: world.trustFile()).contains("unknown key \(world.mallory.publicKey.fingerprint)"))
    }
}
