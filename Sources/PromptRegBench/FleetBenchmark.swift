import ArgumentParser
import Foundation
import PromptRegistry

#if canImport(Glibc)
    import Glibc
#endif

/// `promptreg-bench fleet`: how fast a rollback reaches running agents. An upstream on `git
/// daemon`, a relay (`promptreg serve --follow`), and follower processes (`promptreg follow`),
/// half polling their own clone of the upstream, half watching the relay. Measures the rollback's
/// propagation to each follower, an outage of the upstream (last known good, staleness reported,
/// convergence after it returns), and then the relay's resolve throughput with `wrk` beside the
/// same resolve as a CLI process and in process.
struct FleetBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "Measure how fast a rollback reaches following agents (polling and watch), and serve's throughput.",
        discussion: """
            Writes the section "Fleet: propagation and serve" into --out. With --json, also prints the figures as one JSON object (the propagation test reads it). Every process runs on 127.0.0.1.
            """)

    @Option(help: "The promptreg executable (promptreg-server must be beside it).") var promptreg: String
    @Option(help: "Follower processes in all; half poll the upstream, half watch the relay.") var followers = 20
    @Option(help: "Seconds between the polling followers' pulls.") var pollInterval = 1.0
    @Option(help: "Seconds between the relay's pulls.") var relayInterval = 0.5
    @Option(help: "Seconds a follower may take before it counts as missed.") var bound = 15.0
    @Option(help: "Seconds of wrk load on the relay's resolve endpoint (0: skip the load phase).") var wrkSeconds = 10
    @Option(help: "The markdown file the section is written into (empty: none).") var out = "bench/results.md"
    @Option(help: "Working directory (rebuilt).") var work = ".build/bench-fleet"
    @Option(help: "The directory holding the example bundles.") var examples = "registry"
    @Flag(help: "Print the figures as JSON.") var json = false

    func validate() throws {
        guard followers >= 2, followers <= 200 else { throw ValidationError("--followers must be between 2 and 200") }
        guard pollInterval >= 0.1, relayInterval >= 0.1, bound >= 1 else { throw ValidationError("intervals must be at least 0.1 s, --bound at least 1 s") }
    }

    func run() throws {
        let workPath = URL(fileURLWithPath: work).standardizedFileURL.path
        try SyncWorkDirectory.reset(workPath)
        let fleet = FleetRun(
            promptreg: URL(fileURLWithPath: promptreg).standardizedFileURL.path, work: workPath,
            examples: URL(fileURLWithPath: examples).standardizedFileURL.path, followers: followers,
            pollInterval: pollInterval, relayInterval: relayInterval, bound: bound, wrkSeconds: wrkSeconds)
        let figures = try fleet.run()
        if !out.isEmpty {
            try SyncReport.replaceSection(figures.markdown(), heading: FleetFigures.heading, in: out)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(figures), as: UTF8.self))
        } else {
            print(figures.markdown())
        }
    }
}

/// One follower process and what it printed.
final class FleetFollower {
    /// `polling` or `watch`.
    let kind: String
    let pid: pid_t
    let stdout: String
    let stderr: String
    private var exitStatus: Int32?

    init(kind: String, pid: pid_t, stdout: String, stderr: String) {
        self.kind = kind
        self.pid = pid
        self.stdout = stdout
        self.stderr = stderr
    }

    deinit { kill(-pid, SIGKILL) }

