import Foundation
import GitStore
import PromptRegistry
import TestSupport
import Testing

/// A failure of the test's own set-up (a file the forger expected is not in the state).
private struct ForgeFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Writes state commits behind promptreg's back, as anyone with write access to the git repository
/// could: each on top of the current state commit, with the parent's `event.json` carried over
/// under the next sequence number (so the history itself stays unbroken unless a test edits the
/// event), and the state ref moved with compare-and-swap.
private struct StateForger {
    let repository: GitRepository

    init(_ test: LiveRegistry) throws { repository = try GitRepository.open(at: test.path) }

    /// The state commit the state ref points at.
    func head() throws -> ObjectID {
        guard let head = try repository.referenceTarget("refs/promptreg/state") else { throw ForgeFailure("no state ref") }
        return head
    }

    /// The tree of the state commit.
    func tree() throws -> ObjectID { try repository.readCommit(try head()).tree }

    /// The bytes of state file `path`.
    func read(_ path: String) throws -> Data {
        guard let data = try repository.readFile(path, inTree: try tree()) else { throw ForgeFailure("no \(path) in the state") }
        return data
    }

    /// The path of `name` in the sharded directory `directory` (`directory/<x>/<y>/name`), found by
    /// listing the tree rather than by recomputing the shard.
    func shardedPath(_ name: String, under directory: String) throws -> String {
        let tree = try tree()
        for first in try repository.listTree(directory, inTree: tree) {
            for second in try repository.listTree("\(directory)/\(first)", inTree: tree) {
                let shard = "\(directory)/\(first)/\(second)"
                if try repository.listTree(shard, inTree: tree).contains(name) { return "\(shard)/\(name)" }
            }
        }
        throw ForgeFailure("no \(name) under \(directory)")
    }

    /// The path of the version record of `name@version`, in whichever shard of its bundle it is.
    func versionRecordPath(_ name: String, _ version: String) throws -> String {
        let tree = try tree()
        let bundle = try shardedPath(name, under: "versions")
        for shard in try repository.listTree(bundle, inTree: tree) where try repository.listTree("\(bundle)/\(shard)", inTree: tree).contains(version) {
            return "\(bundle)/\(shard)/\(version)"
        }
        throw ForgeFailure("no record of \(name)@\(version) under \(bundle)")
    }

    /// The sequence number of the state commit.
    func seq() throws -> Int {
        let event = try JSONSerialization.jsonObject(with: try read("event.json")) as? [String: Any]
        guard let seq = event?["seq"] as? Int else { throw ForgeFailure("event.json has no seq") }
        return seq
    }

    /// Commits `files` (nil removes one) on top of the state. The event is the parent's with the
    /// next sequence number; `edit` may change it further. Returns the new commit's sequence number.
    @discardableResult
    func forge(
        _ files: [String: Data?], commitMessage: String = "forged", edit: (inout [String: Any]) -> Void = { _ in }
    ) throws -> Int {
        let head = try head()
        let tree = try repository.readCommit(head).tree
        guard var event = try JSONSerialization.jsonObject(with: try read("event.json")) as? [String: Any],
            let seq = event["seq"] as? Int
        else { throw ForgeFailure("event.json is not an object with a seq") }
        event["seq"] = seq + 1
        edit(&event)
        var all = files
        all["event.json"] = try JSONSerialization.data(withJSONObject: event, options: [.sortedKeys])
        let changes = try all.map { path, data in TreeChange(path: path, blob: try data.map { try repository.writeBlob($0) }) }
        let commit = try repository.createCommit(
            tree: try repository.updateTree(tree, changes: changes), parents: [head],
            author: GitSignature(name: "mallory", email: "mallory@example.com", time: Date()), message: commitMessage)
        try repository.updateReference("refs/promptreg/state", to: commit, expecting: .pointsAt(head), logMessage: "forged")
        return seq + 1
    }
}

/// The lowercase hex SHA-256 of `bytes` (through `Fingerprint`, which hashes files), for placing a
/// document under the shard promptreg will look in.
private func sha256Hex(_ bytes: Data) throws -> String {
    let directory = try TemporaryDirectory("promptreg-hash")
    defer { directory.remove() }
    try bytes.write(to: URL(fileURLWithPath: directory.join("bytes")))
    guard let hex = Fingerprint.of(directory.path)["bytes"] else { throw ForgeFailure("could not hash") }
    return hex
}

