import Foundation
import PromptRegistry
import TestSupport
import Testing

/// A failure of the test's own set-up (stock git refused a plumbing command, a file is missing).
private struct PlumbingFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Forges state commits with stock git plumbing (hash-object, a scratch index, commit-tree,
/// update-ref with the old value), as anyone with write access to the repository could, behind
/// promptreg's back. Each forged commit is a child of the current state commit whose `event.json`
/// is the parent's under the next sequence number, unless a test edits it.
private struct GitForger {
    let registry: String
    let scratch: TemporaryDirectory

    init(_ registry: String) throws {
        self.registry = registry
        scratch = try TemporaryDirectory("promptreg-forge")
    }

    /// Runs `git --git-dir=<registry> arguments...` and returns its standard output; throws with
    /// its standard error when it fails.
    @discardableResult
    func git(_ arguments: [String], index: String? = nil) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "--git-dir=\(registry)"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_AUTHOR_NAME"] = "mallory"
        environment["GIT_AUTHOR_EMAIL"] = "mallory@example.com"
        environment["GIT_COMMITTER_NAME"] = "mallory"
        environment["GIT_COMMITTER_EMAIL"] = "mallory@example.com"
        if let index { environment["GIT_INDEX_FILE"] = index }
        process.environment = environment
        let out = Pipe()
        let err = scratch.join("git-stderr-\(UUID().uuidString.prefix(8))")
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
            throw PlumbingFailure("git \(arguments.joined(separator: " ")): \(message)")
        }
        return data
    }

    /// `git ... arguments` as one trimmed line of text.
    func line(_ arguments: [String], index: String? = nil) throws -> String {
        String(decoding: try git(arguments, index: index), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The state commit.
    func head() throws -> String { try line(["rev-parse", "refs/promptreg/state"]) }

    /// The bytes of state file `path` at the state commit.
    func read(_ path: String) throws -> Data { try git(["cat-file", "blob", "\(try head()):\(path)"]) }

    /// Every file path under `directory` in the state.
    func files(under directory: String) throws -> [String] {
        try git(["ls-tree", "-r", "-z", "--name-only", try head(), "--", directory]).split(separator: 0)
            .map { String(decoding: $0, as: UTF8.self) }
    }

    /// The path of the file or directory for `name` in the sharded `directory` (`directory/x/y/name`).
    func shardedPath(_ name: String, under directory: String) throws -> String {
        for file in try files(under: directory) {
            let components = file.dropFirst(directory.count + 1).split(separator: "/", omittingEmptySubsequences: false)
            if components.count >= 3, components[2] == name {
                return "\(directory)/\(components[0])/\(components[1])/\(name)"
            }
        }
        throw PlumbingFailure("no \(name) under \(directory)")
    }

    /// The path of the version record of `name@version`, in whichever shard of its bundle it is.
    func versionRecordPath(_ name: String, _ version: String) throws -> String {
        let bundle = try shardedPath(name, under: "versions")
        guard let file = try files(under: bundle).first(where: { $0.hasSuffix("/\(version)") }) else {
            throw PlumbingFailure("no record of \(name)@\(version) under \(bundle)")
        }
        return file
    }

    /// The state commit's event as a JSON object.
    func event() throws -> [String: Any] {
        guard let event = try JSONSerialization.jsonObject(with: try read("event.json")) as? [String: Any] else {
            throw PlumbingFailure("event.json is not an object")
        }
        return event
    }

    /// The sequence number of the state commit.
    func seq() throws -> Int {
        guard let seq = try event()["seq"] as? Int else { throw PlumbingFailure("event.json has no seq") }
        return seq
    }

    /// Writes `data` as a blob and returns its id.
    func blob(_ data: Data) throws -> String {
        let file = scratch.join("blob-\(UUID().uuidString.prefix(8))")
        try data.write(to: URL(fileURLWithPath: file))
        return try line(["hash-object", "-w", "--no-filters", file])
    }

    /// Commits `files` (nil removes one) on top of the state with `commitMessage`; the event is
    /// the parent's with the next seq, then `edit`ed (`rawEvent` replaces it outright). Moves the
    /// state ref from the old head only. Returns the new sequence number.
    @discardableResult
    func forge(
        _ files: [String: Data?], commitMessage: String = "forged", rawEvent: Data? = nil,
        edit: (inout [String: Any]) -> Void = { _ in }
    ) throws -> Int {
        let head = try head()
        var event = try event()
        let seq = (event["seq"] as? Int ?? 0) + 1
        event["seq"] = seq
        edit(&event)
        var all = files
        all["event.json"] = try rawEvent ?? JSONSerialization.data(withJSONObject: event, options: [.sortedKeys])
        let index = scratch.join("index-\(UUID().uuidString.prefix(8))")
        try git(["read-tree", head], index: index)
        for (path, data) in all {
            if let data {
                try git(["update-index", "--add", "--cacheinfo", "100644,\(try blob(data)),\(path)"], index: index)
            } else {
                try git(["update-index", "--force-remove", "--", path], index: index)
            }
        }
        let tree = try line(["write-tree"], index: index)
        let messageFile = scratch.join("message-\(UUID().uuidString.prefix(8))")
        try Data(commitMessage.utf8).write(to: URL(fileURLWithPath: messageFile))
        let commit = try line(["commit-tree", tree, "-p", head, "-F", messageFile])
        try git(["update-ref", "-m", "forged", "refs/promptreg/state", commit, head])
        return seq
    }
}

/// The lowercase hex SHA-256 of `bytes` (through `Fingerprint`, which hashes files).
private func sha256Hex(_ bytes: Data) throws -> String {
    let directory = try TemporaryDirectory("promptreg-hash")
    defer { directory.remove() }
    try bytes.write(to: URL(fileURLWithPath: directory.join("bytes")))
    guard let hex = Fingerprint.of(directory.path)["bytes"] else { throw PlumbingFailure("could not hash") }
    return hex
}

/// The files that differ between two fingerprints (added, removed or changed), for messages.
private func changedFiles(_ before: [String: String], _ after: [String: String]) -> [String] {
    Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }.sorted()
}

