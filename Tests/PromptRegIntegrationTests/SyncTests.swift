import Foundation
import PromptRegistry
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// Remotes and sync end to end: `promptreg clone`, `remote`, `pull`, `push` and write-through
// writes against an upstream served by a local path, file://, git daemon (git://) and lighttpd
// running git http-backend (http://), all on 127.0.0.1 ports chosen at run time.

/// How a clone reaches its upstream.
enum Transport: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case path, file, git, http
    var testDescription: String { rawValue }
}

/// An upstream (`served/upstream.git`) seeded from a local registry by `promptreg push`, and the
/// servers serving it. The seed holds the three examples at 1.0.0 and 1.0.1; prod runs 1.0.0 and
/// canary 1.0.1 at 10 % for each (state sequence 12).
final class SyncWorld {
    let directory: TemporaryDirectory
    /// The directory the servers serve.
    let served: String
    /// The bare upstream repository.
    let upstream: String
    /// The registry that seeded the upstream (its upstream is `upstream`, by path).
    let seed: String
    private(set) var daemon: GitDaemonServer?
    private(set) var http: SmartHTTPServer?
    private var clones = 0

    /// The state sequence number of the seeded upstream.
    static let seededSeq = 12

    init(_ transports: Set<Transport> = [], label: String = "sync") throws {
        directory = try TemporaryDirectory("promptreg-\(label)")
        served = directory.join("served")
        upstream = directory.join("served/upstream.git")
        seed = directory.join("seed.git")
        do {
            try GitServers.makeUpstream(in: served)
            if transports.contains(.git) { daemon = try GitDaemonServer(basePath: served) }
            if transports.contains(.http) { http = try SmartHTTPServer(basePath: served) }
            try seedUpstream()
        } catch {
            remove()
            throw error
        }
    }

    /// Builds the seed through the library (the CLI's init, publish and promote are tested
    /// elsewhere; this is faster), then sends it with `remote add`, `remote set-upstream` and `push`.
    private func seedUpstream() throws {
        let registry = try Registry.create(at: seed, actor: "seeder")
        for name in Fixtures.exampleNames {
            _ = try registry.publish(directory: Fixtures.example(name), message: "first release of \(name)", actor: "seeder")
        }
        for name in Fixtures.exampleNames {
            let copy = try Sync.editedCopy(name, in: directory, note: "Patch note for \(name).")
            let published = try registry.publish(directory: copy, message: "patch of \(name)", actor: "seeder")
            guard published.version == SemanticVersion(1, 0, 1) else {
                throw GitServerError("seeding: \(name) was published as \(published.version), not 1.0.1")
            }
        }
        for name in Fixtures.exampleNames {
            try registry.promote(.version(name, SemanticVersion(1, 0, 0)), to: "prod", message: "setup", actor: "seeder")
        }
        for name in Fixtures.exampleNames {
            try registry.promote(.version(name, SemanticVersion(1, 0, 1)), to: "canary", traffic: 10, message: "setup", actor: "seeder")
        }
        try Sync.run(["remote", "add", "origin", upstream], registry: seed)
        try Sync.run(["remote", "set-upstream", "origin"], registry: seed)
        try Sync.run(["push"], registry: seed)
        let pushed = try Sync.stateCommit(upstream)
        let local = try Sync.stateCommit(seed)
        guard pushed != nil, pushed == local else {
            throw GitServerError("seeding the upstream failed: upstream state \(pushed ?? "none"), seed state \(local ?? "none")")
        }
    }

    /// The upstream's URL over `transport`.
    func url(_ transport: Transport) -> String {
        switch transport {
        case .path: return upstream
        case .file: return "file://\(upstream)"
        case .git: return daemon!.url(for: "upstream.git")
        case .http: return http!.url(for: "upstream.git")
        }
    }

    /// `promptreg clone URL directory/NAME` (exit 0 expected); returns the clone's path.
    @discardableResult
    func clone(_ transport: Transport, as name: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        clones += 1
        let path = directory.join(name ?? "clone-\(clones)-\(transport.rawValue)")
        try Sync.run(["clone", url(transport), path], sourceLocation: sourceLocation)
        return path
    }

    /// A new clone of the upstream by path (exit 0 expected).
    func freshClone(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try clone(.path, as: nil, sourceLocation: sourceLocation)
    }

    /// Every event of the upstream, newest first, read from a fresh clone (`log -n 1000 --json`).
    func upstreamLog(sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        let fresh = try freshClone(sourceLocation: sourceLocation)
        return try Sync.array(try Sync.run(["log", "-n", "1000", "--json"], registry: fresh, sourceLocation: sourceLocation))
    }

    /// Stops the servers and removes everything.
    func remove() {
        daemon?.stop()
        http?.stop()
        directory.remove()
    }
}

