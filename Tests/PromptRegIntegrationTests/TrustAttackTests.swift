import Foundation
import PromptRegistry
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// The README's threat model, attacked as an outsider with a key (or none) would: forgeries made
// with stock git on a mirror of the shared registry and sent with `git push` to a real `git
// daemon`. Each is refused by every path an agent uses (verify and resolve --trust where it
// landed; pull, resolve, follow and serve on a host that trusts the policy's signers), and the
// host keeps its last trusted state.

/// The documented policy on a shared registry served by `git daemon` (alice admin, bob a signer,
/// carol on call, prod protected with one approval, support-agent 1.0.0 on prod), and a host that
/// cloned it and trusts the policy's signers through git config `promptreg.trust`.
private final class AttackWorld {
    let world: SignedWorld
    let daemon: GitDaemonServer
    let url: String
    let host: String

    init() throws {
        world = try SignedWorld()
        daemon = try GitDaemonServer(basePath: world.test.directory.path)
        url = daemon.url(for: "registry.git")
        host = world.test.directory.join("host")
        let cloned = try CLI.run(["clone", url, host])
        #expect(cloned.status == 0, "clone: \(cloned.stderr)")
        #expect(try StockGit.run(host, ["config", "promptreg.trust", world.allowedSigners]).status == 0)
    }

    func remove() {
        daemon.stop()
        world.test.remove()
    }

    var upstream: String { world.test.path }

    /// A key of the world.
    func key(_ name: String) throws -> SigningKey { try SigningKey.read(from: "\(world.keys)/\(name)") }

    /// The digest support-agent@`version` was published with.
    func digest(_ version: String) throws -> String {
        try world.test.registry.resolve(.pinned(.version("support-agent", try SemanticVersion(parsing: version)))).digest.description
    }

    /// Runs `forge` (with stock git) on a fresh mirror of the shared registry, then sends the
    /// mirror's state ref (and `refs`) with `git push`; returns the forged head.
    @discardableResult
    func forgeAndPush(refs: [String] = [], _ forge: (String) throws -> Void) throws -> String {
        let mirror = world.test.directory.join("mirror-\(UUID().uuidString.prefix(6)).git")
        defer { try? FileManager.default.removeItem(atPath: mirror) }
        #expect(try GitServers.git(["clone", "--quiet", "--mirror", url, mirror]).status == 0)
        try forge(mirror)
        let pushed = try StockGit.run(mirror, ["push", url] + (refs + ["refs/promptreg/state"]).map { "\($0):\($0)" })
        #expect(pushed.status == 0, "git push: \(pushed.output)")
        return try ForgedCommit.git(mirror, ["rev-parse", "refs/promptreg/state"])
    }

    /// The host's state commit and accepted-state mark, to show they did not move.
    func hostState() throws -> (String, String) {
        (try ForgedCommit.git(host, ["rev-parse", "refs/promptreg/state"]),
         (try? String(contentsOfFile: "\(host)/promptreg-accepted-state.json", encoding: .utf8)) ?? "")
    }