/// The state path of bundle `name`'s pointer on `channel`, shard as README "Storage layout" says.
private func pointerPath(_ channel: String, _ name: String) throws -> String {
    let hex = try sha256Hex(Data(name.utf8))
    return "channels/\(channel)/pointers/\(hex.prefix(1))/\(hex.dropFirst().prefix(1))/\(name)"
}

/// The `error` object of a `--json` error on standard error.
private func jsonError(_ result: CLI.Result) -> [String: Any]? {
    guard let data = result.stderr.data(using: .utf8),
        let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    else { return nil }
    return document["error"] as? [String: Any]
}

/// The registry's refs (loose refs and packed-refs) with their fingerprints.
private func refs(_ path: String) -> [String: String] {
    Fingerprint.of(path).filter { $0.key.hasPrefix("refs/") || $0.key == "packed-refs" }
}

/// Every `*.lock` file left in the registry.
private func lockFiles(_ path: String) -> [String] {
    Fingerprint.of(path).keys.filter { $0.hasSuffix(".lock") }.sorted()
}

/// Where this file's template registry is built: one per test process, removed at exit.
private let liveTemplatePath = (NSTemporaryDirectory() as NSString).appendingPathComponent(
    "promptreg-hostile-cli-template-\(getpid())-\(UUID().uuidString.prefix(8))")

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

/// A registry whose documents were written by someone hostile, read by the built `promptreg` as
/// real processes: every command ends with a documented exit code (68 for damage, never a trap or
/// a signal, never 70 for damage that is not a storage failure), names the damaged document,
/// carries on past it where it lists many, never prints a stored control character raw to a
/// terminal, and writes nothing. Storage failures (a file-size limit of 0) exit 70 and leave the
/// registry as it was.
@Suite("Hostile registry (promptreg processes)")
struct HostileRegistryCLITests {
    /// Runs `promptreg arguments... --registry <test>`.
    private func promptreg(_ test: LiveRegistry, _ arguments: String...) throws -> CLI.Result {
        try CLI.run(arguments + ["--registry", test.path])
    }

