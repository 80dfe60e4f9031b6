import ArgumentParser
import Foundation
import PromptRegistry

/// `promptreg-bench`: builds fixture registries through the library and measures promptreg
/// as whole processes beside the nearest plain-git equivalents, plus in-process library figures.
@main
struct Benchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promptreg-bench",
        abstract: "Measure promptreg against plain git on a large and a small fixture registry.",
        subcommands: [RunBenchmark.self, OpenProbe.self, SyncBenchmark.self, RuntimeBenchmark.self, FleetBenchmark.self, TrustBenchmark.self, PackBenchmark.self, ReplayBenchmark.self],
        defaultSubcommand: RunBenchmark.self)
}

/// Opens a registry and exits: what a process pays for start-up plus libgit2's global
/// initialisation, before any promptreg work.
struct OpenProbe: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "open-probe", abstract: "Open a registry and exit.")

    @Argument(help: "The registry.") var registry: String

    func run() throws { _ = try Registry.open(at: registry) }
}

/// The benchmark run.
struct RunBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Build the fixtures, measure in interleaved rounds, write the report.",
        discussion: """
            Three fixtures, built through the library: small (1 bundle x --small-versions), deep (1 bundle x \
            --deep-versions, default --bundles x --versions) and wide (--bundles x --versions). Every process figure \
            runs once per round on every fixture beside its git equivalent, with fsync probes of the disk between \
            the figure groups; then one promote, rollback, publish and resolve per fixture under strace -c for the \
            fsync counts, and the library figures in process. Replaces the top section of --out (up to its first \
            "## " heading) and keeps the sections the other subcommands wrote.
            """)

    @Option(help: "The promptreg executable to measure.") var promptreg: String
    @Option(help: "The example bundle the fixtures are made from.") var example = "registry/support-agent"
    @Option(help: "Working directory for fixtures (rebuilt).") var work = ".build/bench"
    @Option(help: "Where to write the markdown results (its top section).") var out = "bench/results.md"
    @Option(help: "Bundles in the wide fixture.") var bundles = 1000
    @Option(help: "Versions per bundle in the wide fixture.") var versions = 20
    @Option(help: "Versions of the one bundle in the small fixture.") var smallVersions = 10
    @Option(help: "Versions of the one bundle in the deep fixture (default: --bundles x --versions).") var deepVersions: Int?
    @Option(help: "Seconds the deep fixture's build may take; it stops there with the versions it has (reported).")
    var deepBudget: Double = 900
    @Option(help: "Seconds the wide fixture's build may take; it stops at a whole bundle with the bundles it has (reported).")
    var wideBudget: Double = 900
    @Option(help: "Measured rounds; each runs every process figure once on every fixture (at least 20 for a report).") var runs = 25
    @Option(help: "How the promptreg executable was built, for the report.") var buildFlags = "unknown"

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        guard bundles >= 1, versions >= 3, smallVersions >= 3, (deepVersions ?? 3) >= 3 else {
            throw ValidationError("every fixture needs at least 1 bundle and 3 versions per bundle")
        }
    }

    func run() throws {
        let started = Date()
        let loadBefore = SyncBench.loadAverage()
        Self.prepareEnvironment()
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let work = (self.work as NSString).standardizingPath.hasPrefix("/")
            ? (self.work as NSString).standardizingPath
            : FileManager.default.currentDirectoryPath + "/" + (self.work as NSString).standardizingPath
        let rounds = Measurements.warmUpRounds + runs + 1  // + the publish under strace
        let deepVersions = self.deepVersions ?? bundles * versions
        Registry.setDurableWrites(false)  // fixtures only; the measured processes fsync as usual
        print("building the small fixture (1 x \(smallVersions))")
        let small = try Fixture.build(
            label: "small", at: "\(work)/small.git", bundles: 1, versions: smallVersions, example: example, publishRounds: rounds,
            work: "\(work)/small-src")
        print("building the deep fixture (1 x \(deepVersions), budget \(Int(deepBudget)) s)")
        let deep = try Fixture.build(
            label: "deep", at: "\(work)/deep.git", bundles: 1, versions: deepVersions, example: example, publishRounds: rounds,
            work: "\(work)/deep-src", budgetSeconds: deepBudget)
        print("  deep fixture: \(deep.versions) versions in \(Int(deep.buildSeconds)) s")
        print("building the wide fixture (\(bundles) x \(versions), budget \(Int(wideBudget)) s)")
        let wide = try Fixture.build(
            label: "wide", at: "\(work)/wide.git", bundles: bundles, versions: versions, example: example, publishRounds: rounds,
            work: "\(work)/wide-src", budgetSeconds: wideBudget)
        print("  wide fixture: \(wide.totalVersions) versions in \(Int(wide.buildSeconds)) s")
        Registry.setDurableWrites(true)
        var measurements = Measurements(
            subjects: try [small, deep, wide].map(Subject.init), promptreg: promptreg, runs: runs, work: work)
        try measurements.run()
        let report = Report(
            small: small, deep: deep, wide: wide, figures: measurements.stats, fsync: measurements.fsyncStats,
            syncCalls: measurements.syncCalls, syncCallsMissing: measurements.syncCallsMissing, packsAtEnd: measurements.packsAtEnd,
            gitPublishCalls: measurements.gitPublishCalls, runs: runs, buildFlags: buildFlags,
            gitVersion: Spawn.run(["git", "--version"], capture: true).output,
            straceVersion: SyncCallCounter.strace.map { Spawn.run([$0, "-V"], capture: true).output.split(separator: "\n").first.map(String.init) ?? "strace" }
                ?? "strace not installed",
            roundSeconds: measurements.roundSeconds, totalSeconds: Date().timeIntervalSince(started),
            load: (loadBefore, SyncBench.loadAverage()))
        let markdown = report.markdown()
        try Self.replaceTopSection(markdown, in: out)
        print(markdown)
    }

    /// A known git identity and no inherited repository or registry selection for the children.
    static func prepareEnvironment() {
        for key in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "PROMPTREG_REGISTRY"] {
            unsetenv(key)
        }
        for role in ["AUTHOR", "COMMITTER"] {
            setenv("GIT_\(role)_NAME", "bench", 1)
            setenv("GIT_\(role)_EMAIL", "bench@127.0.0.1", 1)
        }
    }

    /// Writes `section` as the top of `path`: everything before the file's first `## ` heading is
    /// replaced, the sections after it (sync, runtime, trust, fleet) are kept.
    static func replaceTopSection(_ section: String, in path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        var rest = ""
        if let existing = try? String(contentsOfFile: path, encoding: .utf8) {
            if existing.hasPrefix("## ") {
                rest = existing
            } else if let range = existing.range(of: "\n## ") {
                rest = String(existing[existing.index(after: range.lowerBound)...])
            }
        }
        let top = section.hasSuffix("\n") ? section : section + "\n"
        try (rest.isEmpty ? top : top + "\n" + rest).write(toFile: path, atomically: true, encoding: .utf8)
    }
}
