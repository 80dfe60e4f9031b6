import Foundation
import PromptRegistry

/// git's own durability switches, as the bench passes them (git 2.36+ has `core.fsync`).
enum GitFsync {
    /// For `update-ref`: the ref's lock file is fsynced before it is renamed into place.
    static let reference = ["-c", "core.fsync=reference", "-c", "core.fsyncMethod=fsync"]
    /// For the four-process publish: loose objects and the ref. (git 2.39's `mktree` reads no
    /// configuration, so the tree it writes is never fsynced; the fsync counts show it.)
    static let publish = ["-c", "core.fsync=objects,reference", "-c", "core.fsyncMethod=fsync"]
}

/// One fixture as the rounds see it: which version canary holds now, where the git CAS ref
/// points, what the git equivalents read and write.
final class Subject {
    let fixture: Fixture
    var label: String { fixture.label }
    var registry: String { fixture.path }
    var name: String { fixture.subject }
    /// prod's version; every round moves prod away from it and rolls it back.
    let prod: SemanticVersion
    /// canary alternates between these two, neither of them prod's.
    let canaryChoices: [SemanticVersion]
    var canary: SemanticVersion
    /// The digest of prod's version, for resolve by digest.
    let digest: String
    /// `git --git-dir=REGISTRY`, without and with the fsync settings.
    let git: [String]
    let gitUpdateRef: [String]
    let gitPublish: [String]
    /// Two commits the git CAS ref moves between, and which one it holds.
    let casCommits: [String]
    var casAt = 0
    /// `REF:PATH` of a blob in a version commit, for `git cat-file -p`.
    let catFile: String
    /// Refs the git publishes created, removed at the end.
    var gitPublishRefs: [String] = []

    init(_ fixture: Fixture) throws {
        self.fixture = fixture
        let library = try Registry.open(at: fixture.path)
        let name = fixture.subject
        prod = SemanticVersion(1, 0, fixture.versions - 2)
        canary = SemanticVersion(1, 0, fixture.versions - 1)
        canaryChoices = [canary, SemanticVersion(1, 0, fixture.versions - 3)]
        guard try library.resolve(.channel(name)).version == prod,
            try library.resolve(.channel(name, channel: "canary")).version == canary
        else { throw BenchError("\(fixture.label) fixture: prod and canary are not where the fixture put them") }
        digest = "\(try library.show(.version(name, prod)).digest)"
        let git = ["git", "--git-dir=\(fixture.path)"]
        self.git = git
        gitUpdateRef = ["git"] + GitFsync.reference + ["--git-dir=\(fixture.path)", "update-ref"]
        gitPublish = ["git"] + GitFsync.publish + ["--git-dir=\(fixture.path)"]
        let refs = ["versions/\(name)/\(SemanticVersion(1, 0, fixture.versions - 2))", "versions/\(name)/\(SemanticVersion(1, 0, fixture.versions - 1))"].map { "refs/promptreg/\($0)" }
        casCommits = try refs.map { ref in
            let commit = Spawn.run(git + ["rev-parse", "--verify", "\(ref)^{commit}"], capture: true)
            guard commit.sample.status == 0, commit.output.count == 40 else { throw BenchError("no commit at \(ref) in \(fixture.path)") }
            return commit.output
        }
        // A blob of the version commit: its manifest, else whatever blob its tree holds first.
        let manifest = "\(refs[0]):manifest.json"
        if Spawn.run(git + ["cat-file", "-e", manifest]).sample.status == 0 {
            catFile = manifest
        } else {
            let listing = Spawn.run(git + ["ls-tree", "-r", refs[0]], capture: true).output
            guard let line = listing.split(separator: "\n").first(where: { $0.contains(" blob ") }),
                let path = line.split(separator: "\t", maxSplits: 1).last
            else { throw BenchError("no blob in \(refs[0]) of \(fixture.path)") }
            catFile = "\(refs[0]):\(path)"
        }
        let created = Spawn.run(git + ["update-ref", "refs/bench/cas", casCommits[0]])
        guard created.sample.status == 0 else { throw BenchError("cannot create refs/bench/cas in \(fixture.path)") }
    }

    /// The other canary version: promoting it is a real move.
    var nextCanary: SemanticVersion { canaryChoices.first { $0 != canary }! }

