import ArgumentParser
import Foundation
import PromptRegistry

/// `promptreg-bench runtime`: what the runtime contract and the promotion gate cost, in process:
/// `validateToolCall` per call on a real tool schema (valid and invalid arguments), and a promote
/// onto a gated channel beside the same promote onto an ungated one, interleaved round by round.
struct RuntimeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runtime", abstract: "Measure validateToolCall and the gate's cost on promote; append to the results.")

    @Option(help: "The example bundle (its issue_refund tool is measured).") var example = "registry/support-agent"
    @Option(help: "Working directory (rebuilt).") var work = ".build/bench-runtime"
    @Option(help: "Where to append the markdown section.") var out = "bench/results.md"
    @Option(help: "Rounds of promotes (each a gated and an ungated one).") var runs = 40
    @Option(help: "validateToolCall calls per timing sample.") var calls = 10_000

    func run() throws {
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let registry = try Registry.create(at: "\(work)/registry.git", actor: "bench")
        _ = try registry.publish(directory: example, message: "one", actor: "bench")
        let name = try registry.list().items[0].name
        try registry.promote(.version(name, SemanticVersion(1, 0, 0)), to: "prod", message: "live", actor: "bench")
        try registry.createChannel("staging", message: "ungated twin of prod", actor: "bench")
        try registry.promote(.version(name, SemanticVersion(1, 0, 0)), to: "staging", message: "live", actor: "bench")
        let resolved = try registry.resolve(.channel(name))
        let valid: JSONValue = .object(["order_id": .string("A-1001"), "amount": .number(12.5), "reason": .string("damaged")])
        let invalid: JSONValue = .object(["order_id": .integer(7), "amount": .number(-5)])
        let validCost = try Self.perCall(calls, samples: 15) { try resolved.validateToolCall(name: "issue_refund", arguments: valid) }
        let invalidCost = try Self.perCall(calls / 10, samples: 15) {
            do { try resolved.validateToolCall(name: "issue_refund", arguments: invalid) } catch is ToolCallRejection {}
        }
        // Two versions to move between, a perfect result for both, and a gate on prod only.
        let copy = "\(work)/bundle-next"
        try FileManager.default.copyItem(atPath: example, toPath: copy)
        let system = "\(copy)/prompts/system.mustache"
        try (try String(contentsOfFile: system, encoding: .utf8) + "Thank the customer.\n").write(toFile: system, atomically: true, encoding: .utf8)
        _ = try registry.publish(directory: copy, message: "two", actor: "bench")
        let dataset = Digest(of: Array("bench eval set".utf8))
        for version in [SemanticVersion(1, 0, 0), SemanticVersion(1, 0, 1)] {
            let run = EvalRun(score: 0.95, cases: 100, passed: 95, failed: 5, errored: 0, dataset: dataset)
            try registry.recordEval(.version(name, version), suite: "bench", run: run, message: "run", actor: "bench")
        }
        try registry.setGate(GateRule(channel: "prod", suite: "bench"), message: "gate", actor: "bench")
        var gated: [Double] = []
        var ungated: [Double] = []
        for round in 0..<runs {
            let version = SemanticVersion(1, 0, round % 2 == 0 ? 1 : 0)
            for (channel, sink) in [("prod", 0), ("staging", 1)] {
                let started = DispatchTime.now().uptimeNanoseconds
                try registry.promote(.version(name, version), to: channel, message: "bench", actor: "bench")
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
                if sink == 0 { gated.append(elapsed) } else { ungated.append(elapsed) }
            }
        }
        let section = Self.markdown(
            valid: validCost, invalid: invalidCost, gated: Stats(gated), ungated: Stats(ungated), calls: calls, runs: runs)
        try SyncReport.replaceSection(section, heading: Self.heading, in: out)
        print(section)
    }

    static let heading = "## Runtime contract and gates (in process)"

    /// Median microseconds per call of `body`, from `samples` timings of `count` calls each.
    private static func perCall(_ count: Int, samples: Int, _ body: () throws -> Void) throws -> Stats {
        try body()
        var perCall: [Double] = []
        for _ in 0..<samples {
            let started = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<count { try body() }
            perCall.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e3 / Double(count))
        }
        return Stats(perCall)
    }

    private static func markdown(valid: Stats, invalid: Stats, gated: Stats, ungated: Stats, calls: Int, runs: Int) -> String {
        func f(_ value: Double) -> String { String(format: "%.2f", value) }
        return """
            \(heading)

            - date: \(ISO8601DateFormatter().string(from: Date())); release build; library calls in one process
            - `validateToolCall`: support-agent's `issue_refund` input schema, \(calls) calls per sample, 15 samples (the first call compiles and caches the schema)
            - gate: \(runs) rounds, each a promote onto gated `prod` and onto ungated `staging` (durable writes, fsync on), interleaved

            | figure | median | p95 | goal | met |
            | --- | ---: | ---: | --- | --- |
            | `validateToolCall`, valid arguments | \(f(valid.median)) µs | \(f(valid.p95)) µs | <= 20 µs | \(valid.median <= 20 ? "yes" : "**no**") |
            | `validateToolCall`, invalid arguments (3 violations, messages built, thrown) | \(f(invalid.median)) µs | \(f(invalid.p95)) µs | | |
            | promote onto a gated channel | \(f(gated.median)) ms | \(f(gated.p95)) ms | | |
            | the same promote onto an ungated channel | \(f(ungated.median)) ms | \(f(ungated.p95)) ms | | |
            | the gate's cost (difference of the medians) | \(f(gated.median - ungated.median)) ms | | | |

            The gate reads the candidate's and the current version's eval records from the state commit being written on: a few small blobs, next to the fsync'd objects and ref move a promote costs anyway.

            """
    }
}
