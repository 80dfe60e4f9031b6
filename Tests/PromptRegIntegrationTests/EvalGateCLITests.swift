import Foundation
import PromptRegistry
import TestSupport
import Testing

/// `eval`, `gate`, `ramp` and `promote --override-gate` as real processes.
@Suite("Evals and gates as processes", .serialized)
struct EvalGateCLITests {
    @Test("a gate refuses with exit 79 and both scores, writes nothing, and an override goes through with its reason")
    func gateAsProcess() throws {
        let test = try TestRegistry()
        defer { test.remove() }
        try test.registry.promote(.version("support-agent", SemanticVersion(1, 0, 0)), to: "prod", message: "live", actor: "ops")
        try test.publishPatch("support-agent", adding: "Be warm.")
        let dataset = "sha256:" + String(repeating: "ab", count: 32)
        func results(_ score: Double) throws -> String {
            let path = test.directory.join("results-\(score).json")
            let passed = Int(score * 100)
            try Fixtures.write(
                #"{"score": \#(score), "cases": 100, "passed": \#(passed), "failed": \#(100 - passed), "errored": 0, "dataset": "\#(dataset)"}"#,
                to: path)
            return path
        }
        let registry = ["--registry", test.path]
        #expect(try CLI.run(["eval", "record", "support-agent@1.0.0", "--suite", "refunds", "--results", try results(0.9), "-m", "base"] + registry).status == 0)
        #expect(try CLI.run(["eval", "record", "support-agent@1.0.1", "--suite", "refunds", "--results", try results(0.8), "-m", "new"] + registry).status == 0)
        #expect(try CLI.run(["gate", "set", "prod", "--suite", "refunds", "-m", "gate"] + registry).status == 0)
        let before = test.fingerprint
        let refused = try CLI.run(["promote", "support-agent@1.0.1", "prod", "-m", "ship", "--json"] + registry)
        #expect(refused.status == 79, "\(refused.stderr)")
        #expect(refused.stderr.contains("gate-failed") && refused.stderr.contains("0.8") && refused.stderr.contains("0.9"), "\(refused.stderr)")
        #expect(test.fingerprint == before)
        let usage = try CLI.run(["promote", "support-agent@1.0.1", "prod", "--override-gate"] + registry)
        #expect(usage.status == 64, "an override without a reason: \(usage.stderr)")
        let overridden = try CLI.run(["promote", "support-agent@1.0.1", "prod", "--override-gate", "-m", "incident 7"] + registry)
        #expect(overridden.status == 0, "\(overridden.stderr)")
        let log = try JSONSerialization.jsonObject(with: Data(try CLI.run(["log", "-n", "1", "--json"] + registry).stdout.utf8)) as? [[String: Any]]
        #expect((log?.first?["gate_override"] as? String)?.contains("incident 7") == true)
        let shown = try CLI.run(["gate", "show", "--json"] + registry)
        #expect(shown.status == 0 && shown.stdout.contains("\"max_drop\" : 0.03"), "\(shown.stdout)")
        let listed = try CLI.run(["eval", "list", "support-agent", "--json"] + registry)
        #expect(listed.status == 0 && listed.stdout.contains("https://in-toto.io/Statement/v1"))
        let bad = try CLI.run(["eval", "record", "support-agent@1.0.1", "--suite", "Bad Suite", "--results", try results(0.8)] + registry)
        #expect(bad.status == 65, "\(bad.stderr)")
    }
}
