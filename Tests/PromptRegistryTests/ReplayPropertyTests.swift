import Foundation
import GitStore
import PromptRegistry
import TestSupport
import Testing

// The state transition as a property: random sequences of valid writes replay to exactly their
// trees, and one random mutation of any commit's tree or event is caught at that commit.

@Suite("Replay: every valid history replays; every mutation of a commit is caught")
struct ReplayPropertyTests {
    /// Makes `count` random valid writes (publish, promote, rollback, ramp, kill, revive, channel
    /// create, gate, eval record, ramp policy, policy change, propose, approve) on `test`.
    private func randomHistory(_ test: TestRegistry, seed: UInt64, count: Int) throws {
        var random = SeededRandom(seed: seed)
        let registry = test.registry
        let alice = SigningKey.generate(comment: "alice@example.com")
        let bob = SigningKey.generate(comment: "bob@example.com")
        let name = "support-agent"
        var versions = [SemanticVersion(1, 0, 0)]
        var policySet = false
        func policy(canary: Double) -> TrustPolicy {
            TrustPolicy(
                signers: [.init(principal: "alice@example.com", key: alice.publicKeyLine), .init(principal: "bob@example.com", key: bob.publicKeyLine)],
                admins: ["alice@example.com"],
                channels: ["prod": .init(protected: true, approvals: 1, rollbackSigners: ["bob@example.com"], canaryMaxTraffic: canary)])
        }
        var done = 0
        var attempts = 0
        while done < count, attempts < count * 20 {
            attempts += 1
            let version = versions.randomElement(using: &random)!
            registry.signingKey = policySet ? [alice, bob].randomElement(using: &random)! : nil
            do {
                switch Int.random(in: 0..<13, using: &random) {
                case 0: versions.append(try test.publishPatch(name, adding: "Line \(done)."))
                case 1 where !policySet: try registry.promote(.version(name, version), to: "prod", message: "ship", actor: "t")
                case 2: try registry.promote(.version(name, version), to: "canary", traffic: policySet ? nil : Double(Int.random(in: 0...50, using: &random)), message: "try", actor: "t")
                case 3: try registry.rollback(channel: ["prod", "canary"].randomElement(using: &random)!, message: "undo", actor: "t")
                case 4: _ = try registry.ramp(name, message: "ramp", actor: "t")
                case 5: try registry.kill(name, channel: "canary", reason: "stop", actor: "t")
                case 6: try registry.revive(name, channel: "canary", message: "back", actor: "t")
                case 7: try registry.createChannel("staging-\(done)", description: "a stage", message: "new", actor: "t")
                case 8: try registry.setGate(GateRule(channel: "canary", suite: "refunds", maxDrop: 0.05), message: "gate", actor: "t")
                case 9:
                    let run = EvalRun(score: 0.9, cases: 10, passed: 9, failed: 1, errored: 0, dataset: Digest(of: Array("cases".utf8)))
                    try registry.recordEval(.version(name, version), suite: "refunds", run: run, message: "ci", actor: "t")
                case 10: try registry.setRampPolicy(RampPolicy(steps: [1, 10, 100], minDwellSeconds: 0), message: "ramp", actor: "t")
                case 11:
                    registry.signingKey = alice
                    try registry.setTrustPolicy(policy(canary: Double(Int.random(in: 0...5, using: &random))), message: "policy", actor: "alice")
                    policySet = true
                case 12 where policySet:
                    registry.signingKey = alice
                    let (_, proposal) = try registry.propose(.version(bundle: name, version: version, traffic: nil), to: "prod", message: "ship", actor: "alice")
                    registry.signingKey = bob
                    _ = try registry.approve(proposal.id, message: "ok", actor: "bob")
                default: continue
                }
                done += 1
            } catch let error as PromptRegError where [.conflict, .notFound, .forbidden, .gateFailed, .usage, .killed].contains(error.code) {
                continue  // not a valid write here: draw another
            }
        }
        registry.signingKey = nil
        #expect(done == count, "only \(done) valid writes in \(attempts) attempts")
    }

    /// The state commits, oldest first.
    private func chain(_ repository: GitRepository) throws -> [GitCommit] {
        var found: [GitCommit] = []
        var next = try repository.referenceTarget("refs/promptreg/state")
        while let id = next {
            let commit = try repository.readCommit(id)
            found.append(commit)
            next = commit.parents.first
        }
        return found.reversed()
    }

    /// Every file of `tree` (recursively).
    private func files(_ repository: GitRepository, _ tree: ObjectID, under directory: String = "") throws -> [String] {
        try repository.listTree(directory, inTree: tree).flatMap { entry -> [String] in
            let path = directory.isEmpty ? entry : "\(directory)/\(entry)"
            return try repository.readFile(path, inTree: tree) != nil ? [path] : files(repository, tree, under: path)
        }
    }

