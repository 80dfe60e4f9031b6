import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `promptreg-bench sync`: write-through writes and pulls against git servers on loopback
/// (`git daemon` for git://, lighttpd running `git http-backend` for smart HTTP), measured as
/// whole processes beside stock `git push` and `git fetch` to the same servers, round by round.
/// Appends the section "Across machines (loopback)" to the results file.
struct SyncBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Measure write-through writes and pulls over git:// and smart HTTP on loopback beside git push and git fetch.",
        discussion: """
            Builds a small registry with the promptreg CLI (the example bundles), pushes it to one empty bare upstream per transport, serves them on 127.0.0.1 with `git daemon` and with lighttpd running `git http-backend`, and measures, interleaved round by round: write-through promote and rollback, `git push` of one ref, `promptreg pull` and `git fetch` with nothing new (and with the round's new state commits). Appends (or replaces) the section "Across machines (loopback)" in --out.
            """)

    @Option(help: "The promptreg executable to measure.") var promptreg: String
    @Option(help: "Measured rounds; each figure gets one sample per round.") var runs = 25
    @Option(help: "The markdown file to append the section to (an earlier section with the same heading is replaced).")
    var out = "bench/results.md"
    @Option(help: "Working directory for the registries, upstreams and server files (rebuilt).") var work = ".build/bench-sync"
    @Option(help: "The directory holding the example bundles.") var examples = "registry"

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
    }

    func run() throws {
        let workPath = URL(fileURLWithPath: work).standardizedFileURL.path
        try SyncWorkDirectory.reset(workPath)
        let bench = SyncBench(
            promptreg: URL(fileURLWithPath: promptreg).standardizedFileURL.path, runs: runs, work: workPath,
            examples: URL(fileURLWithPath: examples).standardizedFileURL.path)
        let section = try bench.run()
        try SyncReport.replaceSection(section, heading: SyncReport.heading, in: out)
        print(section)
        print("appended to \(out)")
    }
}

/// The work directory: rebuilt on every run, and only removed when it is one this benchmark made.
enum SyncWorkDirectory {
    static let marker = ".promptreg-bench-sync"

    static func reset(_ path: String) throws {
        let files = FileManager.default
        if files.fileExists(atPath: path) {
            let contents = try files.contentsOfDirectory(atPath: path)
            guard contents.isEmpty || contents.contains(marker) else {
                throw BenchError("\(path) exists and was not made by promptreg-bench sync (no \(marker) in it); give another --work")
            }
            try files.removeItem(atPath: path)
        }
        try files.createDirectory(atPath: path, withIntermediateDirectories: true)
        try "made by promptreg-bench sync; removed and rebuilt by every run\n".write(
            toFile: "\(path)/\(marker)", atomically: false, encoding: .utf8)
    }
}

/// Stops the servers when the benchmark is interrupted (they run in their own process groups,
/// so a terminal's Ctrl-C does not reach them).
enum ServerReaper {
    nonisolated(unsafe) static var groups: (pid_t, pid_t) = (0, 0)

    static func install() {
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber) { received in
                if ServerReaper.groups.0 > 0 { kill(-ServerReaper.groups.0, SIGKILL) }
                if ServerReaper.groups.1 > 0 { kill(-ServerReaper.groups.1, SIGKILL) }
                _exit(128 + received)
            }
        }
    }
}

/// One transport's upstream and the repositories that talk to it.
struct SyncTransport {
    /// Figure-key prefix: "git" or "http".
    let key: String
    /// "git://" or "http://".
    let label: String
    /// The upstream's URL on 127.0.0.1.
    let url: String
    /// The upstream's bare repository on disk.
    let upstream: String
    /// The writer clone (`promptreg clone`): write-through promote and rollback.
    let writer: String
    /// The agent-host clone (`promptreg clone`): pulls.
    let agent: String
    /// A `git clone --mirror` of the upstream: `git fetch`.
    let mirror: String
    /// A plain bare repository: `git push` of one ref.
    let plain: String
    /// The empty tree in `plain`.
    var tree = ""
    /// The last commit pushed from `plain` to `refs/bench/x`.
    var lastPushed: String?
}

/// The benchmark run: setup, rounds, checks, report.
struct SyncBench {
    let promptreg: String
    let runs: Int
    let work: String
    let examples: String
    let runner: SyncRunner

