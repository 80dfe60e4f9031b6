import Foundation
import GitStore
import PromptRegistry
import TestSupport
import Testing

/// The JSON Schemas in schemas/ are real: every example bundle and every document a registry
/// stores validates against them, checked by an independent validator (Python's jsonschema).
@Suite("JSON Schemas")
struct SchemaTests {
    private func check(_ pairs: [(schema: String, document: String)]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", "\(Fixtures.packageRoot)/scripts/check-schemas.py"]
            + pairs.map { "\(Fixtures.packageRoot)/schemas/\($0.schema).schema.json=\($0.document)" }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    /// The schema a state or version file follows, by its path in the tree.
    private func schemaName(statePath path: String) -> String? {
        let parts = path.split(separator: "/").map(String.init)
        switch (parts.first, parts.count) {
        case ("event.json", 1): return "event"
        case ("versions", 5), ("versions", 6): return "version-record"
        case ("digests", 5), ("digests", 6): return "digest-index"
        case ("highest", 4): return "highest"
        case ("channels", 6) where parts[2] == "pointers": return "pointer"
        case ("channels", 6) where parts[2] == "kills": return "kill"
        case ("channels", 4) where parts[2] == "undo": return "undo"
        case ("channels", 3) where parts[2] == "channel.json": return "channel"
        case ("evals", 7): return "eval-statement"
        case ("policy", 3) where parts[1] == "gates": return "gate"
        case ("policy", 2) where parts[1] == "ramp.json": return "ramp"
        case ("policy", 2) where parts[1] == "trust.json": return "trust-policy"
        case ("proposals", 2): return "proposal"
        default: return nil
        }
    }

    private func files(in tree: ObjectID, _ repository: GitRepository, under prefix: String = "") throws -> [String] {
        try repository.listTree(prefix, inTree: tree).flatMap { name -> [String] in
            let path = prefix.isEmpty ? name : "\(prefix)/\(name)"
            if try repository.readFile(path, inTree: tree) != nil { return [path] }
            return try files(in: tree, repository, under: path)
        }
    }

    @Test("examples and every stored document validate")
    func everythingValidates() throws {
        let test = try TestRegistry()
        defer { test.remove() }
        let registry = test.registry
        for name in Fixtures.exampleNames {
            try registry.promote(.version(name, SemanticVersion(1, 0, 0)), to: "prod", message: "one", actor: "ops")
            try test.publishPatch(name, adding: "Two.")
            try registry.promote(.version(name, SemanticVersion(1, 0, 1)), to: "canary", traffic: 7.5, message: "try", actor: "ops")
        }
        try registry.promote(channel: "canary", to: "prod", message: "release", actor: "ops")
        try registry.rollback(channel: "prod", message: "undo", actor: "ops")
        let dataset = Digest(of: Array("eval set".utf8))
        let run = EvalRun(
            score: 0.5, cases: 2, passed: 1, failed: 1, errored: 0, dataset: dataset, judge: "gpt-4o-2024-08-06",
            results: [.init(id: "c1", outcome: "pass"), .init(id: "c2", outcome: "fail")])
        try registry.recordEval(.version("support-agent", SemanticVersion(1, 0, 1)), suite: "refunds", run: run, message: "m", actor: "ci")
        try registry.setGate(GateRule(channel: "prod", suite: "refunds", maxDrop: 0.03, dataset: dataset), message: "gate", actor: "ops")
        try registry.setRampPolicy(RampPolicy(steps: [5, 50, 100], minDwellSeconds: 60), message: "ramp", actor: "ops")
        try registry.promote(
            .version("support-triage", SemanticVersion(1, 0, 1)), to: "prod", message: "no eval yet", actor: "ops",
            overrideGate: "hotfix")
        // A kill revived, and one left in force.
        try registry.kill("support-agent", channel: "canary", reason: "loops on tool calls", actor: "oncall")
        try registry.revive("support-agent", channel: "canary", message: "fixed", actor: "oncall")
        try registry.kill("reply-verifier", channel: "canary", reason: "approves everything", actor: "oncall")
        // Signed history with a trust policy, a proposal and its approval.
        let (alice, bob) = (SigningKey.generate(comment: "alice"), SigningKey.generate(comment: "bob"))
        registry.signingKey = alice
        try registry.setTrustPolicy(
            TrustPolicy(
                signers: [.init(principal: "alice@example.com", key: alice.publicKeyLine), .init(principal: "bob@example.com", key: bob.publicKeyLine, validBefore: "20991231Z")],
                admins: ["alice@example.com"], channels: ["prod": .init(protected: true, approvals: 1, rollbackSigners: ["bob@example.com"])]),
            message: "protect prod", actor: "ops")
        let (_, proposal) = try registry.propose(.version(bundle: "support-agent", version: SemanticVersion(1, 0, 1), traffic: nil), to: "prod", message: "ship", actor: "ops")
        registry.signingKey = bob
        try registry.approve(proposal.id, message: "looks right", actor: "ops")

        var pairs: [(String, String)] = []
        for name in Fixtures.exampleNames {
            let example = Fixtures.example(name)
            pairs.append(("bundle", "\(example)/bundle.yaml"))
            for tool in try FileManager.default.contentsOfDirectory(atPath: "\(example)/tools") {
                pairs.append(("tool", "\(example)/tools/\(tool)"))
            }
        }
        let dump = test.directory.join("dump")
        try FileManager.default.createDirectory(atPath: dump, withIntermediateDirectories: true)
        let repository = try GitRepository.open(at: test.path)
        func save(_ data: Data) throws -> String {
            let path = "\(dump)/\(pairs.count).json"
            try data.write(to: URL(fileURLWithPath: path))
            return path
        }
        let versionSchemas = [
            "manifest.json": "manifest", "publish.json": "publish", "prompt.json": "layer-prompt", "model.json": "layer-model",
            "parameters.json": "layer-parameters", "tools.json": "layer-tools", "output.json": "layer-output",
        ]
        for (_, commit) in try repository.references(matching: "refs/promptreg/versions/*") {
            let tree = try repository.readCommit(commit).tree
            for file in try files(in: tree, repository) {
                let schema = try #require(versionSchemas[file], "no schema for version file \(file)")
                pairs.append((schema, try save(try #require(try repository.readFile(file, inTree: tree)))))
            }
        }
        pairs.append(("eval-results", try save(try JSONEncoder().encode(run))))
        var stateCommit: ObjectID? = try repository.referenceTarget("refs/promptreg/state")
        while let commit = stateCommit {
            let info = try repository.readCommit(commit)
            for file in try files(in: info.tree, repository) {
                let schema = try #require(schemaName(statePath: file), "no schema for state file \(file)")
                pairs.append((schema, try save(try #require(try repository.readFile(file, inTree: info.tree)))))
            }
            stateCommit = info.parents.first
        }
        let lock = try registry.pins(Fixtures.exampleNames)
        pairs.append(("lock", try save(try JSONEncoder().encode(lock))))

        #expect(pairs.count > 200)
        let (status, output) = try check(pairs)
        #expect(status == 0, "\(output)")
        #expect(output.contains("0 failures"))
    }

    @Test("the checker is not vacuous: a bad document fails")
    func badDocumentFails() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.join("pointer.json")
        try Fixtures.write(
            #"{"format":"promptreg.pointer/v1","version":"01.0.0","digest":"sha256:00","seq":0,"time":"now","actor":""}"#, to: path)
        let (status, output) = try check([("pointer", path)])
        #expect(status == 1)
        #expect(output.contains("version") && output.contains("digest"))
    }
}
