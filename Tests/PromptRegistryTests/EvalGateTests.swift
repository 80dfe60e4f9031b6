import Foundation
import PromptRegistry
import TestSupport
import Testing

/// Eval results per digest, promotion gates at their exact boundary, overrides, and staged
/// canary ramps, on real registries.
@Suite("Evals, gates and ramps")
struct EvalGateTests {
    private let dataset = Digest(of: Array("the refunds eval set".utf8))

    /// The examples published, support-agent 1.0.0 on prod with a perfect baseline, and 1.0.1 published.
    private func gated(baseline: Double = 1.0, maxDrop: Double = 0.03) throws -> TestRegistry {
        let test = try TestRegistry()
        let registry = test.registry
        try registry.promote(.version("support-agent", SemanticVersion(1, 0, 0)), to: "prod", message: "live", actor: "ops")
        try test.publishPatch("support-agent", adding: "Be warm.")
        try record(test, "1.0.0", score: baseline)
        try registry.setGate(GateRule(channel: "prod", suite: "refunds", maxDrop: maxDrop), message: "gate", actor: "ops")
        return test
    }

    @discardableResult
    private func record(_ test: TestRegistry, _ version: String, score: Double, dataset: Digest? = nil, results: [EvalRun.CaseOutcome]? = nil) throws -> EvalRecord {
        let cases = results?.count ?? 1000
        let passed = results.map { $0.filter { $0.outcome == "pass" }.count } ?? Int((score * 1000).rounded())
        // With per-case results the score is a judge's, not the pass rate: the run says so.
        let run = EvalRun(
            score: score, cases: cases, passed: passed, failed: cases - passed, errored: 0, dataset: dataset ?? self.dataset, judge: nil,
            results: results, metric: results == nil ? nil : "mean-judge-score")
        return try test.registry.recordEval(
            .version("support-agent", try SemanticVersion(parsing: version)), suite: "refunds", run: run, message: "run", actor: "ci")
    }

    private func promoteCandidate(_ test: TestRegistry, override: String? = nil) throws -> StateEvent {
        try test.registry.promote(
            .version("support-agent", SemanticVersion(1, 0, 1)), to: "prod", message: "release", actor: "ops", overrideGate: override)
    }

    @Test("a result is stored for the digest as an in-toto statement; a new run is a new record")
    func recordsAreStatements() throws {
        let test = try gated()
        defer { test.remove() }
        try record(test, "1.0.1", score: 0.5)
        try record(test, "1.0.1", score: 0.6)
        let records = try test.registry.evals(of: "support-agent", version: SemanticVersion(1, 0, 1))
        #expect(records.map(\.statement.predicate.run.score) == [0.5, 0.6])
        let statement = try #require(records.first?.statement)
        let digest = try test.registry.show(.version("support-agent", SemanticVersion(1, 0, 1))).digest
        #expect(statement.type == "https://in-toto.io/Statement/v1")
        #expect(statement.predicateType == "https://promptreg.dev/eval-result/v1")
        #expect(statement.subject.first?.digest == ["sha256": digest.hex])
        #expect(statement.bundleDigest == digest)
        #expect(try test.registry.log(limit: 1).first?.action == .evalRecord)
        #expect(try test.registry.verify().ok)
    }

    @Test("a gated promote without a result is refused, writing nothing")
    func noResultRefused() throws {
        let test = try gated()
        defer { test.remove() }
        let before = test.fingerprint
        do {
            _ = try promoteCandidate(test)
            Issue.record("a candidate without a result passed the gate")
        } catch let error as PromptRegError {
            #expect(error.code == .gateFailed)
            #expect(error.message.contains("no result"), "\(error)")
        }
        #expect(test.fingerprint == before)
    }

    @Test(
        "the 3 % boundary in exact arithmetic: 3.1 % refused, exactly 3 % and 2.9 % allowed",
        arguments: [(0.969, false), (0.97, true), (0.971, true)])
    func boundary(_ score: Double, _ allowed: Bool) throws {
        let test = try gated()
        defer { test.remove() }
        try record(test, "1.0.1", score: score)
        let before = test.fingerprint
        do {
            _ = try promoteCandidate(test)
            #expect(allowed, "score \(score) passed the gate")
        } catch let error as PromptRegError {
            #expect(!allowed && error.code == .gateFailed, "\(error)")
            #expect(error.message.contains("-3.10%") && error.message.contains("threshold 0.97"), "\(error)")
            #expect(test.fingerprint == before)
        }
    }