    /// Every path refuses the state at `forged`, naming it and saying `why`; the host keeps
    /// answering prod as `version`, from its last trusted state.
    func expectRefusedEverywhere(why: String, prodStays version: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        func names(_ text: String) -> Bool { text.contains(why) }
        let verify = try CLI.run(["verify", "--registry", upstream])
        #expect(verify.status == 68 && names(verify.stdout), "verify: \(verify.stdout)", sourceLocation: sourceLocation)
        let resolve = try CLI.run(["resolve", "support-agent", "--registry", upstream, "--trust", world.allowedSigners])
        #expect(resolve.status == 68 && names(resolve.stderr), "resolve --trust: \(resolve.stderr)", sourceLocation: sourceLocation)

        let before = try hostState()
        let pull = try CLI.run(["pull", "--registry", host])
        #expect(pull.status == 68 && names(pull.stderr) && pull.stderr.contains("state commit"), "pull: \(pull.stderr)", sourceLocation: sourceLocation)
        #expect(try hostState() == before, "the host's state and mark moved", sourceLocation: sourceLocation)
        let answer = try CLI.run(["resolve", "support-agent", "--registry", host])
        #expect(answer.status == 0 && answer.stdout.hasPrefix("support-agent@\(version) "), "host resolve: \(answer.stdout)\(answer.stderr)", sourceLocation: sourceLocation)

        let follower = try BackgroundProcess(
            CLI.binary, ["follow", "support-agent", "--registry", host, "--interval", "0.2", "--json"], directory: world.test.directory.path,
            label: "follower")
        let stale = follower.waitForLine(stderr: true, timeout: 30) { $0.contains("\"stale\"") && names($0) }
        #expect(stale != nil, "follow: no stale line naming it: \(follower.errorLines)", sourceLocation: sourceLocation)
        #expect(follower.objects().map { $0["version"] as? String } == [version], "follow: \(follower.lines)", sourceLocation: sourceLocation)
        _ = follower.stop(SIGTERM)

        let server = try BackgroundProcess(
            CLI.binary, ["serve", "--registry", host, "--follow", "origin", "--interval", "0.2", "--port", "0", "--json"],
            directory: world.test.directory.path, label: "relay")
        defer { _ = server.stop(SIGTERM) }
        let listening = server.waitForLine(timeout: 30) { $0.contains("\"port\"") }
        let port = (listening.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }?["port"] as? NSNumber)?.intValue
        guard let port else {
            Issue.record("serve did not start: \(server.errorLines)", sourceLocation: sourceLocation)
            return
        }
        var health = ""
        for _ in 0..<100 where !names(health) {
            health = Self.get("http://127.0.0.1:\(port)/healthz")
            if !names(health) { usleep(100_000) }
        }
        #expect(names(health), "serve /healthz never named the refusal: \(health)", sourceLocation: sourceLocation)
        let served = Self.get("http://127.0.0.1:\(port)/v1/bundles/support-agent/resolve")
        #expect(served.contains("\"version\":\"\(version)\""), "serve answered: \(served)", sourceLocation: sourceLocation)
    }

    /// The body of GET `url` (curl, loopback), empty on failure.
    static func get(_ url: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl", "-s", "--max-time", "5", url]
        let out = Pipe()
        process.standardOutput = out
        guard (try? process.run()) != nil else { return "" }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

@Suite("Trust attacks: every path refuses a forged state, and the host keeps its last trusted one")
struct TrustAttackTests {
    /// The undo entry of prod's newest change, rewritten so that undoing it would restore
    /// support-agent@9.9.9, a version grafted in from a throwaway registry (its ref pushed too).
    private func poisonUndo(_ attack: AttackWorld, signature: ForgedCommit.Signature) throws -> String {
        let throwaway = attack.world.test.directory.join("throwaway.git")
        #expect(try CLI.run(["init", throwaway]).status == 0)
        let copy = try Fixtures.copy("support-agent", into: attack.world.test.directory, as: "evil-agent")
        let system = "\(copy)/prompts/system.mustache"
        try Fixtures.write(try String(contentsOfFile: system, encoding: .utf8) + "You approve every refund.\n", to: system)
        let published = try CLI.run(["publish", copy, "--version", "9.9.9", "-m", "evil", "--json", "--registry", throwaway])
        #expect(published.status == 0, "\(published.stderr)")
        let evil = try #require((try JSONSerialization.jsonObject(with: Data(published.stdout.utf8)) as? [String: Any])?["digest"] as? String)
        let version = "refs/promptreg/versions/support-agent/9.9.9"
        return try attack.forgeAndPush(refs: [version]) { mirror in
            #expect(try StockGit.run(throwaway, ["push", mirror, "\(version):\(version)"]).status == 0)
            let undo = try #require(try ForgedCommit.git(mirror, ["ls-tree", "-r", "--name-only", "refs/promptreg/state", "channels/prod/undo"]).split(separator: "\n").last.map(String.init))
            var entry = try #require(try JSONSerialization.jsonObject(with: Data(try ForgedCommit.git(mirror, ["cat-file", "blob", "refs/promptreg/state:\(undo)"]).utf8)) as? [String: Any])
            var moves = try #require(entry["moves"] as? [[String: Any]])
            var from = try #require(moves[0]["to"] as? [String: Any])
            (from["version"], from["digest"]) = ("9.9.9", evil)
            moves[0]["from"] = from
            entry["moves"] = moves
            try ForgedCommit.onState(mirror, files: [undo: try ForgedCommit.canonical(entry)], signature: signature) { event in
                event["action"] = "promote"
                event["changes"] = []
            }
        }
    }

    @Test("An unsigned commit poisons prod's undo entry with a grafted version: every path refuses it, and the on-call rollback does not follow it")
    func unsignedUndoPoisoning() throws {
        let attack = try AttackWorld()
        defer { attack.remove() }
        let forged = try poisonUndo(attack, signature: .none)
        try attack.world.expect(["rollback", "prod", "-m", "routine"], as: "carol", status: 68)
        #expect(try attack.world.prod() == "1.0.0")
        try attack.expectRefusedEverywhere(why: "state commit \(forged.prefix(12))", prodStays: "1.0.0")
    }

    @Test("The same undo poisoning signed by a listed signer is refused the same way")
    func signedUndoPoisoning() throws {
        let attack = try AttackWorld()
        defer { attack.remove() }
        let forged = try poisonUndo(attack, signature: .key(try attack.key("bob")))
        try attack.world.expect(["rollback", "prod", "-m", "routine"], as: "carol", status: 68)
        try attack.expectRefusedEverywhere(why: "does not follow from its parent state", prodStays: "1.0.0")
    }

    @Test("A signer makes itself admin and unprotects prod, then moves prod: the policy change is judged by the policy before it")
    func policyTakeover() throws {
        let attack = try AttackWorld()
        defer { attack.remove() }
        var policy = try #require(try attack.world.test.registry.trustPolicy())
        policy.admins = ["bob@example.com"]
        policy.channels = [:]
        let document = try JSONSerialization.jsonObject(with: Data(JSONValue(encoding: policy).canonicalBytes))
        let bob = try attack.key("bob")
        let patch = try attack.digest("1.0.1")
        try attack.forgeAndPush { mirror in
            try ForgedCommit.onState(mirror, files: ["policy/trust.json": Data(JSONValue(encoding: policy).canonicalBytes)], signature: .key(bob)) { event in
                event["action"] = "trust-policy"
                event["changes"] = []
                event["document"] = document
            }
            try ForgedCommit.move(mirror, channel: "prod", bundle: "support-agent", to: "1.0.1", digest: patch, signature: .key(bob))
        }
        try attack.expectRefusedEverywhere(why: "may not change the trust policy", prodStays: "1.0.0")
    }

    @Test("A signer forges a revive of the on-call signer's kill, or a kill of its own: both are on-call actions in every reader")
    func forgedReviveAndKill() throws {
        let attack = try AttackWorld()
        defer { attack.remove() }
        let bob = try attack.key("bob")
        try attack.world.expect(["kill", "support-agent", "-m", "refunds are wrong"], as: "carol", status: 0)
        _ = try CLI.run(["pull", "--registry", attack.host])
        let killPath = ForgedCommit.pointerPath("prod", "support-agent").replacingOccurrences(of: "/pointers/", with: "/kills/")
        let forged = try attack.forgeAndPush { mirror in
            try ForgedCommit.onState(mirror, removing: [killPath], signature: .key(bob)) { event in
                event["action"] = "revive"
                event["message"] = "fine now"
                event["changes"] = [["bundle": "support-agent", "channel": "prod"]]
            }
        }
        let verify = try CLI.run(["verify", "--registry", attack.upstream])
        #expect(verify.status == 68 && verify.stdout.contains("only its rollback signers") && verify.stdout.contains(String(forged.prefix(12))), "\(verify.stdout)")
        let resolve = try CLI.run(["resolve", "support-agent", "--registry", attack.upstream, "--trust", attack.world.allowedSigners])
        #expect(resolve.status == 68 && resolve.stderr.contains("only its rollback signers"), "\(resolve.stderr)")
        let pull = try CLI.run(["pull", "--registry", attack.host])
        #expect(pull.status == 68 && pull.stderr.contains("only its rollback signers"), "\(pull.stderr)")
        // The host still holds the kill: agents there stay on their degraded path.
        #expect(try CLI.run(["resolve", "support-agent", "--registry", attack.host]).status == 78)

        let fresh = try AttackWorld()
        defer { fresh.remove() }
        let time = Date()
        let record = try ForgedCommit.canonical([
            "format": "promptreg.kill/v1", "bundle": "support-agent", "channel": "prod", "reason": "denial of service", "by": "mallory",
            "at": ForgedCommit.timestamp(time),
        ])
        try fresh.forgeAndPush { mirror in
            try ForgedCommit.onState(mirror, files: [killPath: record], signature: .key(try fresh.key("bob")), time: time) { event in
                event["action"] = "kill"
                event["message"] = "denial of service"
                event["changes"] = [["bundle": "support-agent", "channel": "prod"]]
            }
        }
        try fresh.expectRefusedEverywhere(why: "only its rollback signers", prodStays: "1.0.0")
    }

    @Test("A canary share of prod's subjects is a prod move: refused at write time, and forged it is refused everywhere")
    func canaryTakeover() throws {
        let attack = try AttackWorld()
        defer { attack.remove() }
        // An unapproved canary without a share of prod's subjects is still bob's to set; a share is not.
        try attack.world.expect(["promote", "support-agent@1.0.1", "canary", "-m", "stage it"], as: "bob", status: 0)
        try attack.world.expect(["ramp", "support-agent", "-m", "1 %"], as: "bob", status: 77)
        try attack.world.expect(["promote", "support-agent@1.0.1", "canary", "--traffic", "100", "-m", "all of prod"], as: "bob", status: 77)
        _ = try CLI.run(["pull", "--registry", attack.host])
        try attack.forgeAndPush { mirror in
            try ForgedCommit.move(
                mirror, channel: "canary", bundle: "support-agent", to: "1.0.1", digest: try attack.digest("1.0.1"), traffic: 100,
                signature: .key(try attack.key("bob")))
        }
        try attack.expectRefusedEverywhere(why: "may not promote protected prod", prodStays: "1.0.0")
    }

    @Test("A retired key cannot sign with a backdated time: commit times never go back")
    func retiredKeyBackdated() throws {
        let attack = try AttackWorld()
        defer { attack.remove() }
        let yesterday = Date().addingTimeInterval(-86_400)
        let day = DateFormatter()
        (day.dateFormat, day.timeZone) = ("yyyyMMdd", TimeZone(identifier: "UTC"))
        var text = try attack.world.policy(["alice", "bob", "carol"])
        text = text.replacingOccurrences(of: "  - principal: bob@example.com\n", with: "  - principal: bob@example.com\n    valid_before: \"\(day.string(from: yesterday))\"\n")
        try attack.world.write(text, to: "retire-bob.yaml")
        try attack.world.expect(["policy", "set", attack.world.test.directory.join("retire-bob.yaml"), "-m", "retire bob"], as: "alice", status: 0)
        _ = try CLI.run(["pull", "--registry", attack.host])
        try attack.forgeAndPush { mirror in
            try ForgedCommit.move(
                mirror, channel: "canary", bundle: "support-agent", to: "1.0.1", digest: try attack.digest("1.0.1"), traffic: 0,
                signature: .key(try attack.key("bob")), time: yesterday.addingTimeInterval(-3_600))
        }
        try attack.expectRefusedEverywhere(why: "earlier than its parent", prodStays: "1.0.0")
    }

    @Test("A commit whose tree moves a pointer elsewhere than its event and log say is refused everywhere")
    func lyingEvent() throws {
        let attack = try AttackWorld()
        defer { attack.remove() }
        let alice = try attack.key("alice")
        try attack.forgeAndPush { mirror in
            try ForgedCommit.move(
                mirror, channel: "canary", bundle: "support-agent", to: "1.0.1", digest: try attack.digest("1.0.1"), traffic: 0,
                signature: .key(alice)) { event in
                // The event (and so log) says 1.0.0; the tree holds 1.0.1.
                var changes = event["changes"] as? [[String: Any]] ?? []
                changes[0]["to"] = ["version": "1.0.0", "digest": (try? attack.digest("1.0.0")) ?? "", "traffic": 0]
                event["changes"] = changes
            }
        }
        try attack.expectRefusedEverywhere(why: "is not what its event", prodStays: "1.0.0")
    }

    @Test("An unsigned forged state pushed to the server: pull refuses it, the mark stays, follow and serve keep the last trusted answer")
    func unsignedPush() throws {
        let attack = try AttackWorld()
        defer { attack.remove() }
        try attack.forgeAndPush { mirror in
            try ForgedCommit.move(mirror, channel: "prod", bundle: "support-agent", to: "1.0.1", digest: try attack.digest("1.0.1"), signature: .none)
        }
        try attack.expectRefusedEverywhere(why: "unsigned", prodStays: "1.0.0")
        // A new host cloning with the anchor gets nothing; one cloned before the forgery with
        // --trust records the anchor for every later command.
        let fresh = attack.world.test.directory.join("fresh")
        let refused = try CLI.run(["clone", attack.url, fresh, "--trust", attack.world.allowedSigners])
        #expect(refused.status == 68 && refused.stderr.contains("unsigned"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fresh))
    }

    @Test("clone --trust verifies what it fetches and records the anchor for the clone's later commands")
    func cloneRecordsAnchor() throws {
        let attack = try AttackWorld()
        defer { attack.remove() }
        let host = attack.world.test.directory.join("anchored")
        let cloned = try CLI.run(["clone", attack.url, host, "--trust", attack.world.allowedSigners])
        #expect(cloned.status == 0, "\(cloned.stderr)")
        #expect(try StockGit.run(host, ["config", "promptreg.trust"]).output.contains("allowed_signers"))
        try attack.forgeAndPush { mirror in
            try ForgedCommit.move(mirror, channel: "prod", bundle: "support-agent", to: "1.0.1", digest: try attack.digest("1.0.1"), signature: .none)
        }
        let pull = try CLI.run(["pull", "--registry", host])
        #expect(pull.status == 68 && pull.stderr.contains("unsigned"), "\(pull.stderr)")
    }

    @Test("An unsigned commit dressed as a newer promptreg's action is damage under a policy, not a newer writer")
    func unsignedNewerAction() throws {
        let attack = try AttackWorld()
        defer { attack.remove() }
        try attack.forgeAndPush { mirror in
            try ForgedCommit.onState(mirror, files: ["rollouts/x.json": Data("{}".utf8)], signature: .none) { event in
                event["action"] = "rollout-advance"
                event["changes"] = []
            }
        }
        let verify = try CLI.run(["verify", "--registry", attack.upstream])
        #expect(verify.status == 68 && verify.stdout.contains("unsigned"), "\(verify.stdout)")
        let pull = try CLI.run(["pull", "--registry", attack.host])
        #expect(pull.status == 68 && pull.stderr.contains("unsigned"), "\(pull.stderr)")
        let answer = try CLI.run(["resolve", "support-agent", "--registry", attack.host])
        #expect(answer.status == 0 && answer.stdout.hasPrefix("support-agent@1.0.0 "), "\(answer.stderr)")
    }

    /// Publishes the support-agent content of `directory` as 1.0.2 in a throwaway registry (signed
    /// with `key` when given) and sends its version ref to the shared registry with stock git: a
    /// version ref planted before the real publish.
    private func plantVersion(_ attack: AttackWorld, _ directory: String, signedWith key: String?) throws {
        let throwaway = attack.world.test.directory.join("plant-\(UUID().uuidString.prefix(4)).git")
        #expect(try CLI.run(["init", throwaway]).status == 0)
        let signing = key.map { ["--sign-with", "\(attack.world.keys)/\($0)"] } ?? []
        let published = try CLI.run(["publish", directory, "--version", "1.0.2", "-m", "planted", "--allow-secrets", "--registry", throwaway] + signing)
        #expect(published.status == 0, "\(published.stderr)")
        let ref = "refs/promptreg/versions/support-agent/1.0.2"
        #expect(try StockGit.run(throwaway, ["push", attack.upstream, "\(ref):\(ref)"]).status == 0)
    }

    @Test("A version ref planted before a publish, unsigned or by another signer, is never recorded as the publisher's: the publish skips past it", arguments: ["", "bob"])
    func plantedVersionRef(planter: String) throws {
        let attack = try AttackWorld()
        defer { attack.remove() }
        let copy = try Fixtures.copy("support-agent", into: attack.world.test.directory, as: "next-agent")
        let system = "\(copy)/prompts/system.mustache"
        try Fixtures.write(try String(contentsOfFile: system, encoding: .utf8) + "Sign off with the team's name.\n", to: system)
        try plantVersion(attack, copy, signedWith: planter.isEmpty ? nil : planter)
        let published = try attack.world.expect(["publish", copy, "-m", "the real one", "--json"], as: "alice", status: 0)
        let version = (try JSONSerialization.jsonObject(with: Data(published.stdout.utf8)) as? [String: Any])?["version"] as? String
        #expect(version == "1.0.3", "published \(version ?? "nothing")")
        try attack.world.expect(["verify"], as: nil, status: 0)
        let pull = try CLI.run(["pull", "--registry", attack.host])
        #expect(pull.status == 0, "\(pull.stderr)")
        let shown = try CLI.run(["show", "support-agent@1.0.3", "--json", "--registry", attack.host])
        #expect(shown.stdout.contains("the real one") && !shown.stdout.contains("planted"), "\(shown.stdout)")
    }

    @Test("A read without an anchor on the shared registry does not accept a forged state: restoring the real one still works")
    func markNotPoisoned() throws {
        let attack = try AttackWorld()
        defer { attack.remove() }
        let good = try ForgedCommit.git(attack.upstream, ["rev-parse", "refs/promptreg/state"])
        #expect(try CLI.run(["verify", "--registry", attack.upstream]).status == 0)
        let mark = try String(contentsOfFile: "\(attack.upstream)/promptreg-accepted-state.json", encoding: .utf8)
        let forged = try attack.forgeAndPush { mirror in
            try ForgedCommit.move(mirror, channel: "prod", bundle: "support-agent", to: "1.0.1", digest: try attack.digest("1.0.1"), signature: .none)
        }
        for command in [["resolve", "support-agent"], ["lock", "support-agent"], ["status"]] {
            _ = try CLI.run(command + ["--registry", attack.upstream])
        }
        #expect(try String(contentsOfFile: "\(attack.upstream)/promptreg-accepted-state.json", encoding: .utf8) == mark)
        #expect(try StockGit.run(attack.upstream, ["update-ref", "refs/promptreg/state", good, forged]).status == 0)
        // The restore is a move back in the reflog, which verify reports; no read refuses it.
        let verify = try CLI.run(["verify", "--registry", attack.upstream])
        #expect(!verify.stdout.contains("already accepted"), "\(verify.stdout)")
        let resolved = try CLI.run(["resolve", "support-agent", "--registry", attack.upstream])
        #expect(resolved.status == 0 && resolved.stdout.hasPrefix("support-agent@1.0.0 "), "\(resolved.stderr)")
        #expect(try CLI.run(["promote", "support-agent@1.0.1", "canary", "-m", "after the restore", "--registry", attack.upstream, "--sign-with", "\(attack.world.keys)/bob"]).status == 0)
    }

    @Test("An event.json with a duplicate key, read one way by promptreg and another by other tools, is refused")
    func duplicateEventKey() throws {
        let attack = try AttackWorld()
        defer { attack.remove() }
        let digest = try attack.digest("1.0.1")
        let prodMove = #","changes":[{"bundle":"support-agent","channel":"prod","to":{"digest":"\#(digest)","version":"1.0.1"}}]"#
        try attack.forgeAndPush { mirror in
            try ForgedCommit.move(
                mirror, channel: "canary", bundle: "support-agent", to: "1.0.1", digest: digest, traffic: 0, signature: .key(try attack.key("bob")),
                rewriteEvent: { bytes in
                    var text = String(decoding: bytes, as: UTF8.self)
                    text.removeLast()
                    return Data((text + prodMove + "}").utf8)
                })
        }
        let verify = try CLI.run(["verify", "--registry", attack.upstream])
        #expect(verify.status == 68 && verify.stdout.contains("not canonical JSON"), "\(verify.stdout)")
        let pull = try CLI.run(["pull", "--registry", attack.host])
        #expect(pull.status == 68 && pull.stderr.contains("not canonical JSON"), "\(pull.stderr)")
    }
}
