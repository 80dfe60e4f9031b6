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
        subcommands: [RunBenchmark.self, OpenProbe.self, SyncBenchmark.self, RuntimeBenchmark.self, FleetBenchmark.self, TrustBenchmark.self],
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
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Build the fixtures, measure, write the report.")

    @Option(help: "The promptreg executable to measure.") var promptreg: String
    @Option(help: "The example bundle the fixtures are made from.") var example = "registry/support-agent"
    @Option(help: "Working directory for fixtures (rebuilt).") var work = ".build/bench"
    @Option(help: "Where to write the markdown results.") var out = "bench/results.md"
    @Option(help: "Bundles in the large fixture.") var bundles = 1000
    @Option(help: "Versions per bundle in the large fixture.") var versions = 20
    @Option(help: "Versions of the one bundle in the small fixture.") var smallVersions = 10
    @Option(help: "Runs per process measurement (at least 20 for a report).") var runs = 25
    @Option(help: "How the promptreg executable was built, for the report.") var buildFlags = "unknown"

    func run() throws {
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        Registry.setDurableWrites(false)  // fixtures only; the measured processes fsync as usual
        print("building the small fixture (1 x \(smallVersions))")
        let small = try Fixture.build(
            at: "\(work)/small.git", bundles: 1, versions: smallVersions, example: example, publishRuns: runs, work: "\(work)/small-src")
        print("building the large fixture (\(bundles) x \(versions))")
        let started = Date()
        let large = try Fixture.build(
            at: "\(work)/large.git", bundles: bundles, versions: versions, example: example, publishRuns: runs, work: "\(work)/large-src")
        let fixtureSeconds = Date().timeIntervalSince(started)
        Registry.setDurableWrites(true)
        print("measuring")
        let smallFigures = try Measurements(fixture: small, promptreg: promptreg, runs: runs).all()
        let largeFigures = try Measurements(fixture: large, promptreg: promptreg, runs: runs).all()
        let report = Report(
            small: small, large: large, smallFigures: smallFigures, largeFigures: largeFigures, runs: runs,
            buildFlags: buildFlags, fixtureSeconds: fixtureSeconds)
        try FileManager.default.createDirectory(
            atPath: (out as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try report.markdown().write(toFile: out, atomically: true, encoding: .utf8)
        print(report.markdown())
    }
}