    @Test("a threshold binary floating point gets wrong: 0.8 x (1 - 0.1) is 0.72, so 0.72 passes")
    func decimalNotBinary() throws {
        let binary: (Double, Double) -> Double = { $0 * (1 - $1) }
        #expect(0.72 < binary(0.8, 0.1), "in doubles 0.8 x 0.9 is 0.7200000000000001, which would refuse 0.72")
        let test = try gated(baseline: 0.8, maxDrop: 0.1)
        defer { test.remove() }
        try record(test, "1.0.1", score: 0.72)
        _ = try promoteCandidate(test)
        #expect(try test.registry.resolve(.channel("support-agent")).version == SemanticVersion(1, 0, 1))
    }

    @Test("the baseline is the best result of what the channel runs, on the same eval set")
    func baselineIsBestOnSameDataset() throws {
        let test = try gated(baseline: 0.8)
        defer { test.remove() }
        try record(test, "1.0.0", score: 0.95)
        try record(test, "1.0.0", score: 0.5, dataset: Digest(of: Array("another set".utf8)))
        try record(test, "1.0.1", score: 0.9)
        #expect(throws: PromptRegError.self) { try promoteCandidate(test) }
        try record(test, "1.0.1", score: 0.93)
        _ = try promoteCandidate(test)
    }

    @Test("an override lets a refused promote through and records the reason")
    func overrideIsRecorded() throws {
        let test = try gated()
        defer { test.remove() }
        try record(test, "1.0.1", score: 0.5)
        let event = try promoteCandidate(test, override: "incident 42: the old prompt leaks data")
        let recorded = try #require(event.gateOverride)
        #expect(recorded.contains("incident 42") && recorded.contains("scores 0.5"), "\(recorded)")
        #expect(try test.registry.log(limit: 1).first?.gateOverride == recorded)
        #expect(try test.registry.verify().ok)
    }

    @Test("promote FROM TO onto a gated channel is gated too")
    func channelToChannelGated() throws {
        let test = try gated()
        defer { test.remove() }
        try test.registry.promote(.version("support-agent", SemanticVersion(1, 0, 1)), to: "canary", traffic: 5, message: "try", actor: "ops")
        do {
            _ = try test.registry.promote(channel: "canary", to: "prod", message: "release", actor: "ops")
            Issue.record("promote canary prod passed the gate")
        } catch let error as PromptRegError {
            #expect(error.code == .gateFailed)
        }
        try record(test, "1.0.1", score: 0.99)
        _ = try test.registry.promote(channel: "canary", to: "prod", message: "release", actor: "ops")
    }

    @Test("compare shows both scores, the relative change and the cases that flipped")
    func compare() throws {
        let test = try gated()
        defer { test.remove() }
        try record(test, "1.0.0", score: 0.5, results: [.init(id: "a", outcome: "pass"), .init(id: "b", outcome: "fail")])
        try record(test, "1.0.1", score: 0.6, results: [.init(id: "a", outcome: "fail"), .init(id: "b", outcome: "fail")])
        let comparison = try test.registry.compareEvals(
            .version("support-agent", SemanticVersion(1, 0, 0)), .version("support-agent", SemanticVersion(1, 0, 1)), suite: "refunds")
        #expect(comparison.old.statement.predicate.run.score == 0.5 && comparison.new.statement.predicate.run.score == 0.6)
        #expect(comparison.relativeChange.map { abs($0 - 0.2) < 1e-12 } == true)
        #expect(comparison.flips.map { [$0.id, $0.before, $0.after] } == [["a", "pass", "fail"]])
        #expect(comparison.sameDataset)
    }

