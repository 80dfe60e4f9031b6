import ArgumentParser
import Foundation
import PromptRegistry

/// `promptreg-bench replay`: what replaying the state history costs, in process. For each size, a
/// deep fixture (one bundle of N versions) and a wide one (N/5 bundles of 5 versions), whose
/// history a signed trust policy ends: `verify` (the whole replay); a first pull (clone) with and
/// without a trust anchor; an incremental pull of one new signed commit with and without one,
/// interleaved; a trusted resolve of an unmoved state, and one after a new commit.
struct ReplayBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay", abstract: "Measure verify, trusted pulls and trusted resolves at growing histories; append to the results.")

    @Option(help: "The example bundle published.") var example = "registry/support-agent"
    @Option(help: "Working directory (rebuilt).") var work = ".build/bench-replay"
    @Option(help: "Where to append the markdown section.") var out = "bench/results.md"
    @Option(help: "Rounds of each measurement.") var runs = 5
    @Option(name: .customLong("size"), help: "Versions per fixture (repeat the option).") var sizes: [Int] = [1_000, 10_000]

    static let heading = "## Replay: verify, trusted pulls and trusted resolves"

    /// One fixture's figures, in milliseconds.
    struct Row {
        let label: String
        let commits: Int
        var samples: [String: [Double]] = [:]
        var figures: [String: Stats] { samples.mapValues(Stats.init) }
    }

    func run() throws {
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        var rows: [Row] = []
        for size in sizes {
            for (label, bundles, versions) in [("deep", 1, size), ("wide", max(1, size / 5), 5)] {
                rows.append(try measure(label: "\(label) \(bundles) x \(versions)", bundles: bundles, versions: versions))
            }
        }
        let section = markdown(rows)
        try SyncReport.replaceSection(section, heading: Self.heading, in: out)
        print(section)
    }

    private func measure(label: String, bundles: Int, versions: Int) throws -> Row {
        let directory = "\(work)/\(bundles)x\(versions)"
        Registry.setDurableWrites(false)  // the fixture only
        let fixture = try Fixture.build(
            label: label, at: "\(directory)/upstream.git", bundles: bundles, versions: versions, example: example, publishRounds: 0,
            work: "\(directory)/source")
        let key = SigningKey.generate(comment: "bench@example.com")
        let upstream = try Registry.open(at: fixture.path)
        upstream.signingKey = key
        let policy = TrustPolicy(signers: [.init(principal: "bench@example.com", key: key.publicKeyLine)], admins: ["bench@example.com"])
        try upstream.setTrustPolicy(policy, message: "sign from here on", actor: "bench")
        Registry.setDurableWrites(true)
        let anchor = try AllowedSigners(parsing: policy.allowedSignersText, source: "bench allowed_signers")
        var row = Row(label: label, commits: Int(try upstream.stateHead().seq) + 1)
        func sample(_ name: String, _ body: () throws -> Void) rethrows {
            row.samples[name, default: []].append(try elapsedMilliseconds(body))
        }
        for _ in 0..<runs { try sample("verify") { _ = try Registry.open(at: fixture.path).verify() } }

        // First pulls: a new host cloning, with and without an anchor, interleaved.
        var hosts: (plain: Registry?, trusting: Registry?) = (nil, nil)
        for round in 0..<runs {
            let plain = "\(directory)/plain-\(round).git"
            let trusting = "\(directory)/trusting-\(round).git"
            try sample("clone") { hosts.plain = try Registry.clone(from: fixture.path, to: plain).registry }
            try sample("clone-trust") {
                hosts.trusting = try Registry.clone(from: fixture.path, to: trusting, anchor: anchor).registry
            }
            if round < runs - 1 {
                try FileManager.default.removeItem(atPath: plain)
                try FileManager.default.removeItem(atPath: trusting)
            }
        }
        guard let plainHost = hosts.plain, let trustingHost = try hosts.trusting.map({ try Registry.open(at: $0.path, trusting: anchor) }) else {
            throw BenchError("no host was cloned")
        }

        // One new signed commit upstream, then an incremental pull on each host, interleaved; and a
        // trusted resolve on a long-lived handle of the upstream after the commit.
        let name = fixture.subject
        let reader = try Registry.open(at: fixture.path, trusting: anchor)
        _ = try reader.resolve(.channel(name))
        for round in 0..<runs * 4 {
            try upstream.promote(.version(name, SemanticVersion(1, 0, round % 2 == 0 ? versions - 1 : versions - 2)), to: "prod", message: "move", actor: "bench")
            try sample("resolve-trust-after-commit") { _ = try reader.resolve(.channel(name)) }
            try sample("pull") { _ = try plainHost.pull() }
            try sample("pull-trust") { _ = try trustingHost.pull() }
        }
        for _ in 0..<2_000 { try sample("resolve-trust-warm") { _ = try reader.resolve(.channel(name)) } }
        for _ in 0..<2_000 { try sample("resolve-warm") { _ = try plainHost.resolve(.channel(name)) } }
        return row
    }

    private func markdown(_ rows: [Row]) -> String {
        func ms(_ row: Row, _ key: String) -> String { String(format: "%.2f", row.figures[key]?.median ?? 0) }
        func us(_ row: Row, _ key: String) -> String { String(format: "%.1f", (row.figures[key]?.median ?? 0) * 1000) }
        var lines = [
            Self.heading, "",
            "- date: \(ISO8601DateFormatter().string(from: Date())); in process, medians; \(runs) rounds of verify and clones, \(runs * 4) of the incremental figures (interleaved), 2000 of the warm resolves",
            "- fixtures: deep is one bundle of N versions, wide is N/5 bundles of 5 versions, then a promote to prod and canary per bundle, then a signed trust policy (the history before it is vouched for by its commit); commits is the state history's length",
            "- verify replays every commit (the tree each event gives, byte for byte) and checks every digest; a trusted clone replays the history and checks signatures against the anchor; an incremental pull replays one commit",
            "",
            "| fixture | commits | verify | clone | clone, trusted | pull of 1 commit | pull of 1 commit, trusted | trusted resolve after 1 commit | resolve, warm | trusted resolve, warm |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for row in rows {
            lines.append(
                "| \(row.label) | \(row.commits) | \(ms(row, "verify")) ms | \(ms(row, "clone")) ms | \(ms(row, "clone-trust")) ms | \(ms(row, "pull")) ms | \(ms(row, "pull-trust")) ms | \(ms(row, "resolve-trust-after-commit")) ms | \(us(row, "resolve-warm")) µs | \(us(row, "resolve-trust-warm")) µs |")
        }
        let verify = Dictionary(rows.map { ($0.label, $0.figures["verify"]?.median ?? 0) }, uniquingKeysWith: { a, _ in a })
        if let small = rows.first(where: { $0.label.hasPrefix("deep 1 x") }), let large = rows.last(where: { $0.label.hasPrefix("deep 1 x") }), small.label != large.label {
            lines.append("")
            lines.append(String(format: "- verify, deep: %@ / %@ = %.1f× for %.0f× the history", large.label, small.label, (verify[large.label] ?? 0) / max(verify[small.label] ?? 1, 1e-9), Double(large.commits) / Double(small.commits)))
        }
        for pair in stride(from: 0, to: rows.count - 1, by: 2) {
            let (deep, wide) = (rows[pair], rows[pair + 1])
            let perDeep = (deep.figures["verify"]?.median ?? 0) / Double(deep.commits)
            let perWide = (wide.figures["verify"]?.median ?? 0) / Double(wide.commits)
            lines.append(String(format: "- verify per commit: %@ %.3f ms, %@ %.3f ms", deep.label, perDeep, wide.label, perWide))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