    /// `result` as text for a failure message.
    private func show(_ result: CLI.Result) -> String { "exit \(result.status)\nstdout: \(result.stdout)\nstderr: \(result.stderr)" }

    // MARK: 1. traffic out of range

    @Test(
        "a canary pointer with traffic 1e19, 101 or -1: status, log, list, promote and verify exit 68 naming it, never trap",
        arguments: ["1e19", "101", "-1"], [false, true])
    func trafficOutOfRange(_ literal: String, _ consistentEvent: Bool) throws {
        // consistentEvent false: the forging commit's event records no change (only the pointer
        // is damaged; log, which reads events only, has nothing to refuse). true: the event records
        // the move with the same traffic, as a real promote would (event.json is damaged too).
        let test = try LiveRegistry()
        defer { test.remove() }
        let forger = try GitForger(test.path)
        defer { forger.scratch.remove() }
        let path = try forger.shardedPath("support-agent", under: "channels/canary/pointers")
        let digest = try test.registry.show(.latest("support-agent")).digest.description
        let seq = try forger.seq() + 1
        let pointer =
            #"{"actor":"mallory","digest":"\#(digest)","format":"promptreg.pointer/v1","seq":\#(seq),"#
            + #""time":"2026-01-01T00:00:00Z","traffic":\#(literal),"version":"1.0.0"}"#
        try forger.forge([path: Data(pointer.utf8)]) { event in
            event["action"] = "promote"
            event["message"] = "forged canary share"
            if consistentEvent {
                let target: (Any) -> [String: Any] = { ["version": "1.0.0", "digest": digest, "traffic": $0] }
                event["changes"] = [["bundle": "support-agent", "channel": "canary", "from": target(5), "to": target(Double(literal)!)]]
            } else {
                event["changes"] = [Any]()
            }
        }
        let before = test.fingerprint

        let status = try promptreg(test, "status")
        #expect(status.status == 68, "\(show(status))")
        #expect(
            status.stderr.hasPrefix("error:") && status.stderr.contains(path) && status.stderr.contains("outside 0...100"),
            "\(show(status))")
        #expect(status.stdout.contains("reply-verifier") && status.stdout.contains("support-triage"), "the readable pointers are not shown")
        #expect(status.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("support-agent") }.count == 1, "\(status.stdout)")

        let statusJSON = try promptreg(test, "status", "--json")
        #expect(statusJSON.status == 68, "\(show(statusJSON))")
        let items = try JSONSerialization.jsonObject(with: Data(statusJSON.stdout.utf8)) as? [[String: Any]]
        #expect(items?.count == 5, "\(statusJSON.stdout)")
        let error = jsonError(statusJSON)
        #expect(error?["code"] as? String == "integrity" && error?["exit_code"] as? Int == 68, "\(statusJSON.stderr)")
        #expect((error?["message"] as? String)?.contains(path) == true, "\(statusJSON.stderr)")

        let list = try promptreg(test, "list")
        #expect(list.status == 68, "\(show(list))")
        #expect(list.stderr.contains(path), "\(show(list))")
        #expect(Fixtures.exampleNames.allSatisfy { list.stdout.contains($0) }, "\(list.stdout)")

        let log = try promptreg(test, "log")
        if consistentEvent {
            #expect(log.status == 68, "\(show(log))")
            #expect(log.stderr.contains("event.json") && log.stderr.contains("outside 0...100"), "\(show(log))")
        } else {
            // log reads events only, and this event is sound.
            #expect(log.status == 0, "\(show(log))")
            #expect(log.stdout.contains("forged canary share"), "\(log.stdout)")
        }

        let promote = try promptreg(test, "promote", "canary", "prod", "-m", "ship")
        #expect(promote.status == 68, "\(show(promote))")
        #expect(promote.stderr.contains(consistentEvent ? "event.json" : path), "\(show(promote))")