/// The files that differ between two fingerprints (added, removed or changed), for messages.
private func changedFiles(_ before: [String: String], _ after: [String: String]) -> [String] {
    Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }.sorted()
}

/// A fingerprint without the accepted-state mark (`promptreg-accepted-state.json`), which a
/// successful read may legitimately advance.
private func withoutAcceptedStateMark(_ fingerprint: [String: String]) -> [String: String] {
    fingerprint.filter { $0.key != "promptreg-accepted-state.json" }
}

/// The state path of bundle `name`'s pointer on `channel`, shard computed as README "Storage layout" says.
private func pointerPath(_ channel: String, _ name: String) throws -> String {
    let hex = try sha256Hex(Data(name.utf8))
    return "channels/\(channel)/pointers/\(hex.prefix(1))/\(hex.dropFirst().prefix(1))/\(name)"
}

/// Where this file's template registry is built: one per test process, removed at exit.
private let liveTemplatePath = (NSTemporaryDirectory() as NSString).appendingPathComponent(
    "promptreg-hostile-library-template-\(getpid())-\(UUID().uuidString.prefix(8))")

/// The template: the three examples published and at 1.0.0 on prod and on canary (5% traffic).
/// Built once (a dozen fsync'd state commits), then copied for each test.
private let liveTemplate = Result<String, any Error> {
    atexit { try? FileManager.default.removeItem(atPath: liveTemplatePath) }
    do {
        let registry = try Registry.create(at: liveTemplatePath, actor: "tester")
        for name in Fixtures.exampleNames {
            _ = try registry.publish(directory: Fixtures.example(name), message: "first release", actor: "tester")
            try registry.promote(.version(name, SemanticVersion(1, 0, 0)), to: "prod", message: "live", actor: "ops")
            try registry.promote(.version(name, SemanticVersion(1, 0, 0)), to: "canary", traffic: 5, message: "try", actor: "ops")
        }
        return liveTemplatePath
    } catch {
        try? FileManager.default.removeItem(atPath: liveTemplatePath)
        throw error
    }
}

/// A private copy of the template registry in a temporary directory, removed by `remove()`.
private struct LiveRegistry {
    /// The temporary directory holding the registry (and any bundle copies a test makes).
    let directory: TemporaryDirectory
    /// The registry, opened on the copy.
    let registry: Registry

    init() throws {
        directory = try TemporaryDirectory("promptreg-hostile")
        let path = directory.join("registry.git")
        do {
            try FileManager.default.copyItem(atPath: try liveTemplate.get(), toPath: path)
            registry = try Registry.open(at: path)
        } catch {
            directory.remove()
            throw error
        }
    }

    /// The registry's path.
    var path: String { registry.path }

    /// Every file of the registry with its SHA-256 (see `Fingerprint`).
    var fingerprint: [String: String] { Fingerprint.of(path) }

    /// Removes everything.
    func remove() { directory.remove() }
}