    /// Rounds run before the measured ones, not recorded.
    static let warmUpRounds = 1
    /// The refspec a stock-git host would fetch a registry with.
    static let refspec = "+refs/promptreg/*:refs/promptreg-remotes/x/*"
    static let bundles = ["support-triage", "support-agent", "reply-verifier"]

    init(promptreg: String, runs: Int, work: String, examples: String) {
        self.promptreg = promptreg
        self.runs = runs
        self.work = work
        self.examples = examples
        runner = SyncRunner(stderrPath: "\(work)/last-stderr.txt")
    }

    private func pr(_ arguments: [String]) -> [String] { [promptreg] + arguments }
    private func git(_ gitDir: String) -> [String] { ["git", "--git-dir=\(gitDir)"] }

    func run() throws -> String {
        let started = Date()
        let loadBefore = Self.loadAverage()
        guard FileManager.default.isExecutableFile(atPath: promptreg) else { throw BenchError("\(promptreg) is not an executable") }
        for bundle in Self.bundles where !FileManager.default.fileExists(atPath: "\(examples)/\(bundle)/bundle.yaml") {
            throw BenchError("\(examples)/\(bundle)/bundle.yaml is missing (give --examples)")
        }

        // The registry, through the CLI.
        print("sync: building the registry")
        let source = "\(work)/source.git"
        try runner.must(pr(["init", source, "--actor", "bench"]))
        var first: [String: String] = [:]
        for bundle in Self.bundles {
            first[bundle] = try publish("\(examples)/\(bundle)", into: source)
            try runner.must(
                pr(["promote", "\(bundle)@\(first[bundle]!)", "prod", "-m", "bench", "--registry", source, "--actor", "bench"]))
        }
        let changed = "\(work)/support-agent-next"
        try FileManager.default.copyItem(atPath: "\(examples)/support-agent", toPath: changed)
        let template = "\(changed)/prompts/system.mustache"
        try (String(contentsOfFile: template, encoding: .utf8) + "\nKeep the reply under 120 words.\n")
            .write(toFile: template, atomically: false, encoding: .utf8)
        let second = try publish(changed, into: source)
        let versionA = first["support-agent"]!
        let versionB = second

        // One empty bare upstream per transport, both under one served base directory.
        let base = "\(work)/served"
        for name in ["git.git", "http.git"] {
            try runner.must(["git", "init", "--quiet", "--bare", "\(base)/\(name)"])
            try runner.must(git("\(base)/\(name)") + ["config", "http.receivepack", "true"])
        }

        // The servers, stopped on every way out of this function.
        ServerReaper.install()
        let execPath = try runner.must(["git", "--exec-path"]).output
        let serverDirectory = "\(work)/servers"
        try FileManager.default.createDirectory(atPath: "\(serverDirectory)/uploads", withIntermediateDirectories: true)
        let daemon = try LoopbackServer.start(
            name: "git daemon", executable: "\(execPath)/git-daemon", logPath: "\(serverDirectory)/git-daemon.log",
            environment: runner.environment
        ) { port in
            [
                "--reuseaddr", "--export-all", "--enable=receive-pack", "--base-path=\(base)", "--listen=127.0.0.1", "--port=\(port)",
                base,
            ]
        }
        ServerReaper.groups.0 = daemon.pid
        defer {
            daemon.stop()
            ServerReaper.groups.0 = 0
        }
        let lighttpdConfig = "\(serverDirectory)/lighttpd.conf"
        let lighttpd = try LoopbackServer.start(
            name: "lighttpd", executable: try Self.lighttpdExecutable(), logPath: "\(serverDirectory)/lighttpd.log",
            environment: runner.environment,
            prepare: { port in
                try Self.lighttpdConfiguration(
                    base: base, port: port, directory: serverDirectory, backend: "\(execPath)/git-http-backend"
                ).write(toFile: lighttpdConfig, atomically: true, encoding: .utf8)
            },
            arguments: { _ in ["-D", "-f", lighttpdConfig] }
        )
        ServerReaper.groups.1 = lighttpd.pid
        defer {
            lighttpd.stop()
            ServerReaper.groups.1 = 0
        }

        var transports = [
            transport("git", "git://", url: "git://127.0.0.1:\(daemon.port)/git.git", upstream: "\(base)/git.git"),
            transport("http", "http://", url: "http://127.0.0.1:\(lighttpd.port)/git/http.git", upstream: "\(base)/http.git"),
        ]

        // Seed both upstreams from the registry: the git:// one as its upstream, the other as a second remote.
        print("sync: pushing the registry to \(transports.map(\.url).joined(separator: " and "))")
        try runner.must(pr(["remote", "add", "origin", transports[0].url, "--registry", source]))
        try runner.must(pr(["remote", "set-upstream", "origin", "--registry", source]))
        try runner.must(pr(["push", "--registry", source]))
        try runner.must(pr(["remote", "add", "http", transports[1].url, "--registry", source]))
        try runner.must(pr(["push", "http", "--registry", source]))
        let upstreamRefs = try runner.must(git(transports[0].upstream) + ["for-each-ref", "--format=%(refname)"]).output
            .split(separator: "\n").count

        // Per transport: the clones and plain repositories.
        for index in transports.indices {
            let t = transports[index]
            try FileManager.default.createDirectory(atPath: "\(work)/\(t.key)", withIntermediateDirectories: true)
            try runner.must(pr(["clone", t.url, t.writer]))
            try runner.must(pr(["clone", t.url, t.agent]))
            try runner.must(["git", "clone", "--quiet", "--mirror", t.url, t.mirror])
            try runner.must(git(t.mirror) + ["fetch", "--quiet", t.url, Self.refspec])
            try runner.must(["git", "init", "--quiet", "--bare", t.plain])
            transports[index].tree = try runner.must(git(t.plain) + ["mktree"]).output
        }
        // A registry without upstream, same content: the local work of a write, no network.
        let local = "\(work)/local"
        try runner.must(pr(["clone", transports[0].url, local]))
        try runner.must(pr(["remote", "remove", "origin", "--registry", local]))
        let setupSeconds = Date().timeIntervalSince(started)

        // The rounds.
        print("sync: \(Self.warmUpRounds) warm-up + \(runs) measured rounds")
        var samples: [String: [Double]] = [:]
        let roundsStarted = Date()
        for round in 0..<(Self.warmUpRounds + runs) {
            let recording = round >= Self.warmUpRounds
            @discardableResult
            func timed(_ key: String, _ arguments: [String]) throws -> SyncRun {
                let result = try runner.must(arguments)
                if recording { samples[key, default: []].append(result.milliseconds) }
                return result
            }
            for index in transports.indices {
                var t = transports[index]
                let k = t.key
                // (1) and (2): write-through, each a real move (promote A -> B, rollback B -> A).
                try timed(
                    "\(k)/promote",
                    pr(["promote", "support-agent@\(versionB)", "prod", "-m", "bench", "--registry", t.writer, "--actor", "bench"]))
                try timed("\(k)/rollback", pr(["rollback", "prod", "-m", "bench", "--registry", t.writer, "--actor", "bench"]))
                // (3): stock git pushes one ref (one new commit on the last one) to the same server.
                let commit = try runner.must(
                    git(t.plain) + ["commit-tree", t.tree, "-m", "round \(round)"] + (t.lastPushed.map { ["-p", $0] } ?? [])
                ).output
                try timed("\(k)/git-push", git(t.plain) + ["push", "--quiet", t.url, "\(commit):refs/bench/x"])
                t.lastPushed = commit
                // The agent host and the mirror catch up with the round's two state commits...
                let caughtUp = try timed("\(k)/pull-new", pr(["pull", "--json", "--registry", t.agent]))
                try Self.expect(caughtUp, outcome: "fast-forwarded", t.agent)
                try timed("\(k)/git-fetch-new", git(t.mirror) + ["fetch", "--quiet", t.url, Self.refspec])
                // ... then (4) and (5): the steady state, nothing new.
                let steady = try timed("\(k)/pull-noop", pr(["pull", "--json", "--registry", t.agent]))
                try Self.expect(steady, outcome: "up to date", t.agent)
                try timed("\(k)/git-fetch-noop", git(t.mirror) + ["fetch", "--quiet", t.url, Self.refspec])
                // The same with protocol v0, the protocol libgit2 1.5 speaks (stock git defaults to v2).
                try timed(
                    "\(k)/git-fetch-v0-noop",
                    ["git", "-c", "protocol.version=0"] + git(t.mirror).dropFirst() + ["fetch", "--quiet", t.url, Self.refspec])
                transports[index] = t
            }
            // References without network, in the same rounds.
            try timed(
                "local/promote",
                pr(["promote", "support-agent@\(versionB)", "prod", "-m", "bench", "--registry", local, "--actor", "bench"]))
            try timed("local/rollback", pr(["rollback", "prod", "-m", "bench", "--registry", local, "--actor", "bench"]))
            try timed("local/open-probe", [CommandLine.arguments[0], "open-probe", local])
            let fsyncMilliseconds = try Self.fsyncProbe(in: work)
            if recording { samples["local/fsync", default: []].append(fsyncMilliseconds) }
            if (round + 1) % 10 == 0 { print("  round \(round + 1)/\(Self.warmUpRounds + runs)") }
        }
        let roundSeconds = Date().timeIntervalSince(roundsStarted)

        // Checks: every copy agrees with its upstream and verifies.
        for t in transports {
            let upstreamState = try runner.must(git(t.upstream) + ["rev-parse", "refs/promptreg/state"]).output
            for (name, repository, reference) in [
                ("writer clone", t.writer, "refs/promptreg/state"), ("agent clone", t.agent, "refs/promptreg/state"),
                ("git mirror", t.mirror, "refs/promptreg-remotes/x/state"),
            ] {
                let state = try runner.must(git(repository) + ["rev-parse", reference]).output
                guard state == upstreamState else {
                    throw BenchError("\(t.label): the \(name)'s \(reference) is \(state), the upstream's state is \(upstreamState)")
                }
            }
            try runner.must(pr(["verify", "--registry", t.writer]))
            try runner.must(pr(["verify", "--registry", t.agent]))
        }

        let stats = samples.mapValues(Stats.init)
        let versions = try runner.must(["git", "--version"]).output
        let promptregVersion = try runner.must(pr(["--version"])).output
        let lighttpdVersion =
            runner.run([try Self.lighttpdExecutable(), "-v"]).output.split(separator: " ").first.map(String.init) ?? "lighttpd"
        return SyncReport(
            stats: stats, runs: runs, transports: transports, versionA: versionA, versionB: versionB, upstreamRefs: upstreamRefs,
            gitVersion: versions, lighttpd: lighttpdVersion, promptreg: "`\(Self.relative(promptreg))` (`--version`: \(promptregVersion))",
            setupSeconds: setupSeconds, roundSeconds: roundSeconds,
            totalSeconds: Date().timeIntervalSince(started), load: (loadBefore, Self.loadAverage())
        ).markdown()
    }