    /// The JSON objects of the complete lines of standard output (or error).
    func objects(stderr fromStderr: Bool = false) -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: fromStderr ? stderr : stdout) else { return [] }
        return data.split(separator: UInt8(ascii: "\n")).compactMap { (try? JSONSerialization.jsonObject(with: Data($0))) as? [String: Any] }
    }

    /// The number of answers printed that carry `digest`.
    func answers(with digest: String) -> Int { objects().filter { $0["digest"] as? String == digest }.count }

    /// True while the process runs (reaps it when it has exited).
    var isRunning: Bool {
        if exitStatus != nil { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { exitStatus = status }
        return exitStatus == nil
    }

    /// Sends SIGTERM and waits (at most 10 s); the exit status, nil when it had to be killed.
    func terminate() -> Int32? {
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while isRunning, Date() < deadline { usleep(10_000) }
        guard let status = exitStatus else {
            kill(-pid, SIGKILL)
            return nil
        }
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}

/// The fleet run: setup, the rollback, the outage, the load, the report.
struct FleetRun {
    let promptreg: String
    let work: String
    let examples: String
    let followers: Int
    let pollInterval: Double
    let relayInterval: Double
    let bound: Double
    let wrkSeconds: Int

    private var runner: SyncRunner { SyncRunner(stderrPath: "\(work)/last-stderr.txt") }
    private func pr(_ arguments: [String]) -> [String] { [promptreg] + arguments }
    /// The bundle the fleet follows.
    static let bundle = "support-agent"

    func run() throws -> FleetFigures {
        let runner = self.runner
        // A registry with two versions; prod runs the second, so the rollback goes to the first.
        let source = "\(work)/source.git"
        try runner.must(pr(["init", source, "--actor", "bench"]))
        try runner.must(pr(["publish", "\(examples)/\(Self.bundle)", "-m", "bench", "--registry", source]))
        let changed = "\(work)/\(Self.bundle)-next"
        try FileManager.default.copyItem(atPath: "\(examples)/\(Self.bundle)", toPath: changed)
        let template = "\(changed)/prompts/system.mustache"
        try (String(contentsOfFile: template, encoding: .utf8) + "\nKeep the reply under 120 words.\n")
            .write(toFile: template, atomically: false, encoding: .utf8)
        try runner.must(pr(["publish", changed, "-m", "bench", "--registry", source]))
        let versions = try runner.must(pr(["versions", Self.bundle, "--json", "--registry", source])).output
        let digests = try Self.digests(versions)
        try runner.must(pr(["promote", "\(Self.bundle)@\(digests.first.version)", "prod", "-m", "bench", "--registry", source]))
        try runner.must(pr(["promote", "\(Self.bundle)@\(digests.second.version)", "prod", "-m", "bench", "--registry", source]))
        // Half the subjects get the canary, so serve's resolve computes each subject's bucket.
        try runner.must(pr(["promote", "\(Self.bundle)@\(digests.first.version)", "canary", "--traffic", "50", "-m", "bench", "--registry", source]))

        // The upstream on git daemon.
        let base = "\(work)/served"
        try runner.must(["git", "init", "--quiet", "--bare", "\(base)/upstream.git"])
        ServerReaper.install()
        let execPath = try runner.must(["git", "--exec-path"]).output
        func startDaemon(port: Int?) throws -> LoopbackServer {
            try LoopbackServer.start(
                name: "git daemon", executable: "\(execPath)/git-daemon", logPath: "\(work)/git-daemon.log",
                environment: runner.environment, fixedPort: port
            ) { port in
                ["--reuseaddr", "--export-all", "--enable=receive-pack", "--base-path=\(base)", "--listen=127.0.0.1", "--port=\(port)", base]
            }
        }
        var daemon = try startDaemon(port: nil)
        ServerReaper.groups.0 = daemon.pid
        defer { daemon.stop() }
        let url = "git://127.0.0.1:\(daemon.port)/upstream.git"
        try runner.must(pr(["remote", "add", "origin", url, "--registry", source]))
        try runner.must(pr(["remote", "set-upstream", "origin", "--registry", source]))
        try runner.must(pr(["push", "--registry", source]))

        // The relay, and a clone per polling follower.
        let relayClone = "\(work)/relay.git"
        try runner.must(pr(["clone", url, relayClone]))
        let relay = try LoopbackServer.start(
            name: "promptreg serve", executable: promptreg, logPath: "\(work)/relay.log", environment: runner.environment
        ) { port in
            ["serve", "--registry", relayClone, "--port", "\(port)", "--follow", "origin", "--interval", "\(relayInterval)"]
        }
        ServerReaper.groups.1 = relay.pid
        defer { relay.stop() }
        let pollingCount = followers / 2
        var fleet: [FleetFollower] = []
        for index in 0..<followers {
            let polling = index < pollingCount
            var arguments = ["follow", Self.bundle, "--json"]
            if polling {
                let clone = "\(work)/host-\(index).git"
                try runner.must(pr(["clone", url, clone]))
                arguments += ["--registry", clone, "--interval", "\(pollInterval)"]
            } else {
                arguments += ["--server", "http://127.0.0.1:\(relay.port)"]
            }
            let stdout = "\(work)/follower-\(index).out"
            let stderr = "\(work)/follower-\(index).err"
            let pid = try ChildProcess.spawn(
                name: "follower", executable: promptreg, arguments: arguments, stdout: stdout, stderr: stderr, environment: runner.environment)
            fleet.append(FleetFollower(kind: polling ? "polling" : "watch", pid: pid, stdout: stdout, stderr: stderr))
        }

        // Everyone runs the second version.
        let started = try Self.waitAll(fleet, timeout: 60) { $0.answers(with: digests.second.digest) >= 1 }
        guard started.allSatisfy({ $0 != nil }) else {
            throw BenchError("not every follower started on \(digests.second.digest): \(zip(fleet, started).filter { $1 == nil }.map { $0.0.stderr })")
        }

        // The rollback, written through to the upstream by another host.
        let writer = "\(work)/writer.git"
        try runner.must(pr(["clone", url, writer]))
        let rollback = try runner.must(pr(["rollback", "prod", Self.bundle, "-m", "bench: roll back", "--registry", writer]))
        let rolledBack = Date()
        let arrivals = try Self.waitAll(fleet, timeout: bound) { $0.answers(with: digests.first.digest) >= 1 }
        let propagation = arrivals.map { $0.map { $0.timeIntervalSince(rolledBack) * 1000 } }

        // The outage: the upstream stops. Polling followers report staleness and keep their answer.
        let port = daemon.port
        daemon.stop()
        let outageStarted = Date()
        let staleReported = try Self.waitAll(Array(fleet.prefix(pollingCount)), timeout: 4 * pollInterval + 10) { follower in
            follower.objects(stderr: true).contains { $0["event"] as? String == "stale" }
        }
        let kept = fleet.allSatisfy { follower in
            follower.isRunning && (follower.objects().last?["digest"] as? String) == digests.first.digest
        }
        // Meanwhile prod rolls forward on the upstream (on its disk); then it comes back.
        let onCall = "\(work)/on-call.git"
        try runner.must(pr(["clone", "\(base)/upstream.git", onCall]))
        try runner.must(pr(["promote", "\(Self.bundle)@\(digests.second.version)", "prod", "-m", "bench: roll forward", "--registry", onCall]))
        daemon = try startDaemon(port: port)
        ServerReaper.groups.0 = daemon.pid
        let restarted = Date()
        let outageSeconds = restarted.timeIntervalSince(outageStarted)
        let converged = try Self.waitAll(fleet, timeout: 75) { $0.answers(with: digests.second.digest) >= 2 }
        let convergence = converged.map { $0.map { $0.timeIntervalSince(restarted) * 1000 } }

        let exits = fleet.map { $0.terminate() }

        let load = wrkSeconds > 0 ? try measureLoad(relayPort: relay.port, registry: relayClone) : nil
        return FleetFigures(
            followers: followers, pollInterval: pollInterval, relayInterval: relayInterval, boundSeconds: bound,
            rollbackCommandMilliseconds: rollback.milliseconds,
            polling: PropagationFigures(Array(propagation.prefix(pollingCount))),
            watch: PropagationFigures(Array(propagation.dropFirst(pollingCount))),
            outageSeconds: outageSeconds,
            staleReported: staleReported.filter { $0 != nil }.count, keptLastKnownGood: kept,
            convergence: PropagationFigures(convergence), cleanExits: exits.filter { $0 == 0 }.count, load: load,
            load1: SyncBench.loadAverage())
    }

    /// The relay's resolve endpoint under `wrk`, beside the same resolve as a CLI process and in process.
    private func measureLoad(relayPort: Int, registry: String) throws -> LoadFigures? {
        guard runner.run(["which", "wrk"]).status == 0 else { return nil }
        let url = "http://127.0.0.1:\(relayPort)/v1/bundles/\(Self.bundle)/resolve?channel=prod&subject=user-4711"
        let runs = try [(2, 64), (1, 16)].map { threads, connections in
            let output = try runner.must(["wrk", "-t\(threads)", "-c\(connections)", "-d\(wrkSeconds)s", "--latency", url]).output
            return WrkRun(threads: threads, connections: connections, output: output)
        }
        var cli: [Double] = []
        for _ in 0..<30 {
            cli.append(try runner.must(pr(["resolve", Self.bundle, "--subject", "user-4711", "--json", "--registry", registry])).milliseconds)
        }
        let library = try Registry.open(at: registry)
        var inProcess: [Double] = []
        for round in 0..<2000 {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try library.resolve(.channel(Self.bundle, subject: "user-\(round % 50)"))
            inProcess.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3)
        }
        return LoadFigures(wrk: runs, cliMilliseconds: Stats(cli).median, libraryMicroseconds: Stats(inProcess).median)
    }

    /// Waits until `done` holds for each follower (polling every 10 ms, at most `timeout` seconds);
    /// when each first held, nil for those it never did.
    private static func waitAll(_ fleet: [FleetFollower], timeout: Double, _ done: (FleetFollower) -> Bool) throws -> [Date?] {
        var seen = [Date?](repeating: nil, count: fleet.count)
        let deadline = Date().addingTimeInterval(timeout)
        while seen.contains(where: { $0 == nil }), Date() < deadline {
            for index in fleet.indices where seen[index] == nil && done(fleet[index]) { seen[index] = Date() }
            usleep(10_000)
        }
        return seen
    }

    /// The first and the second version of `versions --json` output, with their digests.
    private static func digests(_ json: String) throws -> (first: (version: String, digest: String), second: (version: String, digest: String)) {
        guard let rows = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [[String: Any]] else {
            throw BenchError("unexpected versions output: \(json)")
        }
        let pairs = try rows.compactMap { row -> (SemanticVersion, String)? in
            guard let version = row["version"] as? String, let digest = row["digest"] as? String else { return nil }
            return (try SemanticVersion(parsing: version), digest)
        }.sorted { $0.0 < $1.0 }.map { ($0.0.description, $0.1) }
        guard pairs.count == 2 else { throw BenchError("expected two versions, got: \(json)") }
        return ((pairs[0].0, pairs[0].1), (pairs[1].0, pairs[1].1))
    }
}

