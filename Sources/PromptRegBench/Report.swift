import Foundation

/// The results table: every figure on both fixtures, each promptreg figure with its ratio to its
/// plain-git equivalent measured in the same run, and the targets.
struct Report {
    let small: Fixture
    let large: Fixture
    let smallFigures: [String: Stats]
    let largeFigures: [String: Stats]
    let runs: Int
    let buildFlags: String
    let fixtureSeconds: Double

    /// A row: figure key, label, git equivalent key, and the target as (limit, description).
    private struct Row {
        let key: String
        let label: String
        let git: String?
        let ratioLimit: Double?
        let absoluteLimit: Double?
        let unit: String
    }

    private let rows: [Row] = [
        Row(
            key: "startup", label: "`promptreg --version` (process start-up)", git: "git-startup", ratioLimit: nil, absoluteLimit: nil,
            unit: "ms"),
        Row(
            key: "open-probe", label: "a process that only opens the registry (start-up + libgit2 init)", git: "git-startup",
            ratioLimit: nil, absoluteLimit: nil, unit: "ms"),
        Row(key: "publish", label: "`publish` (a new version)", git: "git-publish", ratioLimit: 1, absoluteLimit: nil, unit: "ms"),
        Row(key: "promote", label: "`promote NAME@VERSION canary`", git: "git-update-ref", ratioLimit: 3, absoluteLimit: nil, unit: "ms"),
        Row(
            key: "promote-canary-prod", label: "`promote canary prod NAME`", git: "git-update-ref", ratioLimit: nil, absoluteLimit: nil,
            unit: "ms"),
        Row(key: "rollback", label: "`rollback prod`", git: "git-update-ref", ratioLimit: 3, absoluteLimit: nil, unit: "ms"),
        Row(
            key: "resolve-channel", label: "`resolve --json` by channel", git: "git-cat-file", ratioLimit: 3, absoluteLimit: nil, unit: "ms"
        ),
        Row(
            key: "resolve-version", label: "`resolve --json` by version", git: "git-cat-file", ratioLimit: 3, absoluteLimit: nil, unit: "ms"
        ),
        Row(key: "resolve-digest", label: "`resolve --json` by digest", git: "git-cat-file", ratioLimit: 3, absoluteLimit: nil, unit: "ms"),
        Row(key: "status", label: "`status`", git: "git-cat-file", ratioLimit: nil, absoluteLimit: nil, unit: "ms"),
        Row(key: "log", label: "`log -n 20`", git: "git-cat-file", ratioLimit: nil, absoluteLimit: nil, unit: "ms"),
        Row(
            key: "library-cold", label: "library: open + resolve by channel + verify (cold)", git: nil, ratioLimit: nil, absoluteLimit: 3,
            unit: "ms"),
        Row(key: "library-warm", label: "library: repeated resolve (warm)", git: nil, ratioLimit: nil, absoluteLimit: 0.1, unit: "ms"),
        Row(
            key: "resolve-rss", label: "peak memory of a `resolve --json` process", git: nil, ratioLimit: nil, absoluteLimit: 30 * 1024,
            unit: "KiB"),
    ]

    private let gitLabels = [
        "git-startup": "`git --version`", "git-publish": "hash-object -w + mktree + commit-tree + update-ref",
        "git-update-ref": "`git update-ref REF NEW OLD`", "git-cat-file": "`git cat-file -p REF:PATH`",
    ]

    func markdown() -> String {
        var lines: [String] = []
        lines.append("# promptreg benchmark results")
        lines.append("")
        lines.append("- date: \(Timestamp.now)")
        lines.append("- machine: \(Machine.description)")
        lines.append("- promptreg build: \(buildFlags)")
        lines.append(
            "- large fixture: \(large.bundles.count) bundles x \(large.versions) versions = \(large.bundles.count * large.versions) versions, \(large.stateOperations) state operations in its history (built through the library in \(Int(fixtureSeconds)) s)"
        )
        lines.append(
            "- small fixture: \(small.bundles.count) bundle x \(small.versions) versions, \(small.stateOperations) state operations")
        lines.append(
            "- process figures: median and p95 of \(runs) runs of a whole process (posix_spawn to waitpid), output discarded; `true` takes \(format(largeFigures["true"]?.median)) ms here"
        )
        lines.append(
            "- ratio: promptreg median / its git equivalent's median, both measured on the large fixture in this run; growth: large median / small median"
        )
        lines.append("")
        lines.append("| figure | small median | large median | large p95 | growth | git equivalent | git median | ratio | target | met |")
        lines.append("| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- | --- |")
        for row in rows {
            guard let largeStats = largeFigures[row.key], let smallStats = smallFigures[row.key] else { continue }
            let growth = smallStats.median > 0 ? largeStats.median / smallStats.median : 0
            var cells = [
                row.label, "\(format(smallStats.median)) \(row.unit)", "\(format(largeStats.median)) \(row.unit)",
                "\(format(largeStats.p95)) \(row.unit)", String(format: "%.2fx", growth),
            ]
            var targets: [String] = []
            var met = growth <= 1.5
            if let gitKey = row.git, let gitStats = largeFigures[gitKey] {
                let ratio = largeStats.median / gitStats.median
                cells += [gitLabels[gitKey] ?? gitKey, "\(format(gitStats.median)) ms", String(format: "%.2fx", ratio)]
                if let limit = row.ratioLimit {
                    targets.append("<= \(format(limit))x git")
                    met = met && ratio <= limit
                }
            } else {
                cells += ["-", "-", "-"]
            }
            if let limit = row.absoluteLimit {
                targets.append("<= \(format(limit)) \(row.unit)")
                met = met && largeStats.median <= limit
            }
            targets.append("growth <= 1.5x")
            cells += [targets.joined(separator: ", "), met ? "yes" : "**no**"]
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }

    private func format(_ value: Double?) -> String {
        guard let value else { return "-" }
        if value >= 100 { return String(format: "%.0f", value) }
        if value >= 1 { return String(format: "%.2f", value) }
        return String(format: "%.3f", value)
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
