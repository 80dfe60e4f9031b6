import Foundation
import PromptRegistry
import TestSupport
import Testing

/// Races between processes, crashes at random moments and stale locks: nothing acknowledged is
/// lost, nothing half-written is served.
@Suite("Reliability with real processes", .serialized)
struct ReliabilityTests {
    /// One finished operation of the stress test.
    private struct Operation: Sendable {
        let message: String
        let arguments: [String]
        let result: CLI.Result
    }

    /// A registry with the examples at 1.0.0 on prod and canary, and a copy of each bundle per
    /// worker to publish from.
    private func setUp() throws -> TestRegistry {
        let test = try TestRegistry()
        for name in Fixtures.exampleNames {
            try test.registry.promote(.version(name, SemanticVersion(1, 0, 0)), to: "prod", message: "setup", actor: "setup")
            try test.registry.promote(.version(name, SemanticVersion(1, 0, 0)), to: "canary", message: "setup", actor: "setup")
        }
        return test
    }

    @Test("4 processes x 25 mixed operations: every success logged once, refusals are conflicts, the state replays")
    func stress() throws {
        let test = try setUp()
        defer { test.remove() }
        let names = Fixtures.exampleNames
        let workers = 4
        let perWorker = 25
        // Sources to publish from: one directory per worker and bundle, edited before each publish.
        var copies: [String: String] = [:]
        for worker in 0..<workers {
            for name in names { copies["\(worker)/\(name)"] = try Fixtures.copy(name, into: test.directory, as: "w\(worker)-\(name)") }
        }
        let sources = copies
        let registryPath = test.path
        let seenVersions = Locked<[String: Set<String>]>([:])
        let stop = Locked(false)
        // The resolver beside the stress: only successes, or "not found yet".
        let resolver = Thread {
            var round = 0
            while !stop.withLock({ $0 }) {
                let name = names[round % names.count]
                let result = try! CLI.run(["resolve", name, "--subject", "user-\(round)", "--json", "--registry", registryPath])
                if result.status == 0 {
                    let version =
                        (try! JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any])["version"] as! String
                    seenVersions.withLock { $0[name, default: []].insert(version) }
                } else {
                    #expect(result.status == 66, "resolve failed: \(result.stderr)")
                }
                round += 1
            }
        }
        resolver.start()
        let operations = Locked<[Operation]>([])
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var random = SeededRandom(seed: UInt64(0xC0FFEE + worker))
            for index in 0..<perWorker {
                let message = "op-\(worker)-\(index)"
                let name = names.randomElement(using: &random)!
                var arguments: [String]
                switch Int.random(in: 0..<5, using: &random) {
                case 0:
                    let source = sources["\(worker)/\(name)"]!
                    let system = "\(source)/prompts/system.mustache"
                    try! Fixtures.write(try! String(contentsOfFile: system, encoding: .utf8) + "Note \(message).\n", to: system)
                    arguments = ["publish", source]
                case 1: arguments = ["promote", "\(name)@1.0.0", "canary", "--traffic", "\(Int.random(in: 1...50, using: &random))"]
                case 2: arguments = ["promote", "canary", "prod"]
                case 3: arguments = ["rollback", "prod"]
                default: arguments = ["promote", "\(name)@1.0.0", "prod"]
                }
                arguments += ["-m", message, "--registry", registryPath, "--actor", "worker-\(worker)"]
                let result = try! CLI.run(arguments)
                operations.withLock { $0.append(Operation(message: message, arguments: arguments, result: result)) }
            }
        }
        stop.withLock { $0 = true }
        while resolver.isExecuting { usleep(10_000) }

        let done = operations.withLock { $0 }
        #expect(done.count == workers * perWorker)
        for operation in done where operation.result.status != 0 {
            #expect(operation.result.status == 67, "\(operation.arguments.joined(separator: " ")): \(operation.result.stderr)")
        }
        let log = try test.registry.log(limit: 10_000)
        var logged: [String: Int] = [:]
        for event in log { logged[event.message, default: 0] += 1 }
        for operation in done {
            #expect(
                logged[operation.message, default: 0] == (operation.result.status == 0 ? 1 : 0),
                "\(operation.message) logged \(logged[operation.message, default: 0]) times")
        }
        #expect(done.filter { $0.result.status == 0 }.count > workers * perWorker / 2)

        // Replay the log from the first event: every change starts where the previous one left
        // off, and the end result is what status shows.
        var pointers: [String: PointerTarget] = [:]
        for event in log.reversed() {
            for change in event.changes {
                guard let channel = change.channel else { continue }
                let key = "\(change.bundle)/\(channel)"
                #expect(
                    pointers[key] == change.from,
                    "seq \(event.seq): \(key) moved from \(String(describing: change.from)) but was \(String(describing: pointers[key]))")
                pointers[key] = change.to
            }
        }
        for cell in try test.registry.status().items {
            #expect(pointers["\(cell.bundle)/\(cell.channel)"]?.version == cell.pointer.version)
            #expect(pointers["\(cell.bundle)/\(cell.channel)"]?.digest == cell.pointer.digest)
        }
        #expect(try test.registry.verify().ok)
        #expect(try StockGit.run(test.path, ["fsck"]).status == 0)
        #expect(!seenVersions.withLock { $0 }.isEmpty)
    }

    @Test("two processes publishing the same NAME@VERSION with different content: exactly one wins")
    func sameVersionRace() throws {
        let test = try setUp()
        defer { test.remove() }
        for round in 0..<5 {
            let version = "1.0.\(round + 1)"
            let sources = try (0..<2).map { side -> String in
                let source = try Fixtures.copy("support-agent", into: test.directory, as: "race-\(round)-\(side)")
                try Fixtures.edit("\(source)/prompts/system.mustache", replacing: "Be brief", with: "Side \(side) round \(round). Be brief")
                return source
            }
            let running = try sources.map { try CLI.start(["publish", $0, "-m", "race", "--version", version, "--registry", test.path]) }
            let results = running.map { $0.finish() }
            #expect(results.filter { $0.status == 0 }.count == 1, "\(results.map(\.stderr))")
            let loser = try #require(results.first { $0.status != 0 })
            #expect(loser.status == 67 && loser.stderr.contains("support-agent@\(version) already exists"), "\(loser.stderr)")
        }
        #expect(try test.registry.versions(of: "support-agent").items.count == 6)
        #expect(try test.registry.verify().ok)
    }

    @Test("SIGKILL at random moments, 60 times (more from scripts/stress.sh): the registry stays sound and the command works when run again")
    func crashes() throws {
        let test = try setUp()
        defer { test.remove() }
        let source = try Fixtures.copy("support-triage", into: test.directory, as: "crash-source")
        var random = SeededRandom(seed: ProcessInfo.processInfo.environment["PROMPTREG_CRASH_SEED"].flatMap(UInt64.init) ?? 0xDEAD)
        var killedMidway = 0
        // 60 in the suite; scripts/stress.sh sets PROMPTREG_CRASH_ROUNDS for a longer run.
        let rounds = ProcessInfo.processInfo.environment["PROMPTREG_CRASH_ROUNDS"].flatMap(Int.init) ?? 60
        for round in 0..<rounds {
            let arguments: [String]
            switch round % 4 {
            case 0:
                let system = "\(source)/prompts/system.mustache"
                try Fixtures.write(try String(contentsOfFile: system, encoding: .utf8) + "Crash round \(round).\n", to: system)
                arguments = ["publish", source, "-m", "crash \(round)"]
            case 1: arguments = ["promote", "support-triage@1.0.\(round / 4)", "canary", "--traffic", "\(round % 50 + 1)"]
            case 2: arguments = ["promote", "canary", "prod", "support-triage"]
            default: arguments = ["rollback", "prod"]
            }
            let full = arguments + ["--registry", test.path, "--actor", "crash"]
            let process = try CLI.start(full)
            usleep(UInt32.random(in: 0...40_000, using: &random))
            kill(process.process.processIdentifier, SIGKILL)
            let killed = process.finish()
            if killed.status != 0 && killed.status != 67 { killedMidway += 1 }

            // A lock the killed writer left is named by doctor and removed by --fix.
            let doctor = try CLI.run(["doctor", "--fix", "--stale-after", "0", "--registry", test.path])
            #expect(doctor.status == 0, "round \(round) doctor: \(doctor.stdout) \(doctor.stderr)")
            let verify = try CLI.run(["verify", "--registry", test.path])
            #expect(verify.status == 0, "round \(round) verify: \(verify.stdout)")
            let fsck = try StockGit.run(test.path, ["fsck"])
            #expect(fsck.status == 0 && !fsck.output.contains("error"), "round \(round) fsck: \(fsck.output)")
            // Running the command again works: it lands, or says it had already landed.
            let again = try CLI.run(full)
            #expect(again.status == 0 || again.status == 67, "round \(round) again: \(again.stderr)")
        }
        #expect(killedMidway > 0, "no process was killed before it finished")
        #expect(try test.registry.verify().ok)
    }

    @Test("a lock left by a dead writer: the next writer fails fast and names it; doctor --fix removes it only when provably stale")
    func staleLock() throws {
        let test = try setUp()
        defer { test.remove() }
        let lock = "\(test.path)/refs/promptreg/state.lock"
        try Fixtures.write("left by a crash", to: lock)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -120)], ofItemAtPath: lock)
        let before = test.fingerprint
        let started = Date()
        let blocked = try CLI.run(["promote", "support-agent@1.0.0", "canary", "--registry", test.path])
        #expect(Date().timeIntervalSince(started) < 2, "the writer did not fail fast")
        #expect(blocked.status == 67)
        #expect(blocked.stderr.contains(lock) && blocked.stderr.contains("promptreg doctor --fix"), "\(blocked.stderr)")
        #expect(test.fingerprint == before)
        let publishBlocked = try CLI.run([
            "publish", Fixtures.example("support-agent"), "-m", "x", "--version", "1.0.1", "--registry", test.path,
        ])
        #expect(publishBlocked.status == 67 && publishBlocked.stderr.contains(lock))
        #expect(test.fingerprint == before, "a publish wrote something past a stale lock")

        // Held by a live process: reported, never removed. Opened close-on-exec, so no process
        // another test starts meanwhile inherits it (and holds the lock past the close below).
        let descriptor = open(lock, O_RDONLY | O_CLOEXEC)
        #expect(descriptor >= 0)
        let holder = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        let held = try CLI.run(["doctor", "--fix", "--json", "--registry", test.path])
        #expect(held.status == 67)
        #expect(held.stdout.contains(#""removed" : false"#) && held.stdout.contains("\(getpid())"), "\(held.stdout)")
        try holder.close()
        // Fresh and unheld, but younger than the threshold: kept.
        try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: lock)
        #expect(try CLI.run(["doctor", "--fix", "--registry", test.path]).status == 67)
        #expect(FileManager.default.fileExists(atPath: lock))
        // Old and unheld: removed, and the writer goes through.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -120)], ofItemAtPath: lock)
        let fixed = try CLI.run(["doctor", "--fix", "--registry", test.path])
        #expect(
            fixed.status == 0 && fixed.stdout.contains("refs/promptreg/state.lock") && fixed.stdout.contains("removed"), "\(fixed.stdout)")
        #expect(!FileManager.default.fileExists(atPath: lock))
        #expect(try CLI.run(["promote", "support-agent@1.0.0", "canary", "--traffic", "7", "--registry", test.path]).status == 0)
    }
}