/// How long followers took, in milliseconds, and how many never got there.
struct PropagationFigures: Encodable {
    let count: Int
    let received: Int
    let p50: Double?
    let p100: Double?

    init(_ samples: [Double?]) {
        count = samples.count
        let got = samples.compactMap { $0 }.sorted()
        received = got.count
        p50 = got.isEmpty ? nil : Stats(got).median
        p100 = got.last
    }

    enum CodingKeys: String, CodingKey {
        case count, received
        case p50 = "p50_ms"
        case p100 = "p100_ms"
    }

    var cells: String {
        "\(received)/\(count) | \(p50.map { String(format: "%.0f", $0) } ?? "-") | \(p100.map { String(format: "%.0f", $0) } ?? "-")"
    }
}

/// One `wrk --latency` run against the resolve endpoint.
struct WrkRun: Encodable {
    let threads: Int
    let connections: Int
    let requestsPerSecond: Double?
    let p50Milliseconds: Double?
    let p99Milliseconds: Double?

    init(threads: Int, connections: Int, output: String) {
        self.threads = threads
        self.connections = connections
        func number(after label: String) -> Double? {
            guard let line = output.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) }) else { return nil }
            let value = line.trimmingCharacters(in: .whitespaces).dropFirst(label.count).trimmingCharacters(in: .whitespaces)
            return Self.milliseconds(value.split(separator: " ").first.map(String.init) ?? "")
        }
        requestsPerSecond = output.split(separator: "\n").first { $0.hasPrefix("Requests/sec:") }
            .flatMap { Double($0.dropFirst("Requests/sec:".count).trimmingCharacters(in: .whitespaces)) }
        p50Milliseconds = number(after: "50%")
        p99Milliseconds = number(after: "99%")
    }

    /// wrk's durations ("812.00us", "1.20ms", "2.01s") in milliseconds.
    private static func milliseconds(_ text: String) -> Double? {
        for (suffix, factor) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * factor }
        }
        return nil
    }

    /// A table row.
    var row: String {
        func format(_ value: Double?, _ pattern: String) -> String { value.map { String(format: pattern, $0) } ?? "-" }
        return "| `serve` under `wrk -t\(threads) -c\(connections) --latency` | \(format(requestsPerSecond, "%.0f")) requests/s, p50 \(format(p50Milliseconds, "%.2f")) ms, p99 \(format(p99Milliseconds, "%.2f")) ms (goal ≥ 20,000/s, p99 ≤ 5 ms) |"
    }

    enum CodingKeys: String, CodingKey {
        case threads, connections
        case requestsPerSecond = "requests_per_second"
        case p50Milliseconds = "p50_ms"
        case p99Milliseconds = "p99_ms"
    }
}