        let verify = try promptreg(test, "verify")
        #expect(verify.status == 68, "\(show(verify))")
        #expect(verify.stdout.contains("FAIL support-agent on canary") && verify.stdout.contains(path), "\(show(verify))")

        let doctor = try promptreg(test, "doctor")
        #expect(doctor.status == 68, "\(show(doctor))")
        #expect(doctor.stdout.contains(path), "\(show(doctor))")

        #expect(
            test.fingerprint == before, "a read or a refused promote changed the registry: \(changedFiles(before, test.fingerprint))")
    }

    // MARK: 2. names and messages printed raw

    @Test("a pointer and a channel named with ESC sequences: text output escapes them, JSON keeps them exact")
    func escapeSequencesInNames() throws {
        let test = try LiveRegistry()
        defer { test.remove() }
        let forger = try GitForger(test.path)
        defer { forger.scratch.remove() }
        let evil = "evil\u{1b}[2Jname"
        let evilChannel = "red\u{1b}[31m"
        let good = try forger.read(try forger.shardedPath("support-agent", under: "channels/prod/pointers"))
        try forger.forge([try pointerPath("prod", evil): good, try pointerPath(evilChannel, "support-agent"): good])

        for arguments in [["status"], ["list"], ["verify"], ["doctor"], ["channel", "list"]] {
            let result = try CLI.run(arguments + ["--registry", test.path])
            #expect(
                !result.stdout.contains("\u{1b}") && !result.stderr.contains("\u{1b}"), "promptreg \(arguments): raw ESC in \(show(result))"
            )
            #expect([0, 68].contains(result.status), "promptreg \(arguments): \(show(result))")
        }
        let status = try promptreg(test, "status")
        #expect(status.status == 0, "\(show(status))")
        #expect(status.stdout.contains(#"evil\u{1b}[2Jname"#), "\(status.stdout)")
        #expect(status.stdout.contains(#"red\u{1b}[31m"#), "\(status.stdout)")

        let json = try promptreg(test, "status", "--json")
        #expect(json.status == 0, "\(show(json))")
        #expect(!json.stdout.contains("\u{1b}"), "JSON output holds a raw ESC")
        #expect(json.stdout.lowercased().contains(#"evil\u001b[2jname"#), "\(json.stdout)")
        let items = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(items.contains { $0["bundle"] as? String == evil && $0["channel"] as? String == "prod" })
        #expect(items.contains { $0["bundle"] as? String == "support-agent" && $0["channel"] as? String == evilChannel })
    }

    @Test("an event and commit message with an OSC title sequence and BEL: log escapes them, log --json keeps them")
    func escapeSequencesInMessages() throws {
        let test = try LiveRegistry()
        defer { test.remove() }
        let forger = try GitForger(test.path)
        defer { forger.scratch.remove() }
        let title = "\u{1b}]0;title\u{7}"
        try forger.forge([:], commitMessage: "promote: \(title)\n") { event in
            event["action"] = "promote"
            event["message"] = "set the title \(title)"
            event["actor"] = "mallory\(title)"
            event["changes"] = [Any]()
        }
        let log = try promptreg(test, "log", "-n", "3")
        #expect(log.status == 0, "\(show(log))")
        #expect(!log.stdout.contains("\u{1b}") && !log.stdout.contains("\u{7}"), "raw escape in \(log.stdout)")
        #expect(!log.stderr.contains("\u{1b}") && !log.stderr.contains("\u{7}"))
        #expect(log.stdout.contains(#"set the title \u{1b}]0;title\u{7}"#), "\(log.stdout)")
        #expect(log.stdout.contains(#"mallory\u{1b}]0;title\u{7}"#), "\(log.stdout)")
        let json = try promptreg(test, "log", "-n", "1", "--json")
        #expect(json.status == 0, "\(show(json))")
        let events = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(events.first?["message"] as? String == "set the title \(title)")
        #expect(events.first?["actor"] as? String == "mallory\(title)")
    }

    // MARK: 3. invalid ref names

    @Test(
        "a loose version ref with an invalid git ref name: doctor and verify report it without a storage failure; reads work",
        arguments: ["bad..name", "bad name", "bad<ESC>name"])
    func invalidLooseRef(_ label: String) throws {
        // The test's name shows the argument raw, so the ESC is put in here.
        let name = label.replacingOccurrences(of: "<ESC>", with: "\u{1b}")
        let test = try LiveRegistry()
        defer { test.remove() }
        let commit = try StockGit.run(test.path, ["rev-parse", "refs/promptreg/versions/support-agent/1.0.0"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(commit.count == 40, "\(commit)")
        let directory = "\(test.path)/refs/promptreg/versions/\(name)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Fixtures.write(commit + "\n", to: "\(directory)/1.0.0")
        let printable = Names.printable(name)
        for command in ["verify", "doctor"] {
            let result = try promptreg(test, command)
            #expect(result.status != 70, "\(command) failed as storage: \(show(result))")
            #expect([0, 68].contains(result.status), "\(command): \(show(result))")
            #expect(
                result.stdout.contains(printable) || result.stderr.contains(printable),
                "\(command) does not mention the ref: \(show(result))")
            #expect(!result.stdout.contains("\u{1b}") && !result.stderr.contains("\u{1b}"))
        }
        for arguments in [["list"], ["status"], ["resolve", "support-agent"], ["versions", "support-agent"]] {
            let result = try CLI.run(arguments + ["--registry", test.path])
            #expect(result.status == 0, "promptreg \(arguments.joined(separator: " ")): \(show(result))")
        }
    }

    // MARK: 4. one bad document among good ones

    @Test("one pointer that is not JSON: list, status, verify and doctor report it, show the rest, exit 68, advice does not loop")
    func invalidJSONPointer() throws {
        let test = try LiveRegistry()
        defer { test.remove() }
        let forger = try GitForger(test.path)
        defer { forger.scratch.remove() }
        let path = try forger.shardedPath("support-agent", under: "channels/prod/pointers")
        try forger.forge([path: Data(#"{"format":"#.utf8)])
        let before = test.fingerprint

        for command in ["list", "status"] {
            let result = try promptreg(test, command)
            #expect(result.status == 68, "\(command): \(show(result))")
            #expect(result.stderr.hasPrefix("error:") && result.stderr.contains(path), "\(command): \(show(result))")
            #expect(Fixtures.exampleNames.allSatisfy { result.stdout.contains($0) }, "\(command) lost good bundles: \(result.stdout)")
            #expect(!result.stderr.contains("promptreg \(command)"), "\(command) tells the user to run itself again: \(result.stderr)")
            let json = try promptreg(test, command, "--json")
            #expect(json.status == 68, "\(command) --json: \(show(json))")
            let error = jsonError(json)
            #expect((error?["message"] as? String)?.contains(path) == true, "\(json.stderr)")
            #expect((error?["fix"] as? String)?.contains("promptreg \(command)") == false, "\(json.stderr)")
        }
        let verify = try promptreg(test, "verify")
        #expect(verify.status == 68, "\(show(verify))")
        #expect(verify.stdout.contains(path), "\(show(verify))")
        #expect(verify.stdout.contains("in 3 versions"), "verify did not carry on: \(verify.stdout)")
        #expect(!(verify.stdout + verify.stderr).contains("promptreg verify"), "verify tells the user to run verify: \(show(verify))")

        let doctor = try promptreg(test, "doctor")
        #expect(doctor.status == 68, "\(show(doctor))")
        #expect(doctor.stdout.contains(path), "\(show(doctor))")
        #expect(doctor.stdout.contains("3 versions"), "doctor did not carry on: \(doctor.stdout)")
        #expect(!(doctor.stdout + doctor.stderr).contains("promptreg doctor"), "\(show(doctor))")
        #expect(test.fingerprint == before, "changed: \(changedFiles(before, test.fingerprint))")
    }

    // MARK: 5. nesting and size limits

    @Test("a pointer nested 100,000 levels deep is refused with the nesting limit, exit 68, no crash")
    func deeplyNestedPointer() throws {
        let test = try LiveRegistry()
        defer { test.remove() }
        let forger = try GitForger(test.path)
        defer { forger.scratch.remove() }
        let path = try forger.shardedPath("support-agent", under: "channels/prod/pointers")
        try forger.forge([path: Data(String(repeating: "[", count: 100_000).utf8)])
        for arguments in [["resolve", "support-agent"], ["status"], ["list"], ["verify"]] {
            let result = try CLI.run(arguments + ["--registry", test.path])
            #expect(result.status == 68, "\(arguments): \(show(result))")
            let output = result.stdout + result.stderr
            #expect(output.contains("nested too deeply") && output.contains("32") && output.contains(path), "\(arguments): \(show(result))")
        }
    }

    @Test("an event.json nested 100,000 levels deep: log refuses it with the nesting limit, exit 68")
    func deeplyNestedEvent() throws {
        let test = try LiveRegistry()
        defer { test.remove() }
        let forger = try GitForger(test.path)
        defer { forger.scratch.remove() }
        try forger.forge([:], rawEvent: Data(String(repeating: #"{"a":"#, count: 100_000).utf8))
        let log = try promptreg(test, "log")
        #expect(log.status == 68, "\(show(log))")
        #expect(log.stderr.contains("nested too deeply") && log.stderr.contains("32") && log.stderr.contains("event.json"), "\(show(log))")
    }

    @Test("a pointer of more than 1 MiB is refused by its size, exit 68")
    func oversizedPointer() throws {
        let test = try LiveRegistry()
        defer { test.remove() }
        let forger = try GitForger(test.path)
        defer { forger.scratch.remove() }
        let path = try forger.shardedPath("support-agent", under: "channels/prod/pointers")
        let good = String(decoding: try forger.read(path), as: UTF8.self)
        let padded = good.replacingOccurrences(of: #""actor":"ops""#, with: #""actor":"ops\#(String(repeating: " ", count: 2 << 20))""#)
        #expect(padded.utf8.count > 2 << 20, "the padding did not apply")
        try forger.forge([path: Data(padded.utf8)])
        for arguments in [["resolve", "support-agent"], ["status"]] {
            let result = try CLI.run(arguments + ["--registry", test.path])
            #expect(result.status == 68, "\(arguments): \(show(result))")
            #expect(result.stderr.contains("1 MiB") || result.stderr.contains("1048576"), "\(arguments): \(show(result))")
            #expect(result.stderr.contains(path), "\(arguments): \(show(result))")
        }
    }

    // MARK: 6. malformed commit id in a version record

    @Test(
        "a version record whose commit is not a hex id: resolve and show exit 68 saying it is malformed, not moved",
        arguments: ["not-a-commit", String(repeating: "g", count: 40)])
    func malformedCommitID(_ commit: String) throws {
        let test = try LiveRegistry()
        defer { test.remove() }
        let forger = try GitForger(test.path)
        defer { forger.scratch.remove() }
        let record = try forger.versionRecordPath("support-agent", "1.0.0")
        var document = try #require(try JSONSerialization.jsonObject(with: try forger.read(record)) as? [String: Any])
        document["commit"] = commit
        try forger.forge([record: try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])])
        for arguments in [["resolve", "support-agent@1.0.0"], ["show", "support-agent@1.0.0"], ["resolve", "support-agent"]] {
            let result = try CLI.run(arguments + ["--registry", test.path])
            #expect(result.status == 68, "\(arguments): \(show(result))")
            #expect(
                result.stderr.contains("not a 40-digit hexadecimal commit id") || result.stderr.contains("not a commit id"),
                "\(arguments): \(show(result))")
            #expect(!result.stderr.contains("moved"), "\(arguments): \(show(result))")
        }
        let verify = try promptreg(test, "verify")
        #expect(verify.status == 68 && verify.stdout.contains("support-agent@1.0.0") && !verify.stdout.contains("moved"), "\(show(verify))")
    }

    // MARK: 7. storage failures

    /// Runs `promptreg arguments...` under `ulimit -f 0` with SIGXFSZ ignored: every write to a
    /// regular file fails with EFBIG (pipes are unaffected, so the output still arrives).
    /// With `redirect` ("stdout" or "stderr"), that stream goes to the file `file` instead of a
    /// pipe, so writing it fails too.
    private func runWithoutDiskSpace(
        _ arguments: [String], redirect: String? = nil, to file: String = "/dev/null"
    ) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        let redirection = redirect == "stdout" ? #" >"$PROMPTREG_OUTPUT""# : redirect == "stderr" ? #" 2>"$PROMPTREG_OUTPUT""# : ""
        process.arguments = ["-c", #"trap '' XFSZ; ulimit -f 0; exec "$PROMPTREG" "$@""# + redirection, "promptreg"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PROMPTREG_REGISTRY"] = nil
        environment["PROMPTREG_ACTOR"] = nil
        environment["PROMPTREG"] = CLI.binary
        environment["PROMPTREG_OUTPUT"] = file
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit, "promptreg was killed by signal \(process.terminationStatus)")
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    @Test(
        "promote and publish whose object writes fail (file size limit 0): exit 70 naming the operation, registry unchanged",
        arguments: [
            ["promote", "support-agent@1.0.0", "canary", "--traffic", "7", "-m", "more"],
            ["promote", "canary", "prod", "-m", "ship"],
            ["publish", "NEW", "-m", "new version"],
        ])
    func writeFails(_ template: [String]) throws {
        let test = try LiveRegistry()
        defer { test.remove() }
        let source = try Fixtures.copy("support-agent", into: test.directory, as: "support-agent-next")
        try Fixtures.edit("\(source)/prompts/system.mustache", replacing: "Be brief", with: "Be very brief")
        let arguments = template.map { $0 == "NEW" ? source : $0 } + ["--registry", test.path]
        let before = test.fingerprint
        let refsBefore = refs(test.path)

        let failed = try runWithoutDiskSpace(arguments)
        #expect(failed.status == 70, "exit \(failed.status)\nstdout: \(failed.stdout)\nstderr: \(failed.stderr)")
        #expect(failed.stderr.hasPrefix("error:"), "\(failed.stderr)")
        #expect(
            ["write blob", "write tree", "write commit", "store pack of new objects"].contains { failed.stderr.contains($0) },
            "the failing operation is not named: \(failed.stderr)")
        #expect(lockFiles(test.path).isEmpty, "lock files left: \(lockFiles(test.path))")
        #expect(refs(test.path) == refsBefore, "refs changed")
        #expect(test.fingerprint == before, "changed: \(changedFiles(before, test.fingerprint))")
        if template[0] == "publish" {
            #expect(!FileManager.default.fileExists(atPath: "\(test.path)/refs/promptreg/versions/support-agent/1.0.1"))
        }

        // Without the limit the same command goes through: the failure was the disk's.
        let again = try CLI.run(arguments)
        #expect(again.status == 0, "\(show(again))")
    }

    @Test(
        "standard output or error on a file that cannot grow: exit 70, never a trap, never a silent success",
        arguments: [
            (["status", "--json"], "stdout"),
            (["status"], "stdout"),
            (["resolve", "support-agent", "--json"], "stdout"),
            (["promote", "support-agent@1.0.0", "canary", "--traffic", "7", "-m", "more"], "stderr"),
        ])
    func outputFails(_ arguments: [String], _ stream: String) throws {
        let test = try LiveRegistry()
        defer { test.remove() }
        let before = test.fingerprint
        let file = test.directory.join("output-\(stream).txt")
        let result = try runWithoutDiskSpace(arguments + ["--registry", test.path], redirect: stream, to: file)
        // A full disk under the output file is a file-system failure: README "Exit codes" says 70.
        let command = "promptreg \(arguments.joined(separator: " ")) with \(stream) on a full disk"
        #expect(result.status == 70, "\(command): exit \(result.status)\n\(result.stdout)\n\(result.stderr.prefix(600))")
        #expect(test.fingerprint == before, "the registry changed; changed: \(changedFiles(before, test.fingerprint))")
        #expect(lockFiles(test.path).isEmpty)
    }
}
