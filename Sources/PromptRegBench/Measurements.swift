import Foundation
import PromptRegistry

/// One measured figure: its statistics in milliseconds (or KiB for memory).
struct Figure {
    let key: String
    let stats: Stats
}

/// The measurements on one fixture.
struct Measurements {
    let fixture: Fixture
    let promptreg: String
    let runs: Int

    private var registry: String { fixture.path }
    private var name: String { fixture.subject }

    /// Every figure, keyed as the report expects.
    func all() throws -> [String: Stats] {
        var figures: [String: Stats] = [:]
        let library = try Registry.open(at: registry)
        let versionA = SemanticVersion(1, 0, fixture.versions - 2)
        let versionB = SemanticVersion(1, 0, fixture.versions - 1)
        let digest = try library.show(.version(name, versionA)).digest

        figures["startup"] = try process { _ in [promptreg, "--version"] }
        figures["git-startup"] = try process { _ in ["git", "--version"] }
        figures["true"] = try process { _ in ["true"] }
        figures["open-probe"] = try process { _ in [CommandLine.arguments[0], "open-probe", registry] }

        figures["publish"] = try process { run in
            [promptreg, "publish", fixture.publishSources[run], "-m", "bench", "--registry", registry, "--actor", "bench"]
        }
        figures["promote"] = try process { run in
            [promptreg, "promote", "\(name)@\(run % 2 == 0 ? versionA : versionB)", "canary", "--registry", registry, "--actor", "bench"]
        }
        figures["promote-canary-prod"] = try process(prepare: { run in
            // Untimed: give canary a version prod does not run.
            let target = try library.resolve(.channel(name)).version == versionA ? versionB : versionA
            if try library.resolve(.channel(name, channel: "canary")).version != target {
                try library.promote(.version(name, target), to: "canary", message: "prep", actor: "bench")
            }
        }) { _ in [promptreg, "promote", "canary", "prod", name, "--registry", registry, "--actor", "bench"] }
        figures["rollback"] = try process(prepare: { _ in
            let current = try library.resolve(.channel(name)).version
            try library.promote(.version(name, current == versionA ? versionB : versionA), to: "prod", message: "prep", actor: "bench")
        }) { _ in [promptreg, "rollback", "prod", "--registry", registry, "--actor", "bench"] }
        figures["resolve-channel"] = try process { _ in [promptreg, "resolve", name, "--json", "--registry", registry] }
        figures["resolve-version"] = try process { _ in [promptreg, "resolve", "\(name)@\(versionA)", "--json", "--registry", registry] }
        figures["resolve-digest"] = try process { _ in [promptreg, "resolve", "\(name)@\(digest)", "--json", "--registry", registry] }
        figures["status"] = try process { _ in [promptreg, "status", "--registry", registry] }
        figures["log"] = try process { _ in [promptreg, "log", "-n", "20", "--registry", registry] }
        figures["resolve-rss"] = try Stats(
            (0..<runs).map { _ in try Spawn.peakMemoryKiB([promptreg, "resolve", name, "--json", "--registry", registry]) })

        // Plain git, side by side on the same registry.
        let git = ["git", "--git-dir=\(registry)"]
        let commits = [versionA, versionB].map { version in
            Spawn.run(git + ["rev-parse", "refs/promptreg/versions/\(name)/\(version)"], capture: true).output
        }
        _ = Spawn.run(git + ["update-ref", "refs/bench/cas", commits[0]])
        figures["git-update-ref"] = try process { run in
            git + ["update-ref", "refs/bench/cas", commits[(run + 1) % 2], commits[run % 2]]
        }
        _ = Spawn.run(git + ["update-ref", "-d", "refs/bench/cas"])
        figures["git-cat-file"] = try process { _ in git + ["cat-file", "-p", "refs/promptreg/versions/\(name)/\(versionA):manifest.json"] }
        figures["git-publish"] = Stats(
            (0..<runs).map { run in
                let file = "\(fixture.publishSources[run])/prompts/system.mustache"
                let blob = Spawn.run(git + ["hash-object", "-w", file], capture: true)
                let tree = Spawn.run(git + ["mktree"], input: "100644 blob \(blob.output)\tsystem.mustache\n", capture: true)
                let commit = Spawn.run(git + ["commit-tree", tree.output, "-m", "bench"], capture: true)
                let update = Spawn.run(git + ["update-ref", "refs/bench/publish-\(run)", commit.output, String(repeating: "0", count: 40)])
                return (blob.sample.seconds + tree.sample.seconds + commit.sample.seconds + update.sample.seconds) * 1000
            })
        for run in 0..<runs { _ = Spawn.run(git + ["update-ref", "-d", "refs/bench/publish-\(run)"]) }

        // In process: cold (open, resolve by channel, verify) and warm (a repeated resolve).
        figures["library-cold"] = try Stats(
            (0..<max(runs, 50)).map { _ in
                try milliseconds { _ = try Registry.open(at: registry).resolve(.channel(name)) }
            })
        let warm = try Registry.open(at: registry)
        _ = try warm.resolve(.channel(name))
        figures["library-warm"] = try Stats((0..<2000).map { _ in try milliseconds { _ = try warm.resolve(.channel(name)) } })
        return figures
    }

    private func milliseconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }

    /// Times `runs` processes; `prepare` runs untimed before each. A failing process stops the bench.
    private func process(prepare: (Int) throws -> Void = { _ in }, _ arguments: (Int) -> [String]) throws -> Stats {
        var samples: [Double] = []
        for run in 0..<runs {
            try prepare(run)
            let argv = arguments(run)
            let result = Spawn.run(argv)
            guard result.sample.status == 0 else {
                throw BenchError("\(argv.joined(separator: " ")) exited \(result.sample.status)")
            }
            samples.append(result.sample.seconds * 1000)
        }
        return Stats(samples)
    }
}

/// A measurement that could not be taken.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