    /// Writes 4 KiB to a file, fsyncs it and its directory, and returns how long that took in
    /// milliseconds: what one durable object or ref write costs on this disk at this moment.
    static func fsyncProbe(in directory: String) throws -> Double {
        try FsyncCost.probe(in: directory, directory: true)
    }

    /// `path` relative to the current directory when it is inside it (the report names no home directories).
    static func relative(_ path: String) -> String {
        let here = FileManager.default.currentDirectoryPath + "/"
        return path.hasPrefix(here) ? String(path.dropFirst(here.count)) : path
    }

    /// The 1-minute load average, from /proc/loadavg ("-" where it cannot be read).
    static func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "-").split(separator: " ").first.map(String.init) ?? "-"
    }

    private func transport(_ key: String, _ label: String, url: String, upstream: String) -> SyncTransport {
        SyncTransport(
            key: key, label: label, url: url, upstream: upstream, writer: "\(work)/\(key)/writer", agent: "\(work)/\(key)/agent",
            mirror: "\(work)/\(key)/mirror.git", plain: "\(work)/\(key)/plain.git")
    }

    /// Publishes `directory` into `registry` through the CLI and returns the version it got.
    private func publish(_ directory: String, into registry: String) throws -> String {
        let output = try runner.must(pr(["publish", directory, "-m", "bench", "--registry", registry, "--actor", "bench"])).output
        // "published NAME@VERSION sha256:HEX"
        let words = output.split(separator: " ")
        guard words.count >= 2, words[0] == "published", let at = words[1].lastIndex(of: "@") else {
            throw BenchError("unexpected publish output: \(output)")
        }
        return String(words[1][words[1].index(after: at)...])
    }

    /// Fails unless the `pull --json` output says `outcome`.
    private static func expect(_ result: SyncRun, outcome: String, _ registry: String) throws {
        guard let data = result.output.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let actual = object["outcome"] as? String
        else { throw BenchError("promptreg pull --json in \(registry) printed no outcome: \(result.output)") }
        guard actual == outcome else { throw BenchError("promptreg pull in \(registry): expected '\(outcome)', got '\(actual)'") }
    }

    static func lighttpdExecutable() throws -> String {
        let candidates =
            ["/usr/sbin/lighttpd", "/usr/bin/lighttpd", "/usr/local/sbin/lighttpd", "/usr/local/bin/lighttpd"]
            + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/lighttpd" }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw BenchError("lighttpd is not installed (run scripts/install-deps.sh, or apt-get install lighttpd)")
        }
        return found
    }

    /// lighttpd serving `git http-backend` under /git for the bare repositories under `base`;
    /// pushes are allowed by `http.receivepack` in each upstream's config.
    static func lighttpdConfiguration(base: String, port: Int, directory: String, backend: String) -> String {
        func quoted(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return """
            server.modules = ( "mod_alias", "mod_setenv", "mod_cgi" )
            server.bind = "127.0.0.1"
            server.port = \(port)
            server.document-root = \(quoted(base))
            server.errorlog = \(quoted("\(directory)/lighttpd-error.log"))
            server.upload-dirs = ( \(quoted("\(directory)/uploads")) )
            alias.url = ( "/git" => \(quoted(backend)) )
            cgi.assign = ( "" => "" )
            setenv.set-environment = (
                "GIT_PROJECT_ROOT" => \(quoted(base)),
                "GIT_HTTP_EXPORT_ALL" => "1"
            )

            """
    }
}