/// The integrity error `body` throws; records an issue when it throws something else or nothing.
private func integrityError(
    _ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> PromptRegError? {
    do {
        try body()
        Issue.record("\(what) accepted a damaged registry", sourceLocation: sourceLocation)
    } catch let error as PromptRegError {
        #expect(error.code == .integrity, "\(what): \(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("\(what): unexpected \(type(of: error)): \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// A registry whose stored documents were written by someone hostile (through git, behind
/// promptreg's back), read by the library in process: every read that lists many documents
/// returns what it could read and names each damaged document; a read of one document fails with
/// an integrity error that names it; nothing crashes and nothing is written.
@Suite("Hostile registry (library)")
struct HostileRegistryTests {
    /// Forges the canary pointer of support-agent with `traffic` written as `literal`. With
    /// `consistentEvent`, the forging commit's event records the same move (so `event.json` holds
    /// the out-of-range traffic too); without, the event is the parent's under the next seq and
    /// records no change. Returns the pointer's path.
    private func forgeTraffic(_ test: LiveRegistry, _ literal: String, consistentEvent: Bool) throws -> String {
        let forger = try StateForger(test)
        let path = try forger.shardedPath("support-agent", under: "channels/canary/pointers")
        let digest = try test.registry.show(.latest("support-agent")).digest.description
        let seq = try forger.seq() + 1
        let pointer =
            #"{"actor":"mallory","digest":"\#(digest)","format":"promptreg.pointer/v1","seq":\#(seq),"#
            + #""time":"2026-01-01T00:00:00Z","traffic":\#(literal),"version":"1.0.0"}"#
        try forger.forge([path: Data(pointer.utf8)]) { event in
            event["action"] = "promote"
            event["message"] = "forged canary share"
            event["actor"] = "mallory"
            if consistentEvent {
                let target: (Any) -> [String: Any] = { traffic in ["version": "1.0.0", "digest": digest, "traffic": traffic] }
                event["changes"] = [
                    ["bundle": "support-agent", "channel": "canary", "from": target(5), "to": target(Double(literal)!)]
                ]
            } else {
                event["changes"] = [Any]()
            }
        }
        return path
    }

    @Test(
        "a canary pointer with traffic 1e19, 101 or -1: partial reads name it, single reads refuse it, nothing is written",
        arguments: ["1e19", "101", "-1"], [false, true])
    func trafficOutOfRange(_ literal: String, _ consistentEvent: Bool) throws {
        let test = try LiveRegistry()
        defer { test.remove() }
        let path = try forgeTraffic(test, literal, consistentEvent: consistentEvent)
        let before = test.fingerprint
        let registry = try Registry.open(at: test.path)

        let status = try registry.status()
        #expect(status.items.count == 5, "\(status.items.map { "\($0.bundle)/\($0.channel)" })")
        #expect(!status.items.contains { $0.bundle == "support-agent" && $0.channel == "canary" })
        #expect(status.items.filter { $0.channel == "prod" }.count == 3)
        #expect(status.damaged.count == 1, "\(status.damaged)")
        let damaged = try #require(status.damaged.first)
        #expect(damaged.location.contains(path), "\(damaged)")
        #expect(damaged.message.contains("outside 0...100"), "\(damaged)")

        let list = try registry.list()
        #expect(list.items.map(\.name) == ["reply-verifier", "support-agent", "support-triage"])
        #expect(list.items.first { $0.name == "support-agent" }?.channels == ["prod": SemanticVersion(1, 0, 0)])
        #expect(list.damaged.count == 1 && list.damaged[0].location.contains(path), "\(list.damaged)")

        let report = try registry.verify()
        #expect(report.problems.contains { $0.subject == "support-agent on canary" && $0.message.contains(path) }, "\(report.problems)")
        #expect(report.versionsChecked == 3)
        if consistentEvent {
            #expect(report.problems.contains { $0.subject == "state" && $0.message.contains("event.json") }, "\(report.problems)")
        }

        let promote = integrityError("promote canary prod") {
            try registry.promote(channel: "canary", to: "prod", message: "m", actor: "ops")
        }
        #expect(promote.map { $0.message.contains(consistentEvent ? "event.json" : path) } == true, "\(String(describing: promote))")
        if consistentEvent {
            let log = integrityError("log") { _ = try registry.log(limit: 5) }
            #expect(log.map { $0.message.contains("event.json") && $0.message.contains("outside 0...100") } == true)
        } else {
            #expect(try registry.log(limit: 5).first?.message == "forged canary share")
        }
        #expect(test.fingerprint == before, "a read or a refused write changed the registry: \(changedFiles(before, test.fingerprint))")

        let resolve = integrityError("resolve with a subject") {
            _ = try registry.resolve(.channel("support-agent", subject: "user-1"))
        }
        #expect(resolve != nil)
        if !consistentEvent {
            // A resolve that never looks at the damaged pointer still works.
            #expect(try registry.resolve(.channel("reply-verifier")).version == SemanticVersion(1, 0, 0))
        }
        // A resolve may record the state it read as the accepted one (the anti-rollback mark
        // beside the refs); nothing of the repository itself changes.
        #expect(
            withoutAcceptedStateMark(test.fingerprint) == withoutAcceptedStateMark(before),
            "a resolve changed the registry: \(changedFiles(before, test.fingerprint))")
    }

    @Test("names and messages read from a registry reach the library exactly as stored")
    func hostileNamesKeptExact() throws {
        let test = try LiveRegistry()
        defer { test.remove() }
        let forger = try StateForger(test)
        let evil = "evil\u{1b}[2Jname"
        let good = try forger.read(try forger.shardedPath("support-agent", under: "channels/prod/pointers"))
        let title = "\u{1b}]0;title\u{7}"
        try forger.forge([try pointerPath("prod", evil): good], commitMessage: "forged \(title)") { event in
            event["message"] = "hello \(title)"
        }
        let status = try Registry.open(at: test.path).status()
        #expect(status.items.contains { $0.bundle == evil && $0.channel == "prod" }, "\(status.items.map(\.bundle))")
        #expect(status.complete)
        #expect(try Registry.open(at: test.path).log(limit: 1).first?.message == "hello \(title)")
        // It names a version that was never published under that name: verify says so.
        #expect(try test.registry.verify().problems.contains { $0.subject.contains("evil") })
    }

    @Test(
        "a loose version ref with an invalid git ref name: verify and doctor report it and carry on, reads work",
        arguments: ["bad..name", "bad name"])
    func invalidLooseRef(_ name: String) throws {
        let test = try LiveRegistry()
        defer { test.remove() }
        let repository = try GitRepository.open(at: test.path)
        let commit = try #require(try repository.referenceTarget("refs/promptreg/versions/support-agent/1.0.0"))
        let directory = "\(test.path)/refs/promptreg/versions/\(name)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Fixtures.write(commit.hex + "\n", to: "\(directory)/1.0.0")
        let registry = try Registry.open(at: test.path)
        do {
            let report = try registry.verify()
            let mentions = (report.problems + report.warnings).contains { $0.subject.contains(name) || $0.message.contains(name) }
            #expect(mentions, "verify does not mention the ref: \(report.problems) \(report.warnings)")
            #expect(report.versionsChecked == 3)
        } catch {
            Issue.record("verify failed instead of reporting the ref: \(error)")
        }
        do {
            let health = try registry.doctor(fix: false)
            let mentions = (health.verify.problems + health.verify.warnings).contains {
                $0.subject.contains(name) || $0.message.contains(name)
            }
            #expect(mentions, "doctor does not mention the ref")
        } catch {
            Issue.record("doctor failed instead of reporting the ref: \(error)")
        }
        #expect(try registry.list().complete)
        #expect(try registry.status().complete)
        #expect(try registry.resolve(.channel("support-agent")).version == SemanticVersion(1, 0, 0))
    }

    @Test("one pointer that is not JSON among good ones: status, list and verify name it and return the rest")
    func invalidJSONPointer() throws {
        let test = try LiveRegistry()
        defer { test.remove() }
        let forger = try StateForger(test)
        let path = try forger.shardedPath("support-agent", under: "channels/prod/pointers")
        try forger.forge([path: Data(#"{"format":"#.utf8)])
        let registry = try Registry.open(at: test.path)
        let status = try registry.status()
        #expect(status.items.count == 5)
        #expect(status.damaged.count == 1 && status.damaged[0].location.contains(path), "\(status.damaged)")
        let list = try registry.list()
        #expect(list.items.count == 3)
        #expect(list.damaged.count == 1 && list.damaged[0].location.contains(path))
        let report = try registry.verify()
        // The damaged pointer, and (the forged commit's event lists no change) the state history.
        #expect(Set(report.problems.map(\.subject)) == ["state", "support-agent on prod"], "\(report.problems)")
        #expect(report.problems.first { $0.subject == "support-agent on prod" }?.message.contains(path) == true)
        #expect(report.versionsChecked == 3)
        let resolve = integrityError("resolve") { _ = try registry.resolve(.channel("support-agent")) }
        #expect(resolve?.message.contains(path) == true)
        #expect(resolve?.subject.file?.contains(path) == true)
    }

    @Test("a pointer nested 100,000 levels deep is refused by the nesting limit, not a stack overflow")
    func deeplyNestedPointer() throws {
        let test = try LiveRegistry()
        defer { test.remove() }
        let forger = try StateForger(test)
        let path = try forger.shardedPath("support-agent", under: "channels/prod/pointers")
        try forger.forge([path: Data(String(repeating: "[", count: 100_000).utf8)])
        let registry = try Registry.open(at: test.path)
        let status = try registry.status()
        #expect(status.damaged.count == 1, "\(status.damaged)")
        #expect(status.damaged.first.map { $0.message.contains("nested too deeply") && $0.message.contains("32") } == true)
        let resolve = integrityError("resolve") { _ = try registry.resolve(.channel("support-agent")) }
        #expect(resolve.map { $0.message.contains("nested too deeply") && $0.message.contains("32") && $0.message.contains(path) } == true)
        #expect(try registry.verify().problems.contains { $0.message.contains("nested too deeply") })
    }

    @Test("an event.json nested 100,000 levels deep: log refuses it with the limit")
    func deeplyNestedEvent() throws {
        let test = try LiveRegistry()
        defer { test.remove() }
        // Written last by forge, so replace the whole commit's event by hand.
        let forger = try StateForger(test)
        let head = try forger.head()
        let tree = try forger.repository.updateTree(
            try forger.tree(),
            changes: [
                TreeChange(
                    path: "event.json", blob: try forger.repository.writeBlob(Data(String(repeating: "{\"a\":", count: 100_000).utf8)))
            ])
        let commit = try forger.repository.createCommit(
            tree: tree, parents: [head], author: GitSignature(name: "m", email: "m@example.com", time: Date()), message: "deep")
        try forger.repository.updateReference("refs/promptreg/state", to: commit, expecting: .pointsAt(head), logMessage: "deep")
        let log = integrityError("log") { _ = try Registry.open(at: test.path).log(limit: 5) }
        #expect(
            log.map { $0.message.contains("nested too deeply") && $0.message.contains("32") && $0.message.contains("event.json") } == true)
    }

    @Test("a pointer larger than 1 MiB is refused by its size before it is parsed")
    func oversizedPointer() throws {
        let test = try LiveRegistry()
        defer { test.remove() }
        let forger = try StateForger(test)
        let path = try forger.shardedPath("support-agent", under: "channels/prod/pointers")
        let good = String(decoding: try forger.read(path), as: UTF8.self)
        let padded = good.replacingOccurrences(of: #""actor":"ops""#, with: #""actor":"ops\#(String(repeating: " ", count: 2 << 20))""#)
        #expect(padded.utf8.count > 2 << 20)
        try forger.forge([path: Data(padded.utf8)])
        let registry = try Registry.open(at: test.path)
        let status = try registry.status()
        #expect(status.damaged.count == 1)
        #expect(status.damaged.first.map { $0.message.contains("1 MiB") || $0.message.contains("1048576") } == true, "\(status.damaged)")
        let resolve = integrityError("resolve") { _ = try registry.resolve(.channel("support-agent")) }
        #expect(resolve.map { ($0.message.contains("1 MiB") || $0.message.contains("1048576")) && $0.message.contains(path) } == true)
    }

    @Test(
        "a version record whose commit is not a hex id: show, resolve and verify say it is malformed, not moved",
        arguments: ["not-a-commit", "", String(repeating: "g", count: 40), "<ESC>[2J"])
    func malformedCommitID(_ label: String) throws {
        // The test's name shows the argument raw, so the ESC is put in here.
        let commit = label.replacingOccurrences(of: "<ESC>", with: "\u{1b}")
        let test = try LiveRegistry()
        defer { test.remove() }
        let forger = try StateForger(test)
        let record = try forger.versionRecordPath("support-agent", "1.0.0")
        var document = try #require(try JSONSerialization.jsonObject(with: try forger.read(record)) as? [String: Any])
        document["commit"] = commit
        try forger.forge([record: try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])])
        let registry = try Registry.open(at: test.path)
        func malformed(_ error: PromptRegError?) -> Bool {
            guard let message = error?.message else { return false }
            return (message.contains("not a 40-digit hexadecimal commit id") || message.contains("not a commit id"))
                && !message.contains("moved")
        }
        let shown = integrityError("show") { _ = try registry.show(.version("support-agent", SemanticVersion(1, 0, 0))) }
        #expect(malformed(shown), "\(String(describing: shown))")
        let pinned = integrityError("resolve pinned") {
            _ = try registry.resolve(.pinned(.version("support-agent", SemanticVersion(1, 0, 0))))
        }
        #expect(malformed(pinned), "\(String(describing: pinned))")
        let channel = integrityError("resolve prod") { _ = try registry.resolve(.channel("support-agent")) }
        #expect(malformed(channel), "\(String(describing: channel))")
        let problems = try registry.verify().problems.filter { $0.subject == "support-agent@1.0.0" }
        #expect(!problems.isEmpty)
        #expect(problems.allSatisfy { !$0.message.contains("moved") }, "\(problems)")
        #expect(problems.contains { $0.message.contains("commit id") }, "\(problems)")
    }
}
