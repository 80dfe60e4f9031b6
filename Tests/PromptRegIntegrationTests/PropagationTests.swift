import Foundation
import TestSupport
import Testing

// The fleet: a rollback reaches every running agent. `promptreg-bench fleet` starts an upstream on
// `git daemon`, a relay (`promptreg serve --follow`) and 20 `promptreg follow` processes (10
// polling their own clone every second, 10 watching the relay's event stream), rolls prod back
// from another clone, stops and restarts the upstream, and reports what each follower printed and
// when. This test holds it to the promises, with a generous bound so a noisy machine cannot flake
// it; the figures themselves are in bench/results.md.

@Suite("Propagation to a fleet")
struct PropagationTests {
    @Test("20 followers see a rollback within 15 s, keep their answer through an outage, and converge after it")
    func rollbackReachesTheFleet() throws {
        let directory = try TemporaryDirectory("promptreg-fleet")
        defer { directory.remove() }
        let bench = (CLI.binary as NSString).deletingLastPathComponent + "/promptreg-bench"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bench)
        process.arguments = [
            "fleet", "--promptreg", CLI.binary, "--followers", "20", "--poll-interval", "1", "--relay-interval", "0.5",
            "--bound", "15", "--wrk-seconds", "0", "--work", directory.join("work"), "--out", "", "--examples",
            (Fixtures.example("support-agent") as NSString).deletingLastPathComponent, "--json",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "promptreg-bench fleet failed: \(String(decoding: data, as: UTF8.self))")
        let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        guard let figures = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
            Issue.record("no JSON figures: \(String(decoding: data, as: UTF8.self))")
            return
        }
        func group(_ key: String) -> (count: Int, received: Int, p100: Double) {
            let value = figures[key] as? [String: Any] ?? [:]
            return ((value["count"] as? Int) ?? -1, (value["received"] as? Int) ?? -2, (value["p100_ms"] as? Double) ?? .infinity)
        }
        let polling = group("polling")
        let watch = group("watch")
        #expect(polling.count == 10 && polling.received == 10, "polling followers that saw the rollback within 15 s: \(figures)")
        #expect(watch.count == 10 && watch.received == 10, "watch followers that saw the rollback within 15 s: \(figures)")
        #expect(max(polling.p100, watch.p100) <= 15_000)
        #expect(figures["stale_reported"] as? Int == 10, "every polling follower says it is stale while the upstream is down")
        #expect(figures["kept_last_known_good"] as? Bool == true, "every follower keeps its last verified answer during the outage")
        let converged = group("convergence")
        #expect(converged.received == 20, "every follower converges after the upstream returns: \(figures)")
        #expect(figures["clean_exits"] as? Int == 20, "every follower exits 0 on SIGTERM")
    }
}