/// The markdown section.
struct SyncReport {
    static let heading = "## Across machines (loopback)"

    let stats: [String: Stats]
    let runs: Int
    let transports: [SyncTransport]
    let versionA: String
    let versionB: String
    let upstreamRefs: Int
    let gitVersion: String
    let lighttpd: String
    let promptreg: String
    let setupSeconds: Double
    let roundSeconds: Double
    let totalSeconds: Double
    /// The 1-minute load average at the start and at the end of the run.
    let load: (String, String)

    private func median(_ key: String) -> Double { stats[key]?.median ?? .nan }

    func markdown() -> String {
        let keys = transports.map(\.key)
        func both(_ format: (SyncTransport, String) -> String) -> String {
            transports.map { format($0, $0.key) }.joined(separator: ", ")
        }
        var lines: [String] = [
            Self.heading, "",
            "Written by `promptreg-bench sync` (`scripts/bench.sh` runs it after the main run).", "",
            "- date: \(Timestamp.now)",
            "- machine: \(Machine.description)",
            "- promptreg: \(promptreg)",
            "- servers, on 127.0.0.1 only, \(gitVersion) on both sides: "
                + transports.map {
                    "\($0.label) (`\(Self.redactPort($0.url))`) "
                        + ($0.key == "git"
                            ? "`git daemon --enable=receive-pack`"
                            : "smart HTTP: \(lighttpd) running `git http-backend` as CGI, `http.receivepack true` in the upstream")
                }
                .joined(separator: "; ")
                + ". promptreg talks to them through libgit2 \(Self.libgit2Version()) (git protocol v0); stock git through its own client (protocol v2 by default, v0 in the row that says so)",
            "- registry: \(SyncBench.bundles.joined(separator: ", ")) published with the CLI and on prod, support-agent \(versionA) and \(versionB); \(upstreamRefs) refs on each upstream (one upstream per transport), each with a writer clone and an agent clone (`promptreg clone`), a `git clone --mirror` and a plain bare repository",
            "- rounds: \(runs) measured after \(SyncBench.warmUpRounds) warm-up, interleaved: each round runs every figure once over git://, then over http://, then the no-network references, so every ratio compares samples taken under the same load. Figures: median and p95 of whole processes (posix_spawn to waitpid), output captured, every exit status checked; promote and rollback alternate so each is a real move (\(versionA) -> \(versionB) -> \(versionA)), and every pull's outcome (`fast-forwarded`, then `up to date`) is checked; at the end every clone and the mirror hold the upstream's state and `promptreg verify` passes on the clones",
            "- run time: \(Int(totalSeconds.rounded())) s in all (servers, registry and clones \(String(format: "%.1f", setupSeconds)) s, rounds \(String(format: "%.1f", roundSeconds)) s); 1-minute load average \(load.0) at the start, \(load.1) at the end (\(ProcessInfo.processInfo.activeProcessorCount) cores)",
            "",
            "| figure | " + transports.map { "\($0.label) median | \($0.label) p95" }.joined(separator: " | ") + " |",
            "| --- | " + transports.map { _ in "---: | ---:" }.joined(separator: " | ") + " |",
        ]
        func row(_ label: String, _ figure: String) {
            lines.append(
                "| \(label) | "
                    + keys.map { "\(Self.ms(stats["\($0)/\(figure)"]?.median)) | \(Self.ms(stats["\($0)/\(figure)"]?.p95))" }
                    .joined(separator: " | ") + " |")
        }
        func sumRow(_ label: String, _ figures: [String]) {
            lines.append(
                "| \(label) | "
                    + keys.map { key in "\(Self.ms(figures.map { median("\(key)/\($0)") }.reduce(0, +))) | -" }
                    .joined(separator: " | ") + " |")
        }
        row("(1) `promote support-agent@\(versionB) prod -m bench`, write-through", "promote")
        row("(2) `rollback prod -m bench`, write-through", "rollback")
        row("(3) `git push URL COMMIT:refs/bench/x` from a plain bare repository (one ref, one new commit)", "git-push")
        row("(4) `promptreg pull`, nothing new (an agent host's steady state)", "pull-noop")
        row("(5) `git fetch URL '\(SyncBench.refspec)'`, nothing new, in a `git clone --mirror`", "git-fetch-noop")
        row("(5, v0) the same `git fetch` with `-c protocol.version=0`", "git-fetch-v0-noop")
        sumRow("git fetch + git push: (5) + (3), sum of the medians", ["git-fetch-noop", "git-push"])
        sumRow("git fetch (v0) + git push: (5, v0) + (3), sum of the medians", ["git-fetch-v0-noop", "git-push"])
        row("`promptreg pull` taking in the round's 2 new state commits (just before (4))", "pull-new")
        row("`git fetch` of the same 2 new commits (just before (5))", "git-fetch-new")
        lines.append("")
        let local = ["promote", "rollback", "open-probe", "fsync"].map { stats["local/\($0)"] }
        lines.append(
            "No network, same rounds: `promote` in a registry without upstream \(Self.ms(local[0]?.median)) (p95 \(Self.ms(local[0]?.p95))), `rollback` \(Self.ms(local[1]?.median)) (p95 \(Self.ms(local[1]?.p95))), a process that only opens the registry (start-up + libgit2 init) \(Self.ms(local[2]?.median)); writing 4 KiB and fsyncing the file and its directory (what every durable object or ref write pays) \(Self.ms(local[3]?.median)) (p95 \(Self.ms(local[3]?.p95)))."
        )
        lines.append("")
        lines.append("| ratio of medians (below 1: promptreg is faster) | " + transports.map(\.label).joined(separator: " | ") + " |")
        lines.append("| --- | " + transports.map { _ in "---:" }.joined(separator: " | ") + " |")
        func m(_ figure: String) -> (String) -> Double { { self.median("\($0)/\(figure)") } }
        func plus(_ a: String, _ b: String) -> (String) -> Double { { self.median("\($0)/\(a)") + self.median("\($0)/\(b)") } }
        let ratios: [(label: String, numerator: (String) -> Double, denominator: (String) -> Double, meaning: String)] = [
            (
                "write-through `promote` / `git push`", m("promote"), m("git-push"),
                "how many one-ref pushes by stock git to the same server one write-through promote costs; the promote also fetches first, writes its state commit locally with fsync, and moves its local refs after the server accepted the push."
            ),
            (
                "write-through `promote` / (`git fetch` + `git push`)", m("promote"), plus("git-fetch-noop", "git-push"),
                "the like-for-like comparison: a write-through write does one fetch and one push of one ref over the network, as these two git commands do; what it costs beyond them is its process start-up, libgit2 initialisation and the durable local state write (the no-network promote above)."
            ),
            (
                "write-through `promote` / (`git fetch` v0 + `git push`)", m("promote"), plus("git-fetch-v0-noop", "git-push"),
                "the same with stock git fetching over protocol v0, the protocol libgit2 speaks, so the protocol version is not part of the difference."
            ),
            (
                "write-through `rollback` / `git push`", m("rollback"), m("git-push"),
                "as for promote: a rollback fetches, writes one state commit and pushes it, so the two cost about the same."
            ),
            (
                "write-through `rollback` / (`git fetch` + `git push`)", m("rollback"), plus("git-fetch-noop", "git-push"),
                "a write-through rollback against the same network work done by stock git."
            ),
            (
                "`promptreg pull` / `git fetch`, nothing new", m("pull-noop"), m("git-fetch-noop"),
                "what an agent host pays per poll when nothing changed, against the same poll with stock git; each is one process that connects once and reads the server's refs."
            ),
            (
                "`promptreg pull` / `git fetch` v0, nothing new", m("pull-noop"), m("git-fetch-v0-noop"),
                "the same poll against stock git speaking protocol v0, like libgit2; the difference from the line above is stock git's protocol v2 default alone."
            ),
            (
                "`promptreg pull` / `git fetch`, 2 new state commits", m("pull-new"), m("git-fetch-new"),
                "what a host pays to take in a change (a promote and its rollback), against stock git fetching the same commits; the pull also checks the new state (it descends from the last one seen and from the accepted mark) and fast-forwards the local state with fsync."
            ),
        ]
        for entry in ratios {
            lines.append(
                "| \(entry.label) | "
                    + keys.map { String(format: "%.2fx", entry.numerator($0) / entry.denominator($0)) }.joined(separator: " | ")
                    + " |")
        }
        lines.append("")
        lines.append("What the ratios mean:")
        lines.append("")
        for entry in ratios {
            let values = both { t, key in "\(String(format: "%.2fx", entry.numerator(key) / entry.denominator(key))) over \(t.label)" }
            lines.append("- **\(entry.label)** (\(values)): \(entry.meaning.prefix(1).uppercased() + entry.meaning.dropFirst())")
        }
        let network = both { t, key in "\(Self.ms(median("\(key)/promote") - median("local/promote"))) over \(t.label)" }
        let gitNetwork = both { t, key in "\(Self.ms(median("\(key)/git-fetch-noop") + median("\(key)/git-push"))) over \(t.label)" }
        lines.append(
            "- **The network part of a write-through write**: a write-through promote minus the no-network promote is \(network); stock git's fetch + push of the same work take \(gitNetwork). The first is what connecting, fetching and pushing add to one promptreg process; the second is the same network work done by two stock git processes, each with its own start-up."
        )
        lines.append("")
        return lines.joined(separator: "\n")
    }