/// The load phase's figures.
struct LoadFigures: Encodable {
    let wrk: [WrkRun]
    let cliMilliseconds: Double
    let libraryMicroseconds: Double

    enum CodingKeys: String, CodingKey {
        case wrk
        case cliMilliseconds = "cli_resolve_ms"
        case libraryMicroseconds = "library_resolve_us"
    }
}

/// Everything the fleet run measured.
struct FleetFigures: Encodable {
    static let heading = "## Fleet: propagation and serve (loopback)"

    let followers: Int
    let pollInterval: Double
    let relayInterval: Double
    let boundSeconds: Double
    let rollbackCommandMilliseconds: Double
    let polling: PropagationFigures
    let watch: PropagationFigures
    let outageSeconds: Double
    let staleReported: Int
    let keptLastKnownGood: Bool
    let convergence: PropagationFigures
    let cleanExits: Int
    let load: LoadFigures?
    let load1: String

    enum CodingKeys: String, CodingKey {
        case followers, polling, watch, convergence, load
        case pollInterval = "poll_interval_s"
        case relayInterval = "relay_interval_s"
        case boundSeconds = "bound_s"
        case rollbackCommandMilliseconds = "rollback_command_ms"
        case outageSeconds = "outage_s"
        case staleReported = "stale_reported"
        case keptLastKnownGood = "kept_last_known_good"
        case cleanExits = "clean_exits"
        case load1 = "load_average"
    }

