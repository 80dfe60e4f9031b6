import Foundation
import PromptRegistry
import TestSupport
import Testing

/// End-to-end: the built `promptreg` as a process on a temporary registry.
@Suite("promptreg as a process")
struct CommandLineTests {
    let directory: TemporaryDirectory
    let registry: String

    init() throws {
        directory = try TemporaryDirectory("promptreg-cli")
        registry = directory.join("reg")
    }

    @discardableResult
    private func promptreg(_ arguments: String..., expect status: Int32 = 0, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> CLI.Result
    {
        let location = arguments.first == "init" ? [] : ["--registry", registry]
        let result = try CLI.run(arguments + location, environment: ["PROMPTREG_ACTOR": "cli-tester"])
        #expect(result.status == status, "promptreg \(arguments.joined(separator: " ")): \(result.stderr)", sourceLocation: sourceLocation)
        return result
    }

    private func json(_ result: CLI.Result) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    @Test("init, publish, list, versions, show, diff and verify, readable by stock git")
    func foundation() throws {
        defer { directory.remove() }
        #expect(try CLI.run(["init", registry]).status == 0)
        #expect(try CLI.run(["init", registry]).status == 0, "init twice is harmless")
        for name in Fixtures.exampleNames {
            let result = try promptreg("publish", Fixtures.example(name), "-m", "first release of \(name)")
            #expect(result.stdout.wholeMatch(of: /published [a-z-]+@1\.0\.0 sha256:[0-9a-f]{64}\n/) != nil, "\(result.stdout)")
        }
        let copy = try Fixtures.copy("support-agent", into: directory)
        try Fixtures.edit("\(copy)/prompts/system.mustache", replacing: "Be brief, specific and kind.", with: "Be brief and kind.")
        try Fixtures.edit("\(copy)/bundle.yaml", replacing: "temperature: 0.3", with: "temperature: 0.2")
        let published = try json(try promptreg("publish", copy, "-m", "cooler", "--json")) as! [String: Any]
        #expect(published["version"] as? String == "1.1.0")
        #expect(published["required_bump"] as? String == "minor")

        let list = try json(try promptreg("list", "--json")) as! [[String: Any]]
        #expect(list.map { $0["name"] as! String } == ["reply-verifier", "support-agent", "support-triage"])
        let versions = try json(try promptreg("versions", "support-agent", "--json")) as! [[String: Any]]
        #expect(versions.map { $0["version"] as! String } == ["1.0.0", "1.1.0"])
        #expect(versions.last?["message"] as? String == "cooler")

        let shown = try json(try promptreg("show", "support-agent@1.0.0", "--json")) as! [String: Any]
        for key in ["name", "version", "digest", "layers", "actor", "time", "message"] { #expect(shown[key] != nil, "show lacks \(key)") }
        #expect(shown["actor"] as? String == "cli-tester")
        #expect((shown["layers"] as? [String: String])?.keys.sorted() == ["model", "parameters", "prompt", "tools"])
        let digest = shown["digest"] as! String
        #expect(try promptreg("show", "support-agent@\(digest)").stdout.contains("support-agent@1.0.0"))
        let tools = try json(try promptreg("show", "support-agent", "--layer", "tools")) as! [String: Any]
        #expect((tools["tools"] as? [[String: Any]])?.map { $0["name"] as! String } == ["lookup_order", "issue_refund"])

        let diff = try promptreg("diff", "support-agent@1.0.0", "support-agent@1.1.0").stdout
        #expect(diff.contains("-Be brief, specific and kind."))
        #expect(diff.contains("+Be brief and kind."))
        #expect(diff.contains("parameters.temperature: changed 0.3 -> 0.2"))
        #expect(diff.contains("required bump: minor"))
        let diffJSON = try json(try promptreg("diff", "support-agent@1.0.0", "support-agent@1.1.0", "--json")) as! [String: Any]
        #expect(diffJSON["changed_layers"] as? [String] == ["prompt", "parameters"])

        #expect(try promptreg("verify").stdout.hasPrefix("ok: 4 versions"))
        let fsck = try StockGit.run(registry, ["fsck", "--strict"])
        #expect(fsck.status == 0, "\(fsck.output)")
        #expect(!fsck.output.contains("error"))
        let log = try StockGit.run(registry, ["log", "--format=%an|%B", "refs/promptreg/versions/support-agent/1.1.0"])
        #expect(log.output.contains("cli-tester|publish support-agent@1.1.0"))
        #expect(log.output.contains("cooler"))
        let stateLog = try StockGit.run(registry, ["log", "-1", "--format=%B", "refs/promptreg/state"])
        #expect(stateLog.output.contains("seq: 4") && stateLog.output.contains("actor: cli-tester"))
    }

    @Test("exit codes are distinct and errors leave the registry unchanged")
    func exitCodes() throws {
        defer { directory.remove() }
        try promptreg("init", registry)
        try promptreg("publish", Fixtures.example("support-agent"), "-m", "one")
        let before = Fingerprint.of(registry)
        try promptreg("publish", Fixtures.example("support-agent"), "--no-such-flag", "-m", "x", expect: 64)
        try promptreg("publish", Fixtures.example("support-agent"), "-m", "x", "--version", "v1.0.0", expect: 65)
        try promptreg("publish", Fixtures.example("support-agent"), "-m", "x", "--version", "1.0", expect: 65)
        try promptreg("publish", Fixtures.example("support-agent"), "-m", "x", "--version", "01.0.0", expect: 65)
        try promptreg("publish", directory.join("missing"), "-m", "x", expect: 66)
        try promptreg("show", "ghost", expect: 66)
        try promptreg("show", "support-agent@2.0.0", expect: 66)
        try promptreg("show", "Bad..Name", expect: 65)
        let conflict = try promptreg("publish", Fixtures.example("support-agent"), "-m", "again", expect: 67)
        #expect(conflict.stderr.contains("identical to the published support-agent@1.0.0"))
        try promptreg("publish", Fixtures.example("support-triage"), "-m", "x", "--version", "1.0.0", "--bump", "minor", expect: 64)
        try promptreg("doctor", "--stale-after", "-1", expect: 64)
        try promptreg("lock", "ghost", expect: 66)
        try promptreg("render", "support-agent", "--vars", directory.join("none.json"), "--format", "openai", expect: 66)
        try promptreg("render", "support-agent", "--vars", directory.join("none.json"), "--format", "cohere", expect: 64)
        try promptreg("promote", "support-agent@1.0.0", "Prod", expect: 65)
        try promptreg("rollback", "prod", expect: 67)
        #expect(Fingerprint.of(registry) == before)

        let notEmpty = directory.join("notes")
        try FileManager.default.createDirectory(atPath: notEmpty, withIntermediateDirectories: true)
        try Fixtures.write("mine", to: "\(notEmpty)/a.txt")
        #expect(try CLI.run(["init", notEmpty]).status == 65)
        #expect(try FileManager.default.contentsOfDirectory(atPath: notEmpty) == ["a.txt"])
    }

    @Test("the registry is found through PROMPTREG_REGISTRY or a .promptreg directory above")
    func discovery() throws {
        defer { directory.remove() }
        let project = directory.join("project")
        let nested = "\(project)/services/agent"
        try FileManager.default.createDirectory(atPath: nested, withIntermediateDirectories: true)
        #expect(try CLI.run(["init"], directory: project).status == 0)
        #expect(FileManager.default.fileExists(atPath: "\(project)/.promptreg/HEAD"))
        let published = try CLI.run(["publish", Fixtures.example("reply-verifier"), "-m", "m", "--actor", "dora"], directory: nested)
        #expect(published.status == 0, "\(published.stderr)")
        let shown = try CLI.run(["show", "reply-verifier", "--json"], environment: ["PROMPTREG_REGISTRY": "\(project)/.promptreg"])
        #expect(shown.stdout.contains(#""actor" : "dora""#))
        let lost = try CLI.run(["list"], directory: directory.path)
        #expect(lost.status == 66 && lost.stderr.contains("promptreg init"))
    }

    @Test("promote, rollback, status, log, resolve, lock and render")
    func channels() throws {
        defer { directory.remove() }
        try promptreg("init", registry)
        for name in Fixtures.exampleNames {
            try promptreg("publish", Fixtures.example(name), "-m", "one")
            try promptreg("promote", "\(name)@1.0.0", "prod")
            let copy = try Fixtures.copy(name, into: directory)
            try Fixtures.edit("\(copy)/bundle.yaml", replacing: "description: ", with: "description: Second. ")
            try promptreg("publish", copy, "-m", "two")
            try promptreg("promote", "\(name)@1.0.1", "canary", "--traffic", "12.5", "-m", "try it")
        }
        let status = try json(try promptreg("status", "--json")) as! [[String: Any]]
        #expect(status.count == 6)
        #expect(try promptreg("status").stdout.contains("12.5%"))
        try promptreg("promote", "canary", "prod", "-m", "release two")
        let lock = directory.join("release.lock")
        try promptreg("lock", "support-triage", "support-agent", "reply-verifier", "-o", lock)
        try promptreg("rollback", "prod", "-m", "too generous")
        let log = try json(try promptreg("log", "-n", "2", "--json")) as! [[String: Any]]
        #expect(log.map { $0["action"] as! String } == ["rollback", "promote"])
        #expect((log[0]["changes"] as! [[String: Any]]).count == 3)
        #expect(try promptreg("log", "support-agent", "--channel", "prod").stdout.contains("support-agent prod: 1.0.1 -> 1.0.0"))

        let resolved = try json(try promptreg("resolve", "support-agent", "--json")) as! [String: Any]
        #expect(resolved["version"] as? String == "1.0.0" && resolved["channel"] as? String == "prod")
        let locked = try json(try promptreg("resolve", "support-agent", "--lock", lock, "--json")) as! [String: Any]
        #expect(locked["version"] as? String == "1.0.1")
        try promptreg("resolve", "support-agent", "--lock", directory.join("none.lock"), expect: 66)
        try promptreg("promote", "support-agent@1.0.0", "canary", "--traffic", "101", expect: 65)

        let vars = directory.join("vars.json")
        try Fixtures.write(
            #"{"customer_name": "Ada", "queue": "billing", "ticket_body": "Refund order ord_1, please.", "recent_orders": [{"id": "ord_1", "date": "2026-11-02", "total": "42.00"}]}"#,
            to: vars)
        let anthropic = try json(try promptreg("render", "support-agent", "--vars", vars, "--format", "anthropic")) as! [String: Any]
        #expect(anthropic["model"] as? String == "gpt-4o-2024-08-06")
        #expect((anthropic["system"] as? String)?.contains("billing queue") == true)
        let messages = anthropic["messages"] as! [[String: Any]]
        #expect(messages.count == 1 && (messages[0]["content"] as! String).contains("- order ord_1 on 2026-11-02: 42.00"))
        #expect((anthropic["tools"] as! [[String: Any]]).first?["input_schema"] != nil)
        let openai = try json(try promptreg("render", "support-agent", "--vars", vars, "--format", "openai")) as! [String: Any]
        #expect((openai["messages"] as! [[String: Any]]).first?["role"] as? String == "system")
        #expect(((openai["tools"] as! [[String: Any]]).first?["function"] as? [String: Any])?["parameters"] != nil)
        #expect(openai["temperature"] as? Double == 0.3)
        try Fixtures.write(#"{"queue": "billing", "ticket_body": "x"}"#, to: vars)
        let missing = try promptreg("render", "support-agent", "--vars", vars, "--format", "openai", expect: 65)
        #expect(missing.stderr.contains("'customer_name'"))
    }

    @Test("a corrupted object makes verify and resolve fail with the integrity code")
    func integrity() throws {
        defer { directory.remove() }
        try promptreg("init", registry)
        try promptreg("publish", Fixtures.example("support-triage"), "-m", "one")
        try promptreg("promote", "support-triage@1.0.0", "prod")
        let shown = try json(try promptreg("show", "support-triage", "--layer", "model", "--json"))
        let bytes = try JSONSerialization.data(withJSONObject: shown, options: [.sortedKeys, .withoutEscapingSlashes])
        let id = GitObjectPath.blobID(bytes)
        let path = try GitObjectPath.looseFile(id, in: registry)
        #expect(FileManager.default.fileExists(atPath: path))
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[data.count - 3] ^= 0x55
        try data.write(to: URL(fileURLWithPath: path))
        let verify = try promptreg("verify", expect: 68)
        #expect(verify.stdout.contains("support-triage@1.0.0 layer model"))
        try promptreg("resolve", "support-triage", expect: 68)
    }
}