    /// Removes the section headed `heading` (up to the next heading of level 1 or 2) from the file
    /// at `path`, if there is one, and appends `section` at the end; a missing file is created.
    static func replaceSection(_ section: String, heading: String, in path: String) throws {
        var lines = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").components(separatedBy: "\n")
        if let start = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == heading }) {
            var end = start + 1
            while end < lines.count && !(lines[end].hasPrefix("# ") || lines[end].hasPrefix("## ")) { end += 1 }
            lines.removeSubrange(start..<end)
        }
        var text = lines.joined(separator: "\n")
        while text.hasSuffix("\n") { text.removeLast() }
        text += (text.isEmpty ? "" : "\n\n") + section
        if !text.hasSuffix("\n") { text += "\n" }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    private static func ms(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "-" }
        if value >= 100 { return String(format: "%.0f ms", value) }
        if value >= 1 { return String(format: "%.2f ms", value) }
        return String(format: "%.3f ms", value)
    }

    /// `git://127.0.0.1:PORT/x.git` -> `git://127.0.0.1:PORT/x.git` with the port as PORT (it changes every run).
    private static func redactPort(_ url: String) -> String {
        url.replacingOccurrences(of: #":[0-9]+/"#, with: ":PORT/", options: .regularExpression)
    }

    private static func libgit2Version() -> String {
        let runner = SyncRunner(stderrPath: "/dev/null")
        let version = runner.run(["pkg-config", "--modversion", "libgit2"])
        return version.status == 0 && !version.output.isEmpty ? version.output : "system"
    }
}