    func markdown() -> String {
        var lines = [
            Self.heading, "",
            "`promptreg-bench fleet`: an upstream on `git daemon`, a relay (`promptreg serve --follow origin --interval \(relayInterval)`), and \(followers) `promptreg follow --json` processes: \(polling.count) polling their own clone every \(pollInterval) s, \(watch.count) watching the relay's `/v1/watch` stream. Another clone rolls prod back (write-through, \(String(format: "%.0f", rollbackCommandMilliseconds)) ms); each follower's time is from that command's exit to the line with the rolled-back digest. 2 cores shared by every process; 1-minute load average \(load1) at the end.",
            "",
            "| Path | Received | p50 ms | p100 ms | Goal |",
            "|---|---|---|---|---|",
            "| Polling (interval \(pollInterval) s) | \(polling.cells) | ≤ interval + 1 s |",
            "| Watch via relay (relay interval \(relayInterval) s) | \(watch.cells) | ≤ 1 s after the relay has it |",
            "| Convergence after a \(String(format: "%.1f", outageSeconds)) s outage of the upstream | \(convergence.cells) | all converge |",
            "",
            "During the outage \(staleReported)/\(polling.count) polling followers reported `stale` on standard error, every follower \(keptLastKnownGood ? "kept" : "did NOT keep") its last verified answer, and \(cleanExits)/\(followers) exited 0 on SIGTERM. A polling follower backs off (doubling up to 60 s) while the upstream is down, so convergence after an outage takes up to its current back-off.",
        ]
        if let load {
            lines += [
                "",
                "| Resolve `\(FleetRun.bundle)` for one subject | Figure |",
                "|---|---|",
            ] + load.wrk.map(\.row) + [
                "| `promptreg resolve --json` as a process (median of 30) | \(String(format: "%.1f", load.cliMilliseconds)) ms |",
                "| the library's warm `Registry.resolve` (median of 2,000) | \(String(format: "%.1f", load.libraryMicroseconds)) µs |",
                "",
                "wrk and the server share the 2 cores; prod of \(FleetRun.bundle) has a 50 % canary, so every answer carries the subject's bucket.",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
