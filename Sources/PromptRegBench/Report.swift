import Foundation

/// The results: every figure on the three fixtures from one interleaved run, each promptreg
/// figure with its ratio to its plain-git equivalent and its growth from the small fixture,
/// the disk's fsync cost, the sync-call counts, and the targets.
struct Report {
    let small: Fixture
    let deep: Fixture
    let wide: Fixture
    /// Per fixture label, per figure key.
    let figures: [String: [String: Stats]]
    /// "file" and "dir" probes.
    let fsync: [String: Stats]
    let syncCalls: [String: [String: Int]]?
    let syncCallsMissing: String?
    /// Pack files in each fixture after the rounds (each write adds one until a gc).
    let packsAtEnd: [String: Int]
    /// hash-object, mktree, commit-tree, update-ref.
    let gitPublishCalls: [Int]
    let runs: Int
    let buildFlags: String
    let gitVersion: String
    let straceVersion: String
    let roundSeconds: Double
    let totalSeconds: Double
    let load: (before: String, after: String)

    private var fixtures: [Fixture] { [small, deep, wide] }

    /// A row: figure key, label, git equivalent, targets.
    private struct Row {
        let key: String
        let label: String
        var git: String? = nil
        /// promptreg median / git median, on every fixture.
        var ratioLimit: Double? = nil
        /// Median on every fixture.
        var absoluteLimit: Double? = nil
        /// deep / small and wide / small; nil: no target.
        var deepGrowth: Double? = 1.5
        var wideGrowth: Double? = 1.5
        /// Sync calls of one process, at most.
        var syncLimit: Int? = nil
        var unit = "ms"
    }

    private static let rows: [Row] = [
        Row(key: "startup", label: "`promptreg --version` (process start-up)", git: "git-startup"),
        Row(key: "open-probe", label: "a process that only opens the registry (start-up + libgit2 init)", git: "true"),
        Row(key: "publish", label: "`publish` (a new version)", git: "git-publish", ratioLimit: 2, deepGrowth: 1.2, wideGrowth: 1.2, syncLimit: 8),
        Row(
            key: "promote", label: "`promote NAME@VERSION canary`", git: "git-update-ref", ratioLimit: 4, deepGrowth: 1.2, wideGrowth: 1.2,
            syncLimit: 6),
        Row(
            key: "promote-canary-prod", label: "`promote canary prod NAME`", git: "git-update-ref", ratioLimit: 4, deepGrowth: 1.2,
            wideGrowth: 1.2, syncLimit: 6),
        Row(key: "rollback", label: "`rollback prod`", git: "git-update-ref", ratioLimit: 4, deepGrowth: 1.2, wideGrowth: 1.2, syncLimit: 6),
        Row(
            key: "resolve-channel", label: "`resolve --json` by channel", git: "git-cat-file", ratioLimit: 4, deepGrowth: 1.2,
            wideGrowth: 1.2),
        Row(key: "resolve-version", label: "`resolve --json` by version", git: "git-cat-file", ratioLimit: 4, deepGrowth: 1.2, wideGrowth: 1.2),
        Row(key: "resolve-digest", label: "`resolve --json` by digest", git: "git-cat-file", ratioLimit: 4, deepGrowth: 1.2, wideGrowth: 1.2),
        // status lists every pointer of every bundle: it grows with the bundles by nature.
        Row(key: "status", label: "`status`", wideGrowth: nil),
        Row(key: "log", label: "`log -n 20`"),
        Row(key: "library-cold", label: "library: open + resolve by channel + verify (cold)", absoluteLimit: 3),
        Row(key: "library-warm", label: "library: repeated resolve (warm)", absoluteLimit: 0.1),
        Row(key: "resolve-rss", label: "peak memory of a `resolve --json` process", absoluteLimit: 30 * 1024, unit: "KiB"),
    ]

    private static let gitLabels = [
        "git-startup": "`git --version`", "true": "`true`",
        "git-publish": "`hash-object -w` + `mktree` + `commit-tree` + `update-ref`, fsync on",
        "git-update-ref": "`update-ref REF NEW OLD`, fsync on", "git-cat-file": "`cat-file -p REF:PATH`",
    ]

    private func fixtureLine(_ fixture: Fixture) -> String {
        let size =
            fixture.bundles.count == 1
            ? "1 bundle x \(fixture.versions) versions" : "\(fixture.bundles.count) bundles x \(fixture.versions) versions = \(fixture.totalVersions) versions"
        let stopped =
            fixture.stoppedEarly
            ? " (**stopped at its time budget**: \(fixture.requestedBundles) x \(fixture.requestedVersions) were asked for)" : ""
        let m = fixture.maintenance
        let packsAfter = packsAtEnd[fixture.label].map { "; \($0) packs after the rounds" } ?? ""
        return
            "\(fixture.label): \(size)\(stopped), \(fixture.stateOperations) state operations in its history, built through the library (durable writes off) in \(seconds(fixture.buildSeconds)), of which \(seconds(m.gcSeconds)) in promptreg's gc at the end (\(m.packsBeforeGC) packs -> \(m.packsAfterGC), \(m.objects) objects)\(packsAfter)"
    }

