import ArgumentParser
import Foundation
import PromptRegistry

/// `promptreg-bench packs`: reads of a registry holding 1,000 packs beside the same registry after
/// `promptreg gc`, interleaved round by round. Stock git makes the packs (one object each), as
/// promptreg itself never lets them pile up past 100: each write joins the small ones.
struct PackBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "packs", abstract: "Measure reads with 1,000 packs before and after gc; append to the results.")

    @Option(help: "The promptreg executable to measure.") var promptreg: String
    @Option(help: "The example bundle the registry is made from.") var example = "registry/support-agent"
    @Option(help: "Working directory (rebuilt).") var work = ".build/bench-packs"
    @Option(help: "Where to write the markdown section.") var out = "bench/results.md"
    @Option(help: "Packs to add.") var packs = 1000
    @Option(help: "Measured rounds.") var runs = 30

    func run() throws {
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let piled = "\(work)/piled.git"
        let registry = try Registry.create(at: piled, actor: "bench")
        let name = try registry.publish(directory: example, message: "one", actor: "bench").name
        try registry.promote(.version(name, SemanticVersion(1, 0, 0)), to: "prod", message: "live", actor: "bench")
        let started = Date()
        for index in 0..<packs {
            let id = Spawn.run(["git", "--git-dir=\(piled)", "hash-object", "-w", "--stdin"], input: "filler \(index)\n", capture: true)
            let made = Spawn.run(["git", "--git-dir=\(piled)", "pack-objects", "-q", "\(piled)/objects/pack/pack"], input: id.output)
            guard id.sample.status == 0, made.sample.status == 0 else { throw BenchError("git could not make pack \(index)") }
        }
        guard Spawn.run(["git", "--git-dir=\(piled)", "prune-packed"]).sample.status == 0 else { throw BenchError("git prune-packed failed") }
        let setup = Date().timeIntervalSince(started)
        let joined = "\(work)/joined.git"
        guard Spawn.run(["cp", "-a", piled, joined]).sample.status == 0 else { throw BenchError("cannot copy \(piled)") }
        let gcStarted = Date()
        guard Spawn.run([promptreg, "gc", "--registry", joined]).sample.status == 0 else { throw BenchError("gc failed") }
        let gcSeconds = Date().timeIntervalSince(gcStarted)
        let counts = [piled, joined].map { path in
            ((try? FileManager.default.contentsOfDirectory(atPath: "\(path)/objects/pack")) ?? []).filter { $0.hasSuffix(".pack") }.count
        }
        let figures: [(label: String, arguments: [String])] = [
            ("`promptreg resolve --json`, \(counts[0]) packs", [promptreg, "resolve", name, "--json", "--registry", piled]),
            ("`promptreg resolve --json`, \(counts[1]) pack(s) after gc", [promptreg, "resolve", name, "--json", "--registry", joined]),
            ("`promptreg verify`, \(counts[0]) packs", [promptreg, "verify", "--registry", piled]),
            ("`promptreg verify`, \(counts[1]) pack(s) after gc", [promptreg, "verify", "--registry", joined]),
            ("`git cat-file -p` of the state's event, \(counts[0]) packs", ["git", "--git-dir=\(piled)", "cat-file", "-p", "refs/promptreg/state:event.json"]),
            ("`git cat-file -p` of the state's event, \(counts[1]) pack(s)", ["git", "--git-dir=\(joined)", "cat-file", "-p", "refs/promptreg/state:event.json"]),
        ]
        var samples = Array(repeating: [Double](), count: figures.count)
        for round in -1..<runs {
            for (index, figure) in figures.enumerated() {
                let sample = Spawn.run(figure.arguments).sample
                guard sample.status == 0 else { throw BenchError("\(figure.arguments.joined(separator: " ")) exited \(sample.status)") }
                if round >= 0 { samples[index].append(sample.seconds * 1000) }
            }
        }
        let stats = samples.map(Stats.init)
        var lines = [
            Self.heading, "",
            "Written by `promptreg-bench packs`: one registry (`\(name)` published and on prod) with \(packs) one-object packs added by stock git (`hash-object` + `pack-objects`; promptreg never lets its own packs pass 100, see `gc`), beside a copy after `promptreg gc` (\(String(format: "%.2f", gcSeconds)) s). Set-up \(String(format: "%.1f", setup)) s. \(runs) rounds after a warm-up, every figure once per round; medians and p95 of whole processes.",
            "",
            "| figure | median | p95 |", "| --- | ---: | ---: |",
        ]
        for (figure, stat) in zip(figures, stats) {
            lines.append("| \(figure.label) | \(String(format: "%.2f", stat.median)) ms | \(String(format: "%.2f", stat.p95)) ms |")
        }
        lines.append("")
        lines.append(
            "Ratio, \(counts[0]) packs / after gc: resolve \(String(format: "%.2fx", stats[0].median / stats[1].median)), verify \(String(format: "%.2fx", stats[2].median / stats[3].median)), git cat-file \(String(format: "%.2fx", stats[4].median / stats[5].median)).")
        let section = lines.joined(separator: "\n") + "\n"
        try SyncReport.replaceSection(section, heading: Self.heading, in: out)
        print(section)
    }

    static let heading = "## Reads with 1,000 packs, before and after gc"
}