    func pr(_ arguments: [String], promptreg: String) -> [String] { [promptreg] + arguments + ["--registry", registry] }
    func write(_ arguments: [String], promptreg: String) -> [String] { pr(arguments, promptreg: promptreg) + ["--actor", "bench"] }

    /// The CAS move of the git ref to the other commit: `update-ref REF NEW OLD`, fsync on.
    func casMove() -> [String] {
        let (new, old) = (casCommits[(casAt + 1) % 2], casCommits[casAt])
        return gitUpdateRef + ["refs/bench/cas", new, old]
    }
}

/// The process figures of every fixture measured in interleaved rounds, the disk's fsync cost in
/// the same rounds, sync-call counts under strace, and the library figures in process.
struct Measurements {
    let subjects: [Subject]
    let promptreg: String
    let runs: Int
    let work: String
    static let warmUpRounds = 1

    /// Samples per fixture label, then per figure key (milliseconds, or KiB for memory).
    private(set) var samples: [String: [String: [Double]]] = [:]
    /// fsync probes: "file" (write 4 KiB + fsync) and "dir" (the same + fsync of the directory).
    private(set) var fsync: [String: [Double]] = [:]
    /// Sync calls per fixture label, then per command key; nil when strace could not run.
    private(set) var syncCalls: [String: [String: Int]]? = nil
    /// Per process of the git publish, its sync calls (hash-object, mktree, commit-tree, update-ref).
    private(set) var gitPublishCalls: [Int] = []
    /// Why there are no counts, when there are none.
    private(set) var syncCallsMissing: String? = nil
    private(set) var roundSeconds: Double = 0
    /// Pack files per fixture after the rounds.
    private(set) var packsAtEnd: [String: Int] = [:]

    init(subjects: [Subject], promptreg: String, runs: Int, work: String) {
        (self.subjects, self.promptreg, self.runs, self.work) = (subjects, promptreg, runs, work)
    }

    var stats: [String: [String: Stats]] { samples.mapValues { $0.mapValues(Stats.init) } }
    var fsyncStats: [String: Stats] { fsync.mapValues(Stats.init) }

    /// Every measurement.
    mutating func run() throws {
        let started = Date()
        try rounds()
        roundSeconds = Date().timeIntervalSince(started)
        try countSyncCalls()
        for s in subjects { packsAtEnd[s.label] = try? Registry.open(at: s.registry).packCount() }
        try library()
        for subject in subjects {
            for ref in ["refs/bench/cas"] + subject.gitPublishRefs { _ = Spawn.run(subject.git + ["update-ref", "-d", ref]) }
        }
    }

    // MARK: - The rounds