    func markdown() -> String {
        var lines: [String] = []
        let cost = fsync["file"]?.median
        lines.append("# promptreg benchmark results")
        lines.append("")
        lines.append("- date: \(Timestamp.now)")
        lines.append("- machine: \(Machine.description); 1-minute load average \(load.before) at the start, \(load.after) at the end")
        lines.append("- promptreg build: \(buildFlags); \(gitVersion); \(straceVersion)")
        lines.append("- fixtures (each measured figure runs on all three in every round):")
        for fixture in fixtures { lines.append("  - \(fixtureLine(fixture))") }
        lines.append("- library publish time as the registry grows (durable writes off; median of the last \(Fixture.growthWindow) publishes before each size):")
        for fixture in [deep, wide] where !fixture.publishGrowth.isEmpty {
            let points = fixture.publishGrowth.map { "\(thousands($0.versions)) versions: \(format($0.milliseconds)) ms" }
            lines.append("  - \(fixture.label): \(points.joined(separator: "; "))")
        }
        lines.append(
            "- rounds: \(runs) measured after \(Measurements.warmUpRounds) warm-up (\(seconds(roundSeconds)); the whole run \(seconds(totalSeconds))). Each round runs every process figure once on every fixture, the fixtures in a rotating order, each promptreg command right beside its git equivalent (which of the two goes first alternates round by round), so every ratio and every growth below comes from samples taken under the same load. Each round publishes a new version on every fixture; `promote canary prod`, `rollback prod` and `promote NAME@VERSION canary` each make a real move (prod to canary's version and back, canary to its other version). Figures: median and p95 over the rounds of a whole process (posix_spawn to waitpid), output discarded, exit status checked; `true` takes \(format(figures[wide.label]?["true"]?.median)) ms here"
        )
        lines.append(
            "- fsync cost of this disk, measured between the figure groups of the same rounds in the fixtures' directory: write 4 KiB to a new file + fsync it **\(format(cost)) ms** (p95 \(format(fsync["file"]?.p95)) ms); the same + fsync of the directory \(format(fsync["dir"]?.median)) ms (p95 \(format(fsync["dir"]?.p95)) ms); \(fsync["file"]?.runs ?? 0) samples each. \"fsyncs x cost\" = sync calls of one process (strace, below) x the file figure: the floor durability puts under that command here"
        )
        lines.append(
            "- durability on each side: promptreg as built (durable writes on: every object and ref it writes is fsynced). git: `update-ref` with `\(GitFsync.reference.filter { $0 != "-c" }.joined(separator: " "))`; the four-process publish with `\(GitFsync.publish.filter { $0 != "-c" }.joined(separator: " "))` (git 2.39's `mktree` reads no configuration, so its tree object is written without fsync); `cat-file` and `--version` write nothing"
        )
        lines.append(
            "- ratio: promptreg median / git median on the same fixture (small / deep / wide); growth: deep median / small median and wide median / small median. A target holds when it holds on every fixture"
        )
        lines.append("")
        lines.append(
            "| figure | small | deep | wide | p95 (small / deep / wide) | growth deep/small | growth wide/small | git equivalent | git median (small / deep / wide) | ratio (small / deep / wide) | fsyncs promptreg / git | fsyncs x cost | target | met |"
        )
        lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- | --- |")
        for row in Self.rows {
            guard let s = figures[small.label]?[row.key], let d = figures[deep.label]?[row.key], let w = figures[wide.label]?[row.key]
            else { continue }
            let unit = row.unit
            var cells = [
                row.label, "\(format(s.median)) \(unit)", "\(format(d.median)) \(unit)", "\(format(w.median)) \(unit)",
                "\(format(s.p95)) / \(format(d.p95)) / \(format(w.p95)) \(unit)",
            ]
            let deepGrowth = d.median / s.median
            let wideGrowth = w.median / s.median
            cells += [String(format: "%.2fx", deepGrowth), String(format: "%.2fx", wideGrowth)]
            var targets: [String] = []
            var met = true
            if let limit = row.deepGrowth {
                targets.append("deep growth <= \(format(limit))x")
                met = met && deepGrowth <= limit
            }
            if let limit = row.wideGrowth {
                targets.append("wide growth <= \(format(limit))x")
                met = met && wideGrowth <= limit
            }
            if let gitKey = row.git, let gs = figures[small.label]?[gitKey], let gd = figures[deep.label]?[gitKey],
                let gw = figures[wide.label]?[gitKey]
            {
                let ratios = [s.median / gs.median, d.median / gd.median, w.median / gw.median]
                cells += [
                    Self.gitLabels[gitKey] ?? gitKey, "\(format(gs.median)) / \(format(gd.median)) / \(format(gw.median)) ms",
                    ratios.map { String(format: "%.2fx", $0) }.joined(separator: " / "),
                ]
                if let limit = row.ratioLimit {
                    targets.insert("<= \(format(limit))x git", at: 0)
                    met = met && ratios.allSatisfy { $0 <= limit }
                }
            } else {
                cells += ["-", "-", "-"]
            }
            let counts = syncCounts(row.key)
            let gitCounts = row.git.flatMap { syncCounts($0) }
            if let counts {
                cells.append("\(countText(counts)) / \(gitCounts.map(countText) ?? "-")")
                cells.append(cost.map { "\(countText(counts)) x \(format($0)) = \(format(Double(counts.max() ?? 0) * $0)) ms" } ?? "-")
            } else {
                cells += ["-", "-"]
            }
            if let limit = row.syncLimit {
                targets.append("<= \(limit) fsyncs")
                if let counts { met = met && counts.allSatisfy { $0 <= limit } }
            }
            if let limit = row.absoluteLimit {
                targets.append("<= \(format(limit)) \(unit)")
                met = met && [s, d, w].allSatisfy { $0.median <= limit }
            }
            let unknown = row.syncLimit != nil && counts == nil
            cells += [targets.joined(separator: ", "), met ? (unknown ? "yes (fsyncs not counted)" : "yes") : "**no**"]
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        lines.append("")
        lines.append(contentsOf: syncTable())
        return lines.joined(separator: "\n")
    }

    /// The sync calls of one process of each command, against the goals.
    private func syncTable() -> [String] {
        var lines: [String] = []
        guard syncCalls != nil else {
            lines.append("fsync counts: \(syncCallsMissing ?? "not taken").")
            lines.append("")
            return lines
        }
        lines.append(
            "Sync calls of one process (`strace -f -c -e trace=\(SyncCallCounter.calls.joined(separator: ","))`, after the rounds, untimed; fsync + fdatasync + sync_file_range):"
        )
        lines.append("")
        lines.append("| command | small | deep | wide | git equivalent | git (small / deep / wide) | goal | met |")
        lines.append("| --- | ---: | ---: | ---: | --- | ---: | --- | --- |")
        let commands: [(key: String, label: String, git: String, goal: Int?)] = [
            ("promote", "`promote NAME@VERSION canary`", "git-update-ref", 6),
            ("promote-canary-prod", "`promote canary prod NAME`", "git-update-ref", 6),
            ("rollback", "`rollback prod`", "git-update-ref", 6),
            ("publish", "`publish`", "git-publish", 8),
            ("resolve-channel", "`resolve --json`", "git-cat-file", nil),
        ]
        for command in commands {
            guard let counts = syncCounts(command.key) else { continue }
            let git = syncCounts(command.git)
            var gitLabel = Self.gitLabels[command.git] ?? command.git
            if command.git == "git-publish", gitPublishCalls.count == 4 {
                gitLabel += " (\(gitPublishCalls.map(String.init).joined(separator: " + ")) on the wide fixture)"
            }
            let met = command.goal.map { goal in counts.allSatisfy { $0 <= goal } ? "yes" : "**no**" } ?? "-"
            lines.append(
                "| \(command.label) | \(counts[0]) | \(counts[1]) | \(counts[2]) | \(gitLabel) | \(git.map { $0.map(String.init).joined(separator: " / ") } ?? "-") | \(command.goal.map { "<= \($0)" } ?? "-") | \(met) |"
            )
        }
        lines.append("")
        return lines
    }

    /// The counts of `key` on small, deep, wide; nil when not counted.
    private func syncCounts(_ key: String) -> [Int]? {
        guard let syncCalls else { return nil }
        let counts = fixtures.compactMap { syncCalls[$0.label]?[key] }
        return counts.count == 3 ? counts : nil
    }

    /// One number when the three agree, else all three.
    private func countText(_ counts: [Int]) -> String {
        Set(counts).count == 1 ? "\(counts[0])" : counts.map(String.init).joined(separator: "/")
    }

    private func format(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "-" }
        if value >= 100 { return String(format: "%.0f", value) }
        if value >= 1 { return String(format: "%.2f", value) }
        return String(format: "%.3f", value)
    }

    private func seconds(_ value: Double) -> String { value >= 10 ? "\(Int(value.rounded())) s" : String(format: "%.1f s", value) }

    private func thousands(_ value: Int) -> String {
        let digits = String(value)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return out
    }
}

/// Facts about this machine, for the report.
enum Machine {
    static var description: String {
        let cpu =
            (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        var system = utsname()
        uname(&system)
        let kernel = withUnsafeBytes(of: &system.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return
            "\(cpu), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB, Linux \(kernel)"
    }
}

/// The report's date.
enum Timestamp {
    static var now: String { Date().formatted(.iso8601) }
}