    /// One random change to `commit`'s tree or event: a value changed in a file it wrote, an extra
    /// file, a file it wrote removed, or its event's sequence number, a change or its document edited.
    private func mutate(_ commit: GitCommit, parent: GitCommit?, _ repository: GitRepository, random: inout SeededRandom) throws -> [TreeChange] {
        let written = try parent.map { try repository.changedFiles(from: $0.tree, to: commit.tree) } ?? files(repository, commit.tree)
        let candidates = written.filter { $0 != "event.json" && (try? repository.readFile($0, inTree: commit.tree)) != nil }
        let eventData = try #require(try repository.readFile("event.json", inTree: commit.tree))
        let event = try #require(try JSONSerialization.jsonObject(with: eventData) as? [String: Any])
        var kind = Int.random(in: 0..<4, using: &random)
        if kind == 0 && candidates.isEmpty || kind == 2 && candidates.isEmpty { kind = 1 }
        switch kind {
        case 0:
            let path = candidates.randomElement(using: &random)!
            var text = String(decoding: try #require(try repository.readFile(path, inTree: commit.tree)), as: UTF8.self)
            // A changed value: the first digit or letter inside a string value, replaced.
            let index = try #require(text.indices.dropFirst().first { text[$0].isLetter || text[$0].isNumber })
            text.replaceSubrange(index...index, with: text[index] == "7" ? "8" : "7")
            return [TreeChange(path: path, blob: try repository.writeBlob(Data(text.utf8)))]
        case 1:
            let path = ["channels/prod/extra.json", "policy/extra.json", "versions/extra", "notes.txt"].randomElement(using: &random)!
            return [TreeChange(path: path, blob: try repository.writeBlob(Data("{}".utf8)))]
        case 2:
            return [TreeChange(path: candidates.randomElement(using: &random)!, blob: nil)]
        default:
            var edited = event
            if var changes = edited["changes"] as? [[String: Any]], !changes.isEmpty, Bool.random(using: &random) {
                if var to = changes[0]["to"] as? [String: Any], let version = to["version"] as? String {
                    to["version"] = version == "1.0.0" ? "1.0.1" : "1.0.0"
                    changes[0]["to"] = to
                } else {
                    changes[0]["bundle"] = "support-triage"
                }
                edited["changes"] = changes
            } else if var document = edited["document"] as? [String: Any], let key = document.keys.sorted().first(where: { $0 != "format" }) {
                document[key] = "mutated"
                edited["document"] = document
            } else {
                edited["seq"] = (edited["seq"] as? Int ?? 0) + 1
            }
            let bytes = try JSONSerialization.data(withJSONObject: edited, options: [.sortedKeys, .withoutEscapingSlashes])
            return [TreeChange(path: "event.json", blob: try repository.writeBlob(bytes))]
        }
    }

    @Test("random valid histories replay to identical trees, and a mutation of any commit is reported at that commit", arguments: [UInt64(1), 2, 3])
    func replayAndMutate(seed: UInt64) throws {
        let test = try TestRegistry()
        defer { test.remove() }
        try randomHistory(test, seed: seed, count: 24)
        let report = try test.registry.verify()
        #expect(report.ok, "a valid history must replay: \(report.problems)")
        let repository = try GitRepository.open(at: test.path)
        let commits = try chain(repository)
        let head = commits.last!.id
        var random = SeededRandom(seed: seed &* 7919)
        for (index, commit) in commits.enumerated() {
            let parent = index > 0 ? commits[index - 1] : nil
            let changes = try mutate(commit, parent: parent, repository, random: &random)
            let tree = try repository.updateTree(commit.tree, changes: changes)
            let forged = try repository.createCommit(tree: tree, parents: parent.map { [$0.id] } ?? [], author: commit.author, message: commit.message)
            let current = try #require(try repository.referenceTarget("refs/promptreg/state"))
            try repository.updateReference("refs/promptreg/state", to: forged, expecting: .pointsAt(current), logMessage: "mutate")
            try? FileManager.default.removeItem(atPath: "\(test.path)/promptreg-accepted-state.json")
            try? FileManager.default.removeItem(atPath: "\(test.path)/logs/refs/promptreg/state")
            let problems = try Registry.open(at: test.path).verify().problems.map(\.message)
            #expect(problems.contains { $0.contains("state commit \(forged.hex.prefix(12))") }, "commit \(index) mutated by \(changes.map(\.path)) was not caught: \(problems)")
        }
        let last = try #require(try repository.referenceTarget("refs/promptreg/state"))
        try repository.updateReference("refs/promptreg/state", to: head, expecting: .pointsAt(last), logMessage: "restore")
    }
}