    private mutating func rounds() throws {
        let total = Self.warmUpRounds + runs
        print("measuring: \(Self.warmUpRounds) warm-up + \(runs) rounds over \(subjects.map(\.label).joined(separator: ", "))")
        for round in 0..<total {
            let recording = round >= Self.warmUpRounds
            // Rotate the fixtures and swap which side of each pair goes first, round by round.
            let order = (0..<subjects.count).map { subjects[($0 + round) % subjects.count] }
            let gitFirst = round % 2 == 1
            var recorder = Recorder(recording: recording)

            func pair(_ s: Subject, _ key: String, _ argv: [String], _ gitKey: String, _ git: () throws -> Double) throws {
                if gitFirst { recorder.add(s.label, gitKey, try git()) }
                recorder.add(s.label, key, try timed(argv))
                if !gitFirst { recorder.add(s.label, gitKey, try git()) }
            }
            func probe() throws {
                recorder.addFsync("file", try FsyncCost.probe(in: work, directory: false))
                recorder.addFsync("dir", try FsyncCost.probe(in: work, directory: true))
            }

            // Start-up.
            for s in order {
                try pair(s, "startup", [promptreg, "--version"], "git-startup") { try timed(["git", "--version"]) }
                try pair(s, "open-probe", [CommandLine.arguments[0], "open-probe", s.registry], "true") { try timed(["true"]) }
            }
            try probe()
            // Publish: a new version each round, beside git's four-process publish of the same file.
            for s in order {
                let source = s.fixture.publishSources[round]
                try pair(s, "publish", s.write(["publish", source, "-m", "bench"], promptreg: promptreg), "git-publish") {
                    try gitPublish(s, file: "\(source)/prompts/system.mustache", ref: "refs/bench/publish-\(round)")
                }
            }
            try probe()
            // Channel moves, each a real one: prod to canary's version, rolled back, then canary
            // to its other version. Each beside one fsynced git update-ref CAS.
            for s in order {
                try pair(s, "promote-canary-prod", s.write(["promote", "canary", "prod", s.name], promptreg: promptreg), "git-update-ref") {
                    try casMove(s)
                }
                try pair(s, "rollback", s.write(["rollback", "prod"], promptreg: promptreg), "git-update-ref") { try casMove(s) }
                let next = s.nextCanary
                try pair(s, "promote", s.write(["promote", "\(s.name)@\(next)", "canary"], promptreg: promptreg), "git-update-ref") {
                    try casMove(s)
                }
                s.canary = next
            }
            try probe()
            // Reads.
            for s in order {
                let cat = s.git + ["cat-file", "-p", s.catFile]
                try pair(s, "resolve-channel", s.pr(["resolve", s.name, "--json"], promptreg: promptreg), "git-cat-file") { try timed(cat) }
                try pair(s, "resolve-version", s.pr(["resolve", "\(s.name)@\(s.prod)", "--json"], promptreg: promptreg), "git-cat-file") {
                    try timed(cat)
                }
                try pair(s, "resolve-digest", s.pr(["resolve", "\(s.name)@\(s.digest)", "--json"], promptreg: promptreg), "git-cat-file") {
                    try timed(cat)
                }
            }
            try probe()
            for s in order {
                recorder.add(s.label, "status", try timed(s.pr(["status"], promptreg: promptreg)))
                recorder.add(s.label, "log", try timed(s.pr(["log", "-n", "20"], promptreg: promptreg)))
                recorder.add(s.label, "resolve-rss", try Spawn.peakMemoryKiB(s.pr(["resolve", s.name, "--json"], promptreg: promptreg)))
            }
            try probe()
            merge(recorder)
            if (round + 1) % 5 == 0 || round + 1 == total { print("  round \(round + 1)/\(total)") }
        }
    }

    /// One round's samples, kept only when the round is recorded.
    private struct Recorder {
        let recording: Bool
        var samples: [String: [String: [Double]]] = [:]
        var fsync: [String: [Double]] = [:]
        mutating func add(_ label: String, _ key: String, _ value: Double) {
            if recording { samples[label, default: [:]][key, default: []].append(value) }
        }
        mutating func addFsync(_ key: String, _ value: Double) { if recording { fsync[key, default: []].append(value) } }
    }

    private mutating func merge(_ recorder: Recorder) {
        for (label, figures) in recorder.samples {
            for (key, values) in figures { samples[label, default: [:]][key, default: []] += values }
        }
        for (key, values) in recorder.fsync { fsync[key, default: []] += values }
    }

    /// One process, timed; a failure stops the bench with the command's standard error.
    private func timed(_ argv: [String], input: String? = nil) throws -> Double {
        let result = Spawn.run(argv, input: input)
        guard result.sample.status == 0 else { throw failure(argv, status: result.sample.status) }
        return result.sample.seconds * 1000
    }

    /// Runs a failed command again with its standard error kept, for the message.
    private func failure(_ argv: [String], status: Int32) -> BenchError {
        let runner = SyncRunner(stderrPath: "\(work)/failed-command.stderr")
        let again = runner.run(argv)
        let errors = (try? String(contentsOfFile: "\(work)/failed-command.stderr", encoding: .utf8)) ?? ""
        return BenchError(
            "\(argv.joined(separator: " ")) exited \(status); run again it exited \(again.status)"
                + (errors.isEmpty ? "" : ": \(errors.trimmingCharacters(in: .whitespacesAndNewlines))"))
    }

    private func casMove(_ s: Subject) throws -> Double {
        let milliseconds = try timed(s.casMove())
        s.casAt = (s.casAt + 1) % 2
        return milliseconds
    }

    /// git's publish of one file: `hash-object -w`, `mktree`, `commit-tree`, `update-ref` (create
    /// only), fsync on; the sum of the four processes.
    private func gitPublish(_ s: Subject, file: String, ref: String) throws -> Double {
        var total = 0.0
        func step(_ arguments: [String], input: String? = nil) throws -> String {
            let argv = s.gitPublish + arguments
            let result = Spawn.run(argv, input: input, capture: true)
            guard result.sample.status == 0 else { throw failure(argv, status: result.sample.status) }
            total += result.sample.seconds * 1000
            return result.output
        }
        let blob = try step(["hash-object", "-w", file])
        let tree = try step(["mktree"], input: "100644 blob \(blob)\tsystem.mustache\n")
        let commit = try step(["commit-tree", tree, "-m", "bench"])
        _ = try step(["update-ref", ref, commit, String(repeating: "0", count: 40)])
        s.gitPublishRefs.append(ref)
        return total
    }