/// Running promptreg and stock git, reading JSON, snapshots.
enum Sync {
    /// Runs `promptreg arguments... [--registry REGISTRY]` as `actor`, killing it after `timeout`
    /// seconds; checks the exit status when `expect` is given.
    @discardableResult
    static func run(
        _ arguments: [String], registry: String? = nil, actor: String = "sync-tester", expect status: Int32? = 0,
        timeout: TimeInterval = 90, directory: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> CLI.Result {
        let full = arguments + (registry.map { ["--registry", $0] } ?? [])
        let started = Date()
        let running = try CLI.start(full, environment: ["PROMPTREG_ACTOR": actor], directory: directory)
        let pid = running.process.processIdentifier
        let finished = Locked(false)
        let timedOut = Locked(false)
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
            finished.withLock { done in
                if !done {
                    timedOut.withLock { $0 = true }
                    kill(pid, SIGKILL)
                }
            }
        }
        let result = running.finish()
        finished.withLock { $0 = true }
        let command = "promptreg \(full.joined(separator: " "))"
        if ProcessInfo.processInfo.environment["PROMPTREG_SYNC_TRACE"] != nil {
            print(String(format: "[sync] %.3f s exit %d: %@", Date().timeIntervalSince(started), result.status, command))
        }
        #expect(!timedOut.withLock { $0 }, "\(command): killed after \(Int(timeout)) s", sourceLocation: sourceLocation)
        if let status {
            #expect(
                result.status == status,
                "\(command): exit \(result.status), expected \(status)\nstdout: \(result.stdout)\nstderr: \(result.stderr)",
                sourceLocation: sourceLocation)
        }
        return result
    }

    /// Stock `git --git-dir=REPOSITORY arguments...`, exit 0 expected; its output.
    @discardableResult
    static func git(_ repository: String, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try StockGit.run(repository, arguments)
        #expect(result.status == 0, "git \(arguments.joined(separator: " ")): \(result.output)", sourceLocation: sourceLocation)
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The commit `refs/promptreg/state` of `repository` holds (stock git), nil when absent.
    static func stateCommit(_ repository: String) throws -> String? {
        let result = try StockGit.run(repository, ["rev-parse", "--verify", "-q", "refs/promptreg/state^{commit}"])
        let commit = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return result.status == 0 && !commit.isEmpty ? commit : nil
    }

    /// The `event.json` of state commit `revision` of `repository` (stock git).
    static func event(_ repository: String, _ revision: String = "refs/promptreg/state") throws -> [String: Any] {
        let text = try git(repository, ["show", "\(revision):event.json"])
        return (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    /// The sequence number of the upstream's state (stock git), -1 when unreadable.
    static func stateSeq(_ repository: String) throws -> Int {
        (try event(repository)["seq"] as? NSNumber)?.intValue ?? -1
    }

    /// Every reference of `repository` with the object it points at (stock git).
    static func references(_ repository: String) throws -> String {
        try git(repository, ["for-each-ref", "--format=%(objectname) %(refname)"])
    }

    static func object(_ result: CLI.Result, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let value = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        #expect(value is [String: Any], "not a JSON object: \(result.stdout)", sourceLocation: sourceLocation)
        return value as? [String: Any] ?? [:]
    }

    static func array(_ result: CLI.Result, sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        let value = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        #expect(value is [[String: Any]], "not a JSON array of objects: \(result.stdout)", sourceLocation: sourceLocation)
        return value as? [[String: Any]] ?? []
    }

    /// A copy of example `name` in `directory` whose system prompt gains `note` (a patch change).
    static func editedCopy(_ name: String, in directory: TemporaryDirectory, note: String) throws -> String {
        let copy = try Fixtures.copy(name, into: directory, as: "\(name)-\(UUID().uuidString.prefix(8))")
        try appendNote(note, to: copy)
        return copy
    }

    /// Appends `note` as a line to the system prompt of the bundle directory `copy`.
    static func appendNote(_ note: String, to copy: String) throws {
        let system = "\(copy)/prompts/system.mustache"
        try Fixtures.write(try String(contentsOfFile: system, encoding: .utf8) + note + "\n", to: system)
    }

    /// What a registry holds, byte for byte: every file under `refs/` (without the remote-tracking
    /// refs under `refs/promptreg-remotes/` unless `tracking`), `packed-refs`, `config`, the
    /// accepted-state mark, and every reference as stock git lists it.
    static func fingerprint(_ registry: String, tracking: Bool) throws -> [String: String] {
        var result: [String: String] = [:]
        for (file, digest) in Fingerprint.of("\(registry)/refs") where tracking || !file.hasPrefix("promptreg-remotes/") {
            result["refs/\(file)"] = digest
        }
        for file in ["packed-refs", "config", "promptreg-accepted-state.json"] {
            result[file] =
                FileManager.default.contents(atPath: "\(registry)/\(file)").map { String(decoding: $0, as: UTF8.self) } ?? "(absent)"
        }
        let listed = try references(registry).split(separator: "\n").filter { tracking || !$0.contains(" refs/promptreg-remotes/") }
        result["(for-each-ref)"] = listed.joined(separator: "\n")
        return result
    }

    /// What a registry shows: `status`, `list` and `log` as JSON.
    static func observable(_ registry: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
        try [["status", "--json"], ["list", "--json"], ["log", "-n", "1000", "--json"]].map {
            try run($0, registry: registry, sourceLocation: sourceLocation).stdout
        }
    }

    /// A pointer target of a log change (or a status pointer) as comparable text.
    static func target(_ value: Any?) -> String {
        guard let pointer = value as? [String: Any] else { return "(none)" }
        let traffic = (pointer["traffic"] as? NSNumber).map { "\($0.doubleValue)" } ?? "-"
        return "\(pointer["version"] as? String ?? "?") \(pointer["digest"] as? String ?? "?") \(traffic)"
    }

    /// The first 7 hex digits of a commit id, as any message naming it shows at least.
    static func abbreviated(_ commit: String) -> String { String(commit.prefix(7)) }

    /// Expects `text` to contain `part`.
    static func expectContains(
        _ text: String, _ part: String, _ context: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(text.contains(part), "\(context): expected to contain \"\(part)\" in:\n\(text)", sourceLocation: sourceLocation)
    }

    /// The lock and temporary files under `registry` (what a killed process can leave behind).
    static func lockFiles(in registry: String) -> [String] {
        let files = FileManager.default.enumerator(atPath: registry)?.compactMap { $0 as? String } ?? []
        return files.filter { $0.hasSuffix(".lock") || $0.hasSuffix(".tmp") }.sorted()
    }

    /// Seconds since `start`, for the timing lines.
    static func elapsed(since start: Date) -> String { String(format: "%.1f s", Date().timeIntervalSince(start)) }
}

@Suite("Sync: remotes, clone, pull, push and write-through", .serialized)
struct SyncTests {
    // MARK: a. clone over each kind of URL

    @Test(
        "a. clone over a path, file://, git:// and http://: the clone reads as the source, verifies, tracks origin",
        arguments: Transport.allCases)
    func cloneOverEachTransport(_ transport: Transport) throws {
        let start = Date()
        let world = try SyncWorld([transport], label: "sync-clone")
        defer { world.remove() }
        let clone = try world.clone(transport)

        for command in [["list", "--json"], ["status", "--json"], ["log", "-n", "100", "--json"]] {
            let source = try Sync.run(command, registry: world.seed).stdout
            let cloned = try Sync.run(command, registry: clone).stdout
            #expect(cloned == source, "\(command.joined(separator: " ")) differs in the clone:\n\(cloned)\nsource:\n\(source)")
        }
        for name in Fixtures.exampleNames {
            for extra in [[], ["--channel", "canary"], ["--subject", "user-7"]] {
                let command = ["resolve", name, "--json"] + extra
                // The answer is the same; how old each copy's view of its upstream is, is its own.
                func answer(_ registry: String) throws -> NSDictionary {
                    var object = try Sync.object(try Sync.run(command, registry: registry))
                    for key in ["upstream", "pulled_at", "stale_seconds"] { object.removeValue(forKey: key) }
                    return object as NSDictionary
                }
                #expect(try answer(clone) == answer(world.seed), "\(command.joined(separator: " ")) differs")
            }
        }
        Sync.expectContains(try Sync.run(["verify"], registry: clone).stdout, "ok", "verify in the clone")
        #expect(try Sync.stateCommit(clone) == Sync.stateCommit(world.upstream))

        let remotes = try Sync.array(try Sync.run(["remote", "list", "--json"], registry: clone))
        #expect(remotes.count == 1, "\(remotes)")
        #expect(remotes.first?["name"] as? String == "origin")
        #expect(remotes.first?["url"] as? String == world.url(transport))
        #expect(remotes.first?["upstream"] as? Bool == true)

        // Pulling right after cloning brings nothing and reports the state.
        let pulled = try Sync.object(try Sync.run(["pull", "--json"], registry: clone))
        #expect(pulled["remote"] as? String == "origin")
        #expect((pulled["state_seq"] as? NSNumber)?.intValue == SyncWorld.seededSeq)
        #expect(pulled["state_commit"] as? String == (try Sync.stateCommit(world.upstream)))
        print("[sync] a. clone over \(transport.rawValue): \(Sync.elapsed(since: start))")
    }

    @Test("a. cloning a URL with no promptreg state is not found (66) and says the remote holds no registry")
    func cloneOfAnEmptyUpstream() throws {
        let directory = try TemporaryDirectory("promptreg-sync-empty")
        defer { directory.remove() }
        let empty = try GitServers.makeUpstream(in: directory.join("served"), named: "empty.git")
        let result = try Sync.run(["clone", empty, directory.join("clone")], expect: 66)
        #expect(result.stderr.lowercased().contains("no registry") || result.stderr.lowercased().contains("holds no"), "\(result.stderr)")
    }

    @Test("a. clone without PATH makes ./.promptreg, found from the current directory")
    func cloneIntoTheDefaultPath() throws {
        let world = try SyncWorld([], label: "sync-default")
        defer { world.remove() }
        let work = world.directory.join("work")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try Sync.run(["clone", world.upstream], directory: work)
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: "\(work)/.promptreg", isDirectory: &isDirectory) && isDirectory.boolValue)
        #expect(try Sync.run(["list", "--json"], directory: work).stdout == Sync.run(["list", "--json"], registry: world.seed).stdout)
    }

    // MARK: remote add, list, remove, set-upstream; pull and push naming a remote

    @Test("remote add, list, set-upstream, remove; push and pull naming a remote")
    func remoteManagement() throws {
        let world = try SyncWorld([], label: "sync-remotes")
        defer { world.remove() }
        let clone = try world.clone(.path)
        let backup = try GitServers.makeUpstream(in: world.served, named: "backup.git")
        try Sync.run(["remote", "add", "backup", backup], registry: clone)
        func remotes() throws -> [String: (url: String, upstream: Bool)] {
            var result: [String: (url: String, upstream: Bool)] = [:]
            for remote in try Sync.array(try Sync.run(["remote", "list", "--json"], registry: clone)) {
                result[remote["name"] as? String ?? "?"] = (remote["url"] as? String ?? "?", remote["upstream"] as? Bool ?? false)
            }
            return result
        }
        var listed = try remotes()
        #expect(listed.keys.sorted() == ["backup", "origin"])
        #expect(listed["origin"]?.upstream == true && listed["backup"]?.upstream == false)
        #expect(listed["backup"]?.url == backup)
        #expect(try Sync.run(["remote", "list"], registry: clone).stdout.contains("backup"))

        // An explicit push to an empty repository sends everything.
        let pushed = try Sync.object(try Sync.run(["push", "backup", "--json"], registry: clone))
        #expect(pushed["remote"] as? String == "backup")
        #expect((pushed["state_seq"] as? NSNumber)?.intValue == SyncWorld.seededSeq)
        #expect(try Sync.stateCommit(backup) == Sync.stateCommit(world.upstream))
        #expect(
            try Sync.references(backup).split(separator: "\n").filter { $0.contains("refs/promptreg/") }
                == Sync.references(world.upstream).split(separator: "\n").filter { $0.contains("refs/promptreg/") })

        try Sync.run(["remote", "set-upstream", "backup"], registry: clone)
        listed = try remotes()
        #expect(listed["origin"]?.upstream == false && listed["backup"]?.upstream == true)
        // A write now goes through backup, not origin.
        let originBefore = try Sync.stateCommit(world.upstream)
        try Sync.run(["promote", "support-agent@1.0.0", "canary", "--traffic", "3", "-m", "via backup"], registry: clone)
        #expect(try Sync.event(backup)["message"] as? String == "via backup")
        #expect(try Sync.stateCommit(world.upstream) == originBefore)
        // origin is behind: an explicit push brings it up to date, then pulling it brings nothing.
        let caughtUp = try Sync.object(try Sync.run(["push", "origin", "--json"], registry: clone))
        #expect(caughtUp["remote"] as? String == "origin")
        #expect(caughtUp["state_commit"] as? String == (try Sync.stateCommit(backup)))
        #expect(try Sync.stateCommit(world.upstream) == Sync.stateCommit(backup))
        let pulled = try Sync.object(try Sync.run(["pull", "origin", "--json"], registry: clone))
        #expect(pulled["remote"] as? String == "origin")
        #expect((pulled["state_seq"] as? NSNumber)?.intValue == SyncWorld.seededSeq + 1)
        #expect(try Sync.stateCommit(clone) == Sync.stateCommit(backup))

        try Sync.run(["remote", "set-upstream", "origin"], registry: clone)
        try Sync.run(["remote", "remove", "backup"], registry: clone)
        listed = try remotes()
        #expect(listed.keys.sorted() == ["origin"])
        #expect(listed["origin"]?.upstream == true)
        #expect(try Sync.references(clone).contains("refs/promptreg-remotes/backup/") == false, "tracking refs of a removed remote remain")
    }

    // MARK: b. write-through

    @Test("b. write-through promote, rollback and publish land on the upstream before exit 0", arguments: Transport.allCases)
    func writeThrough(_ transport: Transport) throws {
        let start = Date()
        let world = try SyncWorld([transport], label: "sync-write")
        defer { world.remove() }
        let clone = try world.clone(transport)

        try Sync.run(["promote", "support-agent@1.0.0", "canary", "--traffic", "5", "-m", "x"], registry: clone)
        var event = try Sync.event(world.upstream)
        #expect(event["action"] as? String == "promote")
        #expect(event["message"] as? String == "x")
        #expect((event["seq"] as? NSNumber)?.intValue == SyncWorld.seededSeq + 1)
        let change = (event["changes"] as? [[String: Any]])?.first
        #expect(change?["bundle"] as? String == "support-agent" && change?["channel"] as? String == "canary")
        #expect(
            Sync.target(change?["to"]).hasPrefix("1.0.0 ") && Sync.target(change?["to"]).hasSuffix(" 5.0"), "\(String(describing: change))")
        #expect(try Sync.stateCommit(clone) == Sync.stateCommit(world.upstream))

        try Sync.run(["promote", "support-agent@1.0.1", "prod", "-m", "y"], registry: clone)
        #expect(try Sync.event(world.upstream)["message"] as? String == "y")
        try Sync.run(["rollback", "prod", "support-agent", "-m", "z"], registry: clone)
        event = try Sync.event(world.upstream)
        #expect(event["action"] as? String == "rollback" && event["message"] as? String == "z")
        let reverted = (event["changes"] as? [[String: Any]])?.first
        #expect(Sync.target(reverted?["from"]).hasPrefix("1.0.1 ") && Sync.target(reverted?["to"]).hasPrefix("1.0.0 "), "\(event)")

        let copy = try Sync.editedCopy("support-agent", in: world.directory, note: "Written through \(transport.rawValue).")
        let published = try Sync.object(try Sync.run(["publish", copy, "-m", "edited", "--json"], registry: clone))
        let version = published["version"] as? String ?? "?"
        #expect(version == "1.0.2")
        let reference = "refs/promptreg/versions/support-agent/\(version)"
        let upstreamRef = try StockGit.run(world.upstream, ["rev-parse", "--verify", "-q", reference])
        #expect(upstreamRef.status == 0, "the upstream lacks \(reference)")
        #expect(upstreamRef.output == (try StockGit.run(clone, ["rev-parse", "--verify", "-q", reference])).output)
        event = try Sync.event(world.upstream)
        #expect(event["action"] as? String == "publish" && event["message"] as? String == "edited")
        #expect(try Sync.stateCommit(clone) == Sync.stateCommit(world.upstream))

        // What the upstream holds reads the same from a fresh clone, and verifies.
        let fresh = try world.freshClone()
        #expect(try Sync.run(["status", "--json"], registry: fresh).stdout == Sync.run(["status", "--json"], registry: clone).stdout)
        #expect(try Sync.run(["show", "support-agent@\(version)", "--json"], registry: fresh).status == 0)
        try Sync.run(["verify"], registry: fresh)
        try Sync.run(["verify"], registry: clone)
        print("[sync] b. write-through over \(transport.rawValue): \(Sync.elapsed(since: start))")
    }

    // MARK: c. two writers racing

    /// One finished write of the race.
    private struct Write: Sendable {
        let writer: String
        let message: String
        let arguments: [String]
        let result: CLI.Result
    }

    @Test("c. two clones (git:// and http://) x 25 mixed writes at once: winners logged once, losers 67, the upstream replays")
    func twoWritersRace() throws {
        let start = Date()
        let world = try SyncWorld([.git, .http], label: "sync-race")
        defer { world.remove() }
        let clones = [try world.clone(.git, as: "writer-git"), try world.clone(.http, as: "writer-http")]
        // Each writer publishes its own bundle (distinct content, no race on a version number).
        let publishes = ["support-triage", "reply-verifier"]
        let sources = try publishes.map { try Fixtures.copy($0, into: world.directory, as: "race-\($0)") }
        let perWriter = 25
        let seed = UInt64.random(in: 1...UInt64.max)
        print("[sync] c. seed \(seed)")
        let writes = Locked<[Write]>([])
        let names = Fixtures.exampleNames
        let barrier = DispatchGroup()
        for (index, clone) in clones.enumerated() {
            barrier.enter()
            let source = sources[index]
            let writer = index == 0 ? "git" : "http"
            Thread {
                defer { barrier.leave() }
                var random = SeededRandom(seed: seed &+ UInt64(index))
                for step in 0..<perWriter {
                    let message = "race-\(writer)-\(step)"
                    let name = names.randomElement(using: &random)!
                    let version = Bool.random(using: &random) ? "1.0.0" : "1.0.1"
                    var arguments: [String]
                    switch step % 8 == 3 ? 7 : Int.random(in: 0..<7, using: &random) {
                    case 0:
                        arguments = ["promote", "\(name)@\(version)", "canary", "--traffic", "\(Int.random(in: 1...50, using: &random))"]
                    case 1: arguments = ["promote", "\(name)@\(version)", "prod"]
                    case 2: arguments = ["rollback", "canary", name]
                    case 3: arguments = ["rollback", "prod", name]
                    case 4: arguments = ["promote", "canary", "prod", name]
                    case 5: arguments = ["promote", "\(name)@\(version)", "canary"]
                    case 6:
                        arguments = [
                            "promote", "\(name)@\(version)", "canary", "--traffic",
                            "\(Double(Int.random(in: 1...999, using: &random)) / 10)",
                        ]
                    default:
                        try! Sync.appendNote("Note \(message).", to: source)
                        arguments = ["publish", source, "-m", message]
                    }
                    if arguments[0] != "publish" { arguments += ["-m", message] }
                    let result = try! Sync.run(arguments, registry: clone, actor: "writer-\(writer)", expect: nil, timeout: 120)
                    writes.withLock { $0.append(Write(writer: writer, message: message, arguments: arguments, result: result)) }
                }
            }.start()
        }
        #expect(barrier.wait(timeout: .now() + 600) == .success, "the writers did not finish within 10 minutes")
        let raceTime = Sync.elapsed(since: start)

        let done = writes.withLock { $0 }
        #expect(done.count == 2 * perWriter)
        for write in done where write.result.status != 0 {
            #expect(
                write.result.status == 67,
                "\(write.writer): promptreg \(write.arguments.joined(separator: " ")): exit \(write.result.status)\n\(write.result.stderr)")
        }
        let winners = done.filter { $0.result.status == 0 }
        #expect(winners.count >= 10, "only \(winners.count) of \(done.count) writes succeeded")

        let log = try world.upstreamLog()
        var logged: [String: Int] = [:]
        for event in log { logged[event["message"] as? String ?? "", default: 0] += 1 }
        for write in done {
            let expected = write.result.status == 0 ? 1 : 0
            let count = logged[write.message, default: 0]
            let command = "promptreg \(write.arguments.joined(separator: " "))"
            #expect(
                count == expected, "\(write.message) (exit \(write.result.status), \(command)) is logged \(count) times on the upstream")
        }
        // The sequence numbers fall by one down to 0, and replaying the log gives the pointers.
        let seqs = log.map { ($0["seq"] as? NSNumber)?.intValue ?? -1 }
        #expect(seqs == Array((0..<log.count).reversed()), "state sequence numbers: \(seqs)")
        #expect(log.count == SyncWorld.seededSeq + 1 + winners.count)
        var pointers: [String: String] = [:]
        for event in log.reversed() {
            for change in event["changes"] as? [[String: Any]] ?? [] {
                guard let channel = change["channel"] as? String, let bundle = change["bundle"] as? String else { continue }
                let key = "\(bundle)/\(channel)"
                #expect(
                    Sync.target(change["from"]) == (pointers[key] ?? "(none)"),
                    "seq \(event["seq"] ?? "?"): \(key) moved from \(Sync.target(change["from"])) but was \(pointers[key] ?? "(none)")")
                pointers[key] = Sync.target(change["to"])
            }
        }
        let fresh = try world.freshClone()
        let status = try Sync.array(try Sync.run(["status", "--json"], registry: fresh))
        #expect(status.count == pointers.values.filter { $0 != "(none)" }.count)
        for cell in status {
            let key = "\(cell["bundle"] as? String ?? "?")/\(cell["channel"] as? String ?? "?")"
            #expect(
                pointers[key] == Sync.target(cell["pointer"]),
                "\(key): status \(Sync.target(cell["pointer"])), replay \(pointers[key] ?? "(none)")")
        }
        for clone in clones {
            try Sync.run(["pull"], registry: clone)
            #expect(try Sync.stateCommit(clone) == Sync.stateCommit(world.upstream))
            try Sync.run(["verify"], registry: clone)
        }
        try Sync.run(["verify"], registry: fresh)
        let counts = Dictionary(grouping: done, by: { $0.result.status }).mapValues(\.count)
        print("[sync] c. race: \(raceTime) for \(done.count) writes (exit codes: \(counts)); total \(Sync.elapsed(since: start))")
    }

    // MARK: d. the server refuses

    @Test(
        "d. a pre-receive hook refuses: exit 76 with the hook's text; the clone and the upstream are unchanged",
        arguments: [Transport.git, .http])
    func serverRefuses(_ transport: Transport) throws {
        let world = try SyncWorld([transport], label: "sync-refuse")
        defer { world.remove() }
        let clone = try world.clone(transport)
        try Sync.run(["pull"], registry: clone)
        let hookText = "policy-check: channel moves are frozen until Monday"
        try GitServers.installRefusingHook(in: world.upstream, message: hookText)
        let shown = try Sync.observable(clone)
        let local = try Sync.fingerprint(clone, tracking: true)
        let upstream = Fingerprint.of(world.upstream)

        let refused = try Sync.run(
            ["promote", "support-agent@1.0.0", "canary", "--traffic", "5", "-m", "refused"], registry: clone, expect: 76)
        Sync.expectContains(refused.stderr, hookText, "promote refused by the hook")
        #expect(try Sync.fingerprint(clone, tracking: true) == local, "the refused promote changed the clone")
        #expect(Fingerprint.of(world.upstream) == upstream, "the refused promote changed the upstream")
        #expect(try Sync.observable(clone) == shown)

        // A refused publish leaves no version behind on either side.
        let copy = try Sync.editedCopy("support-agent", in: world.directory, note: "Refused by the server.")
        let publish = try Sync.run(["publish", copy, "-m", "refused publish"], registry: clone, expect: 76)
        Sync.expectContains(publish.stderr, hookText, "publish refused by the hook")
        #expect(Fingerprint.of(world.upstream) == upstream, "the refused publish changed the upstream")
        #expect(try Sync.observable(clone) == shown)
        try Sync.run(["verify"], registry: clone)

        // Without the hook the same promote goes through.
        GitServers.removeHook(in: world.upstream)
        try Sync.run(["promote", "support-agent@1.0.0", "canary", "--traffic", "5", "-m", "accepted"], registry: clone)
        #expect(try Sync.event(world.upstream)["message"] as? String == "accepted")
    }

    // MARK: e. rewound and forked upstreams

    @Test("e. a rewound, forked or version-rewritten upstream is refused (68) naming both commits; nothing local changes")
    func rewoundAndForkedUpstream() throws {
        let world = try SyncWorld([.git], label: "sync-rewind")
        defer { world.remove() }
        let url = world.url(.git)
        let clone = try world.clone(.git)
        let old = try #require(try Sync.stateCommit(world.upstream))
        try Sync.run(["promote", "support-agent@1.0.0", "canary", "--traffic", "5", "-m", "e1"], registry: clone)
        try Sync.run(["promote", "reply-verifier@1.0.0", "canary", "--traffic", "6", "-m", "e2"], registry: clone)
        let new = try #require(try Sync.stateCommit(world.upstream))
        let newSeq = SyncWorld.seededSeq + 2
        #expect(try Sync.stateSeq(world.upstream) == newSeq)
        #expect(try Sync.stateCommit(clone) == new)

        // Rewound: the upstream's state goes back two commits.
        try Sync.git(world.upstream, ["update-ref", "refs/promptreg/state", old])
        let shown = try Sync.observable(clone)
        let local = try Sync.fingerprint(clone, tracking: false)
        let rewound = try Sync.run(["pull"], registry: clone, expect: 68)
        Sync.expectContains(rewound.stderr, Sync.abbreviated(old), "pull of a rewound upstream names its commit")
        Sync.expectContains(rewound.stderr, Sync.abbreviated(new), "pull of a rewound upstream names the local commit")
        #expect(try Sync.fingerprint(clone, tracking: false) == local, "a refused pull changed the clone")
        #expect(try Sync.observable(clone) == shown)
        // A write through the rewound upstream is refused the same way and pushes nothing.
        try Sync.run(["promote", "support-triage@1.0.0", "canary", "--traffic", "7", "-m", "e3"], registry: clone, expect: 68)
        #expect(try Sync.stateCommit(world.upstream) == old)
        #expect(try Sync.fingerprint(clone, tracking: false) == local)

        // A mirror that must trust the newer state refuses the rewound upstream; trusting the
        // state the upstream really has is fine.
        let refusedMirror = try Sync.run(
            ["clone", url, world.directory.join("mirror-refused"), "--trust-state", "\(newSeq):\(new)"], expect: 68)
        Sync.expectContains(refusedMirror.stderr, Sync.abbreviated(new), "clone --trust-state of a rewound upstream")
        try Sync.run(["clone", url, world.directory.join("mirror-old"), "--trust-state", "\(SyncWorld.seededSeq):\(old)"])

        // Restored: pulling works again.
        try Sync.git(world.upstream, ["update-ref", "refs/promptreg/state", new])
        try Sync.run(["pull"], registry: clone)
        try Sync.run(["clone", url, world.directory.join("mirror-new"), "--trust-state", "\(SyncWorld.seededSeq):\(old)"])

        // Forked: a different commit at the same sequence number.
        let tree = try Sync.git(world.upstream, ["rev-parse", "\(new)^{tree}"])
        let parent = try Sync.git(world.upstream, ["rev-parse", "\(new)^"])
        let fork = try Sync.git(
            world.upstream,
            ["-c", "user.name=forger", "-c", "user.email=forger@example.invalid", "commit-tree", tree, "-p", parent, "-m", "forged state"])
        try Sync.git(world.upstream, ["update-ref", "refs/promptreg/state", fork])
        let forkedShown = try Sync.observable(clone)
        let forkedLocal = try Sync.fingerprint(clone, tracking: false)
        let forked = try Sync.run(["pull"], registry: clone, expect: 68)
        Sync.expectContains(forked.stderr, Sync.abbreviated(fork), "pull of a forked upstream names its commit")
        Sync.expectContains(forked.stderr, Sync.abbreviated(new), "pull of a forked upstream names the local commit")
        #expect(try Sync.fingerprint(clone, tracking: false) == forkedLocal, "a refused pull changed the clone")
        #expect(try Sync.observable(clone) == forkedShown)

        // A version ref that differs from the local one.
        try Sync.git(world.upstream, ["update-ref", "refs/promptreg/state", new])
        try Sync.run(["pull"], registry: clone)
        let reference = "refs/promptreg/versions/support-agent/1.0.1"
        let original = try Sync.git(world.upstream, ["rev-parse", reference])
        let moved = try Sync.git(
            world.upstream,
            [
                "-c", "user.name=forger", "-c", "user.email=forger@example.invalid", "commit-tree", "\(original)^{tree}", "-p",
                "\(original)^",
                "-m", "forged version",
            ])
        try Sync.git(world.upstream, ["update-ref", reference, moved])
        let versionShown = try Sync.observable(clone)
        let versionLocal = try Sync.fingerprint(clone, tracking: false)
        let differs = try Sync.run(["pull"], registry: clone, expect: 68)
        Sync.expectContains(differs.stderr, Sync.abbreviated(moved), "pull of a moved version ref names the remote commit")
        Sync.expectContains(differs.stderr, Sync.abbreviated(original), "pull of a moved version ref names the local commit")
        #expect(try Sync.fingerprint(clone, tracking: false) == versionLocal, "a refused pull changed the clone")
        #expect(try Sync.observable(clone) == versionShown)
    }

    // MARK: f. killed pulls and pushes

    @Test("f. pull and push killed at random moments (50 rounds): both sides verify, and running it again succeeds")
    func killedPullAndPush() throws {
        let start = Date()
        let world = try SyncWorld([.git], label: "sync-kill")
        defer { world.remove() }
        let reader = try world.clone(.git, as: "reader")
        let pusher = try world.clone(.git, as: "pusher")
        let writer = try world.clone(.path, as: "writer")
        let seed = ProcessInfo.processInfo.environment["PROMPTREG_SYNC_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        print("[sync] f. seed \(seed) (replay with PROMPTREG_SYNC_SEED=\(seed))")
        var random = SeededRandom(seed: seed)
        // The kill lands between 0 and ~80 ms after the start, or up to the whole length of an
        // unkilled pull and push when those take longer (a debug build, a loaded machine), so
        // every phase of the command can be hit.
        try Sync.run(["promote", "support-agent@1.0.0", "canary", "--traffic", "19", "-m", "calibrate-write"], registry: writer)
        var calibration = Date()
        try Sync.run(["pull"], registry: reader)
        var longest = Date().timeIntervalSince(calibration)
        try Sync.run(
            ["promote", "reply-verifier@1.0.0", "canary", "--traffic", "19", "-m", "calibrate-push", "--offline"], registry: pusher)
        calibration = Date()
        try Sync.run(["push"], registry: pusher)
        longest = max(longest, Date().timeIntervalSince(calibration))
        let window = UInt32(min(400_000, max(80_000, longest * 1_100_000)))
        print("[sync] f. an unkilled pull or push takes up to \(Int(longest * 1000)) ms: kills land 0 to \(window / 1000) ms after start")
        let rounds = 50
        var completed = 0
        var killedRunning = 0
        for round in 0..<rounds {
            let pulling = round % 2 == 0
            let registry = pulling ? reader : pusher
            let command = pulling ? "pull" : "push"
            if pulling {
                // Something new to pull: a write-through by another clone.
                try Sync.run(
                    [
                        "promote", "support-agent@\(round % 4 == 0 ? "1.0.0" : "1.0.1")", "canary", "--traffic", "\(20 + round)", "-m",
                        "kill-write-\(round)",
                    ],
                    registry: writer)
            } else {
                // Something new to push: an offline write.
                let message = "kill-push-\(round)"
                try Sync.run(
                    ["promote", "reply-verifier@1.0.0", "canary", "--traffic", "\(20 + round)", "-m", message, "--offline"],
                    registry: pusher)
            }
            let delay = UInt32.random(in: 0...window, using: &random)
            let running = try CLI.start([command, "--registry", registry], environment: ["PROMPTREG_ACTOR": "killer"])
            usleep(delay)
            if running.process.isRunning {
                kill(running.process.processIdentifier, SIGKILL)
                killedRunning += 1
            }
            let killed = running.finish()
            let context = "round \(round) (seed \(seed)): \(command) killed after \(delay / 1000) ms (exit \(killed.status))"
            #expect(killed.status == 0 || running.process.terminationReason == .uncaughtSignal, "\(context): \(killed.stderr)")

            let verified = try Sync.run(["verify"], registry: registry, expect: nil)
            #expect(verified.status == 0, "\(context): verify in the clone: \(verified.stdout)\(verified.stderr)")
            let fresh = try world.freshClone()
            let freshVerified = try Sync.run(["verify"], registry: fresh, expect: nil)
            #expect(freshVerified.status == 0, "\(context): verify of a fresh clone: \(freshVerified.stdout)\(freshVerified.stderr)")
            try? FileManager.default.removeItem(atPath: fresh)
            let again = try Sync.run([command], registry: registry, expect: nil)
            #expect(
                again.status == 0,
                "\(context): running \(command) again: exit \(again.status)\n\(again.stderr)\nleft behind: \(Sync.lockFiles(in: registry))")
            #expect(
                try Sync.stateCommit(registry) == Sync.stateCommit(world.upstream),
                "\(context): the clone and the upstream differ after \(command)")
            completed = round + 1
            // One stuck clone makes every later round fail the same way: stop at the first.
            if again.status != 0 { break }
        }
        // Every write, killed push or not, is on the upstream exactly once.
        let log = try world.upstreamLog()
        var logged: [String: Int] = [:]
        for event in log { logged[event["message"] as? String ?? "", default: 0] += 1 }
        for round in 0..<completed {
            let message = round % 2 == 0 ? "kill-write-\(round)" : "kill-push-\(round)"
            #expect(logged[message, default: 0] == 1, "\(message) is logged \(logged[message, default: 0]) times (seed \(seed))")
        }
        let seqs = log.map { ($0["seq"] as? NSNumber)?.intValue ?? -1 }
        #expect(seqs == Array((0..<log.count).reversed()), "state sequence numbers: \(seqs)")
        try Sync.run(["verify"], registry: writer)
        #expect(completed == rounds, "stopped after round \(completed - 1) of \(rounds) (seed \(seed))")
        let finishedFirst = completed - killedRunning
        print("[sync] f. \(completed) rounds, \(killedRunning) killed, \(finishedFirst) finished first: \(Sync.elapsed(since: start))")
    }

    @Test("f. a push and a pull whose fetch already landed (what a kill right after the fetch leaves) succeed when run again")
    func rerunAfterTheFetchLanded() throws {
        let world = try SyncWorld([.git], label: "sync-refetch")
        defer { world.remove() }
        let pusher = try world.clone(.git, as: "pusher")
        let reader = try world.clone(.git, as: "reader")
        let writer = try world.clone(.path, as: "writer")
        try Sync.run(
            ["promote", "reply-verifier@1.0.0", "canary", "--traffic", "21", "-m", "refetch-offline", "--offline"], registry: pusher)
        try Sync.run(["promote", "support-agent@1.0.0", "canary", "--traffic", "22", "-m", "refetch-online"], registry: writer)
        let upstream = try #require(try Sync.stateCommit(world.upstream))
        // The fetch of a killed push or pull has moved the tracking refs; the local state has not moved.
        for clone in [pusher, reader] {
            let fetched = try StockGit.run(clone, ["fetch", "--quiet", "origin"])
            #expect(fetched.status == 0, "\(fetched.output)")
            #expect(try Sync.git(clone, ["rev-parse", "refs/promptreg-remotes/origin/state"]) == upstream)
        }
        #expect(try Sync.stateCommit(reader) != upstream)

        let pushed = try Sync.run(["push"], registry: pusher, expect: nil)
        #expect(pushed.status == 0, "push after the fetch landed: exit \(pushed.status)\n\(pushed.stderr)")
        let log = try world.upstreamLog()
        #expect(log.prefix(2).map { $0["message"] as? String ?? "" } == ["refetch-offline", "refetch-online"], "\(log.prefix(2))")
        #expect(try Sync.stateCommit(pusher) == Sync.stateCommit(world.upstream))

        let pulled = try Sync.run(["pull"], registry: reader, expect: nil)
        #expect(pulled.status == 0, "pull after the fetch landed: exit \(pulled.status)\n\(pulled.stderr)")
        #expect(try Sync.stateCommit(reader) == Sync.stateCommit(world.upstream))
        try Sync.run(["verify"], registry: pusher)
        try Sync.run(["verify"], registry: reader)
    }

    // MARK: g. the server goes away

    @Test("g. the git daemon stops: pull and writes exit 69 naming the URL, nothing changes, resolve still answers; restarted, pull works")
    func serverOutage() throws {
        let world = try SyncWorld([.git], label: "sync-outage")
        defer { world.remove() }
        let url = world.url(.git)
        let clone = try world.clone(.git)
        let resolved = try Sync.run(["resolve", "support-agent", "--json"], registry: clone).stdout
        let canary = try Sync.run(["resolve", "support-agent", "--subject", "user-3", "--json"], registry: clone).stdout
        let shown = try Sync.observable(clone)
        world.daemon!.stop()
        let local = try Sync.fingerprint(clone, tracking: true)

        let start = Date()
        let pull = try Sync.run(["pull"], registry: clone, expect: 69, timeout: 60)
        Sync.expectContains(pull.stderr, url, "pull from a stopped server")
        let write = try Sync.run(
            ["promote", "support-agent@1.0.0", "canary", "--traffic", "5", "-m", "g1"], registry: clone, expect: 69, timeout: 60)
        Sync.expectContains(write.stderr, url, "write-through to a stopped server")
        print("[sync] g. two commands against a stopped server: \(Sync.elapsed(since: start))")
        #expect(try Sync.fingerprint(clone, tracking: true) == local, "a failed pull or write changed the clone")
        #expect(try Sync.run(["resolve", "support-agent", "--json"], registry: clone).stdout == resolved)
        #expect(try Sync.run(["resolve", "support-agent", "--subject", "user-3", "--json"], registry: clone).stdout == canary)
        #expect(try Sync.observable(clone) == shown)

        try world.daemon!.restart()
        let pulled = try Sync.object(try Sync.run(["pull", "--json"], registry: clone))
        #expect(pulled["state_commit"] as? String == (try Sync.stateCommit(world.upstream)))
        try Sync.run(["promote", "support-agent@1.0.0", "canary", "--traffic", "5", "-m", "g2"], registry: clone)
        #expect(try Sync.event(world.upstream)["message"] as? String == "g2")
    }

    // MARK: h. offline writes

    @Test("h. --offline writes locally only; a later push re-applies it on top of what another clone pushed meanwhile")
    func offlineThenPush() throws {
        let world = try SyncWorld([.git, .http], label: "sync-offline")
        defer { world.remove() }
        let first = try world.clone(.git, as: "first")
        let second = try world.clone(.http, as: "second")
        let before = try #require(try Sync.stateCommit(world.upstream))
        let upstreamBefore = Fingerprint.of(world.upstream)

        try Sync.run(["promote", "support-agent@1.0.0", "canary", "--traffic", "5", "-m", "offline-a", "--offline"], registry: first)
        #expect(Fingerprint.of(world.upstream) == upstreamBefore, "--offline changed the upstream")
        #expect(try Sync.stateCommit(world.upstream) == before)
        let localLog = try Sync.array(try Sync.run(["log", "-n", "1", "--json"], registry: first))
        #expect(localLog.first?["message"] as? String == "offline-a")

        try Sync.run(["promote", "reply-verifier@1.0.1", "prod", "-m", "online-b"], registry: second)
        #expect(try Sync.event(world.upstream)["message"] as? String == "online-b")

        let pushed = try Sync.object(try Sync.run(["push", "--json"], registry: first))
        #expect(pushed["remote"] as? String == "origin")
        #expect((pushed["state_seq"] as? NSNumber)?.intValue == SyncWorld.seededSeq + 2)
        #expect(pushed["state_commit"] as? String == (try Sync.stateCommit(world.upstream)))
        let log = try world.upstreamLog()
        #expect(log.prefix(2).map { $0["message"] as? String ?? "" } == ["offline-a", "online-b"], "\(log.prefix(2))")
        #expect(log.prefix(2).map { ($0["seq"] as? NSNumber)?.intValue ?? -1 } == [SyncWorld.seededSeq + 2, SyncWorld.seededSeq + 1])
        #expect(try Sync.stateCommit(first) == Sync.stateCommit(world.upstream))
        let status = try Sync.array(try Sync.run(["status", "--json"], registry: first))
        func pointer(_ bundle: String, _ channel: String) -> String {
            Sync.target(status.first { $0["bundle"] as? String == bundle && $0["channel"] as? String == channel }?["pointer"])
        }
        #expect(pointer("support-agent", "canary").hasPrefix("1.0.0 ") && pointer("support-agent", "canary").hasSuffix(" 5.0"))
        #expect(pointer("reply-verifier", "prod").hasPrefix("1.0.1 "))
        try Sync.run(["verify"], registry: first)

        // Nothing left to push: success, and the upstream does not move.
        let after = Fingerprint.of(world.upstream)
        try Sync.run(["push"], registry: first)
        #expect(Fingerprint.of(world.upstream) == after, "an empty push changed the upstream")
        try Sync.run(["pull"], registry: second)
        #expect(try Sync.stateCommit(second) == Sync.stateCommit(world.upstream))
    }

    // MARK: i. verify after fast-forwards

    @Test("i. verify passes after pull fast-forwards several state commits, and after stock git fetch into a git clone --mirror")
    func verifyAfterFastForward() throws {
        let world = try SyncWorld([.git], label: "sync-ff")
        defer { world.remove() }
        let reader = try world.clone(.git, as: "reader")
        let writer = try world.clone(.path, as: "writer")
        let mirror = world.directory.join("mirror.git")
        let cloned = try GitServers.git(["clone", "--quiet", "--mirror", world.upstream, mirror])
        #expect(cloned.status == 0, "\(cloned.output)")
        #expect(try Sync.run(["list", "--json"], registry: mirror).stdout == Sync.run(["list", "--json"], registry: world.seed).stdout)
        try Sync.run(["verify"], registry: mirror)

        try Sync.run(["promote", "support-agent@1.0.0", "canary", "--traffic", "15", "-m", "ff1"], registry: writer)
        try Sync.run(["promote", "support-agent@1.0.1", "prod", "-m", "ff2"], registry: writer)
        try Sync.run(["rollback", "prod", "support-agent", "-m", "ff3"], registry: writer)
        let copy = try Sync.editedCopy("reply-verifier", in: world.directory, note: "Fast-forwarded.")
        try Sync.run(["publish", copy, "-m", "ff4"], registry: writer)
        try Sync.run(["channel", "create", "staging", "-m", "ff5"], registry: writer)
        try Sync.run(["promote", "reply-verifier@1.0.2", "staging", "-m", "ff6"], registry: writer)
        let seq = SyncWorld.seededSeq + 6
        #expect(try Sync.stateSeq(world.upstream) == seq)

        let pulled = try Sync.object(try Sync.run(["pull", "--json"], registry: reader))
        #expect((pulled["state_seq"] as? NSNumber)?.intValue == seq)
        #expect(try Sync.stateCommit(reader) == Sync.stateCommit(world.upstream))
        try Sync.run(["verify"], registry: reader)
        #expect(try Sync.run(["status", "--json"], registry: reader).stdout == Sync.run(["status", "--json"], registry: writer).stdout)
        #expect(
            try Sync.run(["log", "-n", "100", "--json"], registry: reader).stdout
                == Sync.run(["log", "-n", "100", "--json"], registry: writer).stdout)

        let fetched = try StockGit.run(mirror, ["fetch", "--quiet"])
        #expect(fetched.status == 0, "\(fetched.output)")
        #expect(try Sync.stateCommit(mirror) == Sync.stateCommit(world.upstream))
        try Sync.run(["verify"], registry: mirror)
        #expect(try Sync.run(["status", "--json"], registry: mirror).stdout == Sync.run(["status", "--json"], registry: writer).stdout)
        #expect(try Sync.run(["resolve", "reply-verifier", "--channel", "staging", "--json"], registry: mirror).status == 0)
    }

    // MARK: j. a stock bare clone

    @Test("j. a stock git clone --bare has no promptreg refs: a clear error saying how to clone, not \"run init\"")
    func stockBareClone() throws {
        let world = try SyncWorld([], label: "sync-bare")
        defer { world.remove() }
        let bare = world.directory.join("bare.git")
        let cloned = try GitServers.git(["clone", "--quiet", "--bare", world.upstream, bare])
        #expect(cloned.status == 0, "\(cloned.output)")
        #expect(try Sync.references(bare).contains("refs/promptreg/") == false, "stock git copied promptreg refs")
        for command in [["list"], ["status"], ["resolve", "support-agent"]] {
            let result = try Sync.run(command, registry: bare, expect: nil)
            let context = "promptreg \(command.joined(separator: " ")) on a stock bare clone"
            #expect(result.status != 0, "\(context) exited 0")
            #expect(
                result.stderr.contains("promptreg clone") || result.stderr.contains("refs/promptreg/*"),
                "\(context): the error should say how to clone (promptreg clone, or the refspec refs/promptreg/*):\n\(result.stderr)")
            #expect(!result.stderr.contains("promptreg init"), "\(context) suggests init:\n\(result.stderr)")
        }
        #expect(try Sync.references(bare).contains("refs/promptreg/") == false, "reading the bare clone wrote promptreg refs")
    }
}