    @Test("promptfoo's JSON output is read: pass rate, errors, one prompt only")
    func promptfoo() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        func result(_ index: Int, _ success: Bool, error: String? = nil, prompt: Int = 0) -> String {
            #"{"testIdx": \#(index), "promptIdx": \#(prompt), "success": \#(success), "score": \#(success ? 1 : 0), "vars": {"q": "\#(index)"}\#(error.map { #", "error": "\#($0)""# } ?? "")}"#
        }
        let file = directory.join("promptfoo.json")
        try Fixtures.write(
            #"{"evalId": "e1", "results": {"version": 3, "timestamp": "2026-01-01T00:00:00Z", "stats": {"successes": 2, "failures": 1, "errors": 1}, "results": ["#
                + [result(0, true), result(1, true), result(2, false), result(3, false, error: "timeout")].joined(separator: ",") + "]}}",
            to: file)
        let run = try EvalRun.read(from: file)
        #expect(run.cases == 4 && run.passed == 2 && run.failed == 1 && run.errored == 1 && run.score == 0.5)
        #expect(run.results?.map(\.outcome) == ["pass", "pass", "fail", "error"])
        #expect(run.dataset == EvalRun.promptfooDataset(vars: (0..<4).map { JSONValue.object(["q": .string("\($0)")]) }))
        try Fixtures.write(
            #"{"results": {"version": 3, "stats": {}, "results": ["# + [result(0, true), result(0, true, prompt: 1)].joined(separator: ",") + "]}}",
            to: file)
        #expect(throws: PromptRegError.self) { try EvalRun.read(from: file) }
    }

    @Test("ramp walks 1, 5, 20, 50, 100 with dwell, refuses a failing candidate, aborts to 0")
    func ramp() throws {
        let test = try gated()
        defer { test.remove() }
        let registry = test.registry
        try registry.promote(.version("support-agent", SemanticVersion(1, 0, 1)), to: "canary", message: "candidate", actor: "ops")
        #expect(throws: PromptRegError.self) { try registry.ramp("support-agent", message: "no result yet", actor: "ops") }
        try record(test, "1.0.1", score: 0.99)
        try registry.setRampPolicy(RampPolicy(steps: [1, 5, 20, 50, 100], minDwellSeconds: 600), message: "ten minutes", actor: "ops")
        #expect(try registry.ramp("support-agent", message: "go", actor: "ops").traffic == 1)
        do {
            _ = try registry.ramp("support-agent", message: "too soon", actor: "ops")
            Issue.record("a step was taken before the dwell")
        } catch let error as PromptRegError {
            #expect(error.code == .conflict && error.message.contains("600 s"), "\(error)")
        }
        var later = Date().addingTimeInterval(601)
        var steps: [Double] = []
        for _ in 0..<4 {
            let result = try registry.ramp("support-agent", message: "next", actor: "ops", now: later)
            steps.append(result.traffic)
            #expect(result.complete == (result.traffic == 100))
            later.addTimeInterval(601)
        }
        #expect(steps == [5, 20, 50, 100])
        #expect(throws: PromptRegError.self) { try registry.ramp("support-agent", message: "beyond", actor: "ops", now: later) }
        #expect(try registry.ramp("support-agent", abort: true, message: "stop", actor: "ops").traffic == 0)
        #expect(try registry.status().items.first { $0.channel == "canary" }?.pointer.traffic == 0)
    }

    @Test("subjects on the canary stay on it at every ramp step (monotone buckets), through resolve")
    func rampIsMonotone() throws {
        let test = try gated()
        defer { test.remove() }
        let registry = test.registry
        try record(test, "1.0.1", score: 0.99)
        try registry.promote(.version("support-agent", SemanticVersion(1, 0, 1)), to: "canary", message: "candidate", actor: "ops")
        let subjects = (0..<2_000).map { "user-\($0)" }
        var previous = Set<String>()
        for expected in [1.0, 5, 20, 50, 100] {
            #expect(try registry.ramp("support-agent", message: "step", actor: "ops").traffic == expected)
            let onCanary = Set(try subjects.filter { try registry.resolve(.channel("support-agent", subject: $0)).channel == "canary" })
            #expect(previous.isSubset(of: onCanary), "a subject left the canary at \(expected)%")
            #expect(abs(Double(onCanary.count) / Double(subjects.count) * 100 - expected) < 3.5, "\(onCanary.count) at \(expected)%")
            previous = onCanary
        }
        #expect(previous.count == subjects.count)
    }

    @Test("a candidate measured only on another eval set cannot pass the gate")
    func otherDatasetRefused() throws {
        let test = try gated()
        defer { test.remove() }
        try record(test, "1.0.1", score: 0.01, dataset: Digest(of: Array("an easier set".utf8)))
        do {
            _ = try promoteCandidate(test)
            Issue.record("a candidate passed on an eval set of its own")
        } catch let error as PromptRegError {
            #expect(error.code == .gateFailed && error.message.contains("cannot be compared"), "\(error)")
        }
    }

    @Test(
        "results that contradict themselves, overflow or name a floating judge are refused, writing nothing",
        arguments: [
            #"{"score": 0.5, "cases": 1, "passed": 9223372036854775807, "failed": 1, "errored": 0, "dataset": "DATASET"}"#,
            #"{"score": 1.0, "cases": 0, "passed": 0, "failed": 0, "errored": 0, "dataset": "DATASET"}"#,
            #"{"score": 0.5, "cases": 1, "passed": 1, "failed": 0, "errored": 0, "dataset": "DATASET", "results": [{"id": "a", "outcome": "fail"}, {"id": "b", "outcome": "fail"}]}"#,
            #"{"score": 0.5, "cases": 2, "passed": 1, "failed": 1, "errored": 0, "dataset": "DATASET", "judge": "gpt-4o"}"#,
            #"{"score": 2, "cases": 2, "passed": 1, "failed": 1, "errored": 0, "dataset": "DATASET"}"#,
            #"{"score": 0.99, "cases": 100, "passed": 10, "failed": 90, "errored": 0, "dataset": "DATASET"}"#,
            #"{"score": 0.99, "cases": 100, "passed": 10, "failed": 90, "errored": 0, "dataset": "DATASET", "metric": ""}"#,
        ])
    func badResults(_ document: String) throws {
        let test = try gated()
        defer { test.remove() }
        let file = test.directory.join("results.json")
        try Fixtures.write(document.replacingOccurrences(of: "DATASET", with: dataset.description), to: file)
        let before = test.fingerprint
        #expect(throws: PromptRegError.self) {
            try test.registry.recordEval(
                .version("support-agent", SemanticVersion(1, 0, 1)), suite: "refunds", run: try EvalRun.read(from: file), message: "m",
                actor: "ci")
        }
        #expect(test.fingerprint == before)
    }

    @Test("a results file over 1 MiB is refused before it is read")
    func hugeResults() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.join("big.json")
        try Fixtures.write("{\"pad\": \"" + String(repeating: "x", count: 1_100_000) + "\"}", to: file)
        do {
            _ = try EvalRun.read(from: file)
            Issue.record("a 1.1 MB results file was read")
        } catch let error as PromptRegError {
            #expect(error.message.contains("1 MiB"), "\(error)")
        }
    }

    @Test("a promptfoo file with two results for one test (two providers) is refused")
    func promptfooDuplicateTests() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.join("promptfoo.json")
        try Fixtures.write(
            #"{"results": {"version": 3, "stats": {}, "results": [{"testIdx": 0, "promptIdx": 0, "success": false, "vars": {}}, {"testIdx": 0, "promptIdx": 0, "success": true, "vars": {}}]}}"#,
            to: file)
        #expect(throws: PromptRegError.self) { try EvalRun.read(from: file) }
    }

    @Test("a score that is not the pass rate is counted only when the run names its metric")
    func namedMetric() throws {
        let test = try gated()
        defer { test.remove() }
        let file = test.directory.join("results.json")
        try Fixtures.write(
            #"{"score": 0.99, "cases": 100, "passed": 10, "failed": 90, "errored": 0, "dataset": "\#(dataset)", "metric": "mean-judge-score"}"#, to: file)
        let recorded = try test.registry.recordEval(
            .version("support-agent", SemanticVersion(1, 0, 1)), suite: "refunds", run: try EvalRun.read(from: file), message: "m", actor: "ci")
        #expect(recorded.statement.predicate.run.metric == "mean-judge-score")
        #expect(try test.registry.verify().ok)
    }

    @Test("under a policy that names evaluators, only they record results: others are forbidden and a forged record is reported")
    func evaluatorsOnly() throws {
        let test = try gated()
        defer { test.remove() }
        let (admin, ci, dev) = (SigningKey.generate(comment: "admin"), SigningKey.generate(comment: "ci"), SigningKey.generate(comment: "dev"))
        let policy = TrustPolicy(
            signers: [("admin", admin), ("ci", ci), ("dev", dev)].map { .init(principal: "\($0.0)@example.com", key: $0.1.publicKeyLine) },
            admins: ["admin@example.com"], evaluators: ["ci@example.com"])
        test.registry.signingKey = admin
        try test.registry.setTrustPolicy(policy, message: "ci records evals", actor: "admin")
        let run = EvalRun(score: 0.99, cases: 100, passed: 99, failed: 1, errored: 0, dataset: dataset)
        let version = BundleReference.version("support-agent", SemanticVersion(1, 0, 1))
        test.registry.signingKey = dev
        let before = test.fingerprint
        #expect(throws: PromptRegError.self) { try test.registry.recordEval(version, suite: "refunds", run: run, message: "mine", actor: "dev") }
        #expect(test.fingerprint == before)
        test.registry.signingKey = ci
        try test.registry.recordEval(version, suite: "refunds", run: run, message: "ci", actor: "ci")
        #expect(try test.registry.verify().ok)
        test.registry.signingKey = nil
    }
}