    // MARK: - Sync calls

    /// One promote, rollback, publish and resolve per fixture under `strace -f -c`, and the git
    /// equivalents; untimed. The moves keep the rounds' pattern so each is a real one.
    private mutating func countSyncCalls() throws {
        guard SyncCallCounter.strace != nil else {
            syncCallsMissing = "strace is not installed (`apt-get install strace`): no fsync counts in this run"
            return
        }
        guard SyncCallCounter.usable else {
            syncCallsMissing = "strace is installed but cannot trace here (ptrace refused): no fsync counts in this run"
            return
        }
        print("counting sync calls with strace")
        var counts: [String: [String: Int]] = [:]
        for s in subjects {
            func count(_ key: String, _ argv: [String], input: String? = nil) throws {
                counts[s.label, default: [:]][key] = try SyncCallCounter.count(argv, input: input)
            }
            try count("promote-canary-prod", s.write(["promote", "canary", "prod", s.name], promptreg: promptreg))
            try count("rollback", s.write(["rollback", "prod"], promptreg: promptreg))
            let next = s.nextCanary
            try count("promote", s.write(["promote", "\(s.name)@\(next)", "canary"], promptreg: promptreg))
            s.canary = next
            let source = s.fixture.publishSources[Self.warmUpRounds + runs]
            try count("publish", s.write(["publish", source, "-m", "bench"], promptreg: promptreg))
            try count("resolve-channel", s.pr(["resolve", s.name, "--json"], promptreg: promptreg))
            try count("git-update-ref", s.casMove())
            s.casAt = (s.casAt + 1) % 2
            try count("git-cat-file", s.git + ["cat-file", "-p", s.catFile])
            // The git publish, process by process.
            let file = "\(source)/prompts/system.mustache"
            let blob = Spawn.run(s.gitPublish + ["hash-object", "--", file], capture: true).output
            var perProcess = [try SyncCallCounter.count(s.gitPublish + ["hash-object", "-w", file])]
            let entry = "100644 blob \(blob)\tsystem.mustache\n"
            perProcess.append(try SyncCallCounter.count(s.gitPublish + ["mktree"], input: entry))
            let tree = Spawn.run(s.gitPublish + ["mktree"], input: entry, capture: true).output
            // A commit message of its own so commit-tree writes a new object under strace.
            let message = "bench strace \(s.label)"
            perProcess.append(try SyncCallCounter.count(s.gitPublish + ["commit-tree", tree, "-m", message]))
            let commit = Spawn.run(s.gitPublish + ["commit-tree", tree, "-m", message], capture: true).output
            let ref = "refs/bench/publish-strace"
            perProcess.append(try SyncCallCounter.count(s.gitPublish + ["update-ref", ref, commit, String(repeating: "0", count: 40)]))
            s.gitPublishRefs.append(ref)
            counts[s.label, default: [:]]["git-publish"] = perProcess.reduce(0, +)
            if s === subjects.last { gitPublishCalls = perProcess }
        }
        syncCalls = counts
    }

    // MARK: - In process

    /// Cold (open, resolve by channel, verify) and warm (a repeated resolve) in this process,
    /// the fixtures interleaved for the cold figure.
    private mutating func library() throws {
        print("library figures")
        for _ in 0..<max(runs, 50) {
            for s in subjects {
                samples[s.label, default: [:]]["library-cold", default: []].append(
                    try elapsedMilliseconds { _ = try Registry.open(at: s.registry).resolve(.channel(s.name)) })
            }
        }
        for s in subjects {
            let warm = try Registry.open(at: s.registry)
            _ = try warm.resolve(.channel(s.name))
            samples[s.label, default: [:]]["library-warm"] = try (0..<2000).map { _ in
                try elapsedMilliseconds { _ = try warm.resolve(.channel(s.name)) }
            }
        }
    }

}

/// A measurement that could not be taken.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
