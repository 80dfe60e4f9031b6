import Foundation
import PromptRegistry
import TestSupport
import Testing

/// What a newcomer meets on a first day, with the built `promptreg` as real processes on temporary
/// registries: global options before the subcommand, `init` through the environment, declared
/// channels, help, bundle mistakes explained with the file and the fix, and JSON errors. Every
/// refusal is checked to leave the registry byte-for-byte unchanged.
@Suite("newcomer: promptreg as a process", .serialized)
struct NewcomerTests {
    let directory: TemporaryDirectory
    let registry: String

    init() throws {
        directory = try TemporaryDirectory("promptreg-newcomer")
        registry = directory.join("reg")
    }

    /// Runs promptreg with `--registry` (unless `init` or `bare`), checks the exit status.
    @discardableResult
    private func promptreg(
        _ arguments: [String], expect status: Int32 = 0, bare: Bool = false, environment: [String: String] = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> CLI.Result {
        let location = bare || arguments.first == "init" ? [] : ["--registry", registry]
        var env = ["PROMPTREG_ACTOR": "newcomer"]
        env.merge(environment) { _, new in new }
        let result = try CLI.run(arguments + location, environment: env)
        #expect(
            result.status == status,
            "promptreg \(arguments.joined(separator: " ")): exit \(result.status)\nstdout: \(result.stdout)\nstderr: \(result.stderr)",
            sourceLocation: sourceLocation)
        return result
    }

    @discardableResult
    private func promptreg(
        _ arguments: String..., expect status: Int32 = 0, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> CLI.Result {
        try promptreg(arguments, expect: status, sourceLocation: sourceLocation)
    }

    /// Runs `arguments` expecting a refusal with `status`, and checks the registry did not change.
    @discardableResult
    private func refused(
        _ arguments: [String], _ status: Int32, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> CLI.Result {
        let before = Fingerprint.of(registry)
        let result = try promptreg(arguments, expect: status, sourceLocation: sourceLocation)
        #expect(Fingerprint.of(registry) == before, "promptreg \(arguments.joined(separator: " ")) changed the registry", sourceLocation: sourceLocation)
        return result
    }

    private func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    private func log() throws -> [[String: Any]] {
        try #require(try json(try promptreg("log", "-n", "1000", "--json").stdout) as? [[String: Any]])
    }

    /// A registry with support-agent@1.0.0 published.
    private func setUp(publishing names: [String] = ["support-agent"]) throws {
        try promptreg("init", registry)
        for name in names { try promptreg("publish", Fixtures.example(name), "-m", "first release") }
    }

    /// A copy of support-agent in the temporary directory.
    private func copy(_ name: String = "support-agent", as copyName: String? = nil) throws -> String {
        try Fixtures.copy(name, into: directory, as: copyName ?? "\(name)-\(UUID().uuidString.prefix(6))")
    }

    // MARK: 1. Global options before the subcommand

    @Test("--registry, --registry= and --actor work before the subcommand")
    func globalOptionsFirst() throws {
        defer { directory.remove() }
        try setUp()
        let list = try promptreg(["--registry", registry, "list"], bare: true)
        #expect(list.stdout.contains("support-agent"))
        try promptreg(["--registry=\(registry)", "status"], bare: true)
        try promptreg(["--actor", "alice", "--registry", registry, "promote", "support-agent@1.0.0", "prod", "-m", "m"], bare: true)
        let newest = try #require(try log().first)
        #expect(newest["action"] as? String == "promote")
        #expect(newest["actor"] as? String == "alice")
        try promptreg(["--registry", registry, "channel", "list"], bare: true)
    }

    // MARK: 2. init through the environment, with the git identity

    @Test("PROMPTREG_REGISTRY=R promptreg init creates R, not ./.promptreg")
    func initFromEnvironment() throws {
        defer { directory.remove() }
        let here = directory.join("cwd")
        try FileManager.default.createDirectory(atPath: here, withIntermediateDirectories: true)
        let result = try CLI.run(["init"], environment: ["PROMPTREG_REGISTRY": registry], directory: here)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: "\(registry)/HEAD"), "init did not create \(registry)")
        #expect(!FileManager.default.fileExists(atPath: "\(here)/.promptreg"), "init created ./.promptreg although PROMPTREG_REGISTRY was set")
        try promptreg("list")
    }

    @Test("init records the git identity as its actor, like every other write")
    func initRecordsGitIdentity() throws {
        defer { directory.remove() }
        let home = directory.join("home")
        try FileManager.default.createDirectory(atPath: "\(home)/xdg", withIntermediateDirectories: true)
        try Fixtures.write("[user]\n\tname = Ada Lovelace\n\temail = ada@example.com\n", to: "\(home)/.gitconfig")
        let environment = ["HOME": home, "XDG_CONFIG_HOME": "\(home)/xdg", "GIT_CONFIG_NOSYSTEM": "1"]
        let created = try CLI.run(["init", registry], environment: environment)
        #expect(created.status == 0, "\(created.stderr)")
        let published = try CLI.run(
            ["publish", Fixtures.example("support-agent"), "-m", "first", "--registry", registry], environment: environment)
        #expect(published.status == 0, "\(published.stderr)")
        let events = try log()
        let initEvent = try #require(events.first { $0["action"] as? String == "init" }, "no init event in \(events)")
        #expect(initEvent["actor"] as? String == "Ada Lovelace <ada@example.com>")
        let publishEvent = try #require(events.first { $0["action"] as? String == "publish" })
        #expect(publishEvent["actor"] as? String == "Ada Lovelace <ada@example.com>")
    }

    // MARK: 3. Declared channels

    @Test("a new registry declares canary and prod")
    func defaultChannels() throws {
        defer { directory.remove() }
        try promptreg("init", registry)
        let channels = try #require(try json(try promptreg("channel", "list", "--json").stdout) as? [[String: Any]])
        #expect(channels.compactMap { $0["name"] as? String }.sorted() == ["canary", "prod"])
    }

    @Test("a promote to a misspelt channel is refused with a suggestion and writes nothing")
    func misspeltChannel() throws {
        defer { directory.remove() }
        try setUp()
        let result = try refused(["promote", "support-agent@1.0.0", "prdo", "-m", "m"], 66)
        #expect(result.stderr.contains("did you mean 'prod'"), "\(result.stderr)")
    }

    @Test("channel create, promote to it, channel delete in one state commit, then resolving it fails")
    func channelLifecycle() throws {
        defer { directory.remove() }
        try setUp(publishing: ["support-agent", "support-triage"])
        try promptreg("channel", "create", "staging", "-m", "m")
        #expect(try promptreg("channel", "list").stdout.contains("staging"))
        try promptreg("promote", "support-agent@1.0.0", "staging", "-m", "m")
        try promptreg("promote", "support-triage@1.0.0", "staging", "-m", "m")
        let resolved = try #require(try json(try promptreg("resolve", "support-agent", "--channel", "staging", "--json").stdout) as? [String: Any])
        #expect(resolved["version"] as? String == "1.0.0")

        let before = try log().count
        try promptreg("channel", "delete", "staging", "-m", "m")
        let events = try log()
        #expect(events.count == before + 1, "channel delete made \(events.count - before) state commits")
        let deletion = try #require(events.first)
        #expect(deletion["action"] as? String == "channel-delete")
        let changes = deletion["changes"] as? [[String: Any]] ?? []
        #expect(changes.compactMap { $0["bundle"] as? String }.sorted() == ["support-agent", "support-triage"])
        #expect(changes.allSatisfy { $0["channel"] as? String == "staging" && $0["from"] != nil })
        #expect(changes.allSatisfy { $0["to"] == nil || $0["to"] is NSNull })

        try refused(["resolve", "support-agent", "--channel", "staging"], 66)
        let channels = try #require(try json(try promptreg("channel", "list", "--json").stdout) as? [[String: Any]])
        #expect(!channels.contains { $0["name"] as? String == "staging" })
    }

    @Test("creating an existing channel is a conflict; an invalid channel name is invalid input")
    func channelRefusals() throws {
        defer { directory.remove() }
        try setUp()
        try refused(["channel", "create", "prod", "-m", "m"], 67)
        try promptreg("channel", "create", "staging", "-m", "m")
        try refused(["channel", "create", "staging", "-m", "m"], 67)
        try refused(["channel", "create", "Staging!", "-m", "m"], 65)
    }

    // MARK: 4. Help and version

    static let commandPaths: [[String]] = [
        [], ["init"], ["publish"], ["list"], ["versions"], ["show"], ["diff"], ["verify"], ["promote"], ["rollback"],
        ["status"], ["log"], ["channel"], ["channel", "create"], ["channel", "list"], ["channel", "delete"], ["resolve"],
        ["lock"], ["render"], ["doctor"],
    ]

    @Test("every command's --help exits 0 with an example to paste", arguments: commandPaths)
    func helpExits0(path: [String]) throws {
        defer { directory.remove() }
        let result = try CLI.run(path + ["--help"])
        #expect(result.status == 0, "promptreg \(path.joined(separator: " ")) --help: \(result.stderr)")
        #expect(result.stdout.contains("Example"), "promptreg \(path.joined(separator: " ")) --help has no example")
        #expect(
            result.stdout.split(separator: "\n").contains { $0.hasPrefix("  promptreg ") },
            "promptreg \(path.joined(separator: " ")) --help has no line starting with '  promptreg '")
    }

    @Test("promptreg help nosuch is a usage error naming the command; help publish works")
    func helpTopic() throws {
        defer { directory.remove() }
        let unknown = try CLI.run(["help", "nosuch"])
        #expect(unknown.status == 64, "\(unknown.stdout)\(unknown.stderr)")
        #expect(unknown.stderr.contains("nosuch"), "\(unknown.stderr)")
        let known = try CLI.run(["help", "publish"])
        #expect(known.status == 0, "\(known.stderr)")
        #expect(known.stdout.contains("publish"))
    }

    @Test("promptreg --version prints a version and exits 0")
    func rootVersion() throws {
        defer { directory.remove() }
        let result = try CLI.run(["--version"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.wholeMatch(of: /[0-9]+\.[0-9]+\.[0-9]+\S*\n/) != nil, "\(result.stdout)")
    }

    @Test("publish DIR -m m --version 1.0.1 publishes exactly 1.0.1")
    func publishExactVersion() throws {
        defer { directory.remove() }
        try setUp()
        let bundle = try copy()
        try Fixtures.edit("\(bundle)/prompts/system.mustache", replacing: "Be brief, specific and kind.", with: "Be brief and kind.")
        let result = try promptreg("publish", bundle, "-m", "m", "--version", "1.0.1")
        #expect(result.stdout.hasPrefix("published support-agent@1.0.1 "), "\(result.stdout)")
    }

    // MARK: 5. log and diff

    @Test("log NAME of an unknown bundle is not found")
    func logUnknownBundle() throws {
        defer { directory.remove() }
        try setUp()
        let result = try refused(["log", "nosuch-bundle"], 66)
        #expect(result.stderr.contains("nosuch-bundle"), "\(result.stderr)")
    }

    @Test("diff --json spells every bump as a name, never a number")
    func diffBumpsAreNames() throws {
        defer { directory.remove() }
        try setUp()
        let bundle = try copy()
        try Fixtures.edit("\(bundle)/prompts/system.mustache", replacing: "Be brief, specific and kind.", with: "Be brief and kind.")
        try Fixtures.edit("\(bundle)/bundle.yaml", replacing: "temperature: 0.3", with: "temperature: 0.2")
        try promptreg("publish", bundle, "-m", "cooler")
        let text = try promptreg("diff", "--json", "support-agent@1.0.0", "support-agent@1.1.0").stdout
        let diff = try #require(try json(text) as? [String: Any])
        let names: Set<String> = ["patch", "minor", "major"]
        let required = try #require(diff["required_bump"] as? String, "required_bump is not a string: \(diff["required_bump"] ?? "absent")")
        #expect(required == "minor")
        let changes = try #require(diff["changes"] as? [[String: Any]])
        #expect(!changes.isEmpty)
        for change in changes {
            let bump = change["bump"]
            #expect((bump as? String).map(names.contains) == true, "bump \(bump ?? "absent") in \(change)")
        }
        #expect(!text.contains(/"(required_)?bump"\s*:\s*[0-9]/), "a bump is a number:\n\(text)")
    }

    // MARK: 6. Templates and variables

    @Test("an empty or whitespace-only template is refused, naming the file", arguments: ["", "  \n\t\n"])
    func emptyTemplate(content: String) throws {
        defer { directory.remove() }
        try setUp()
        let bundle = try copy()
        // The user template also uses {{queue}}, so no variable is left unused by emptying the system one.
        try Fixtures.edit("\(bundle)/prompts/user.mustache", replacing: "Customer: {{customer_name}}", with: "Customer: {{customer_name}} ({{queue}})")
        try Fixtures.write(content, to: "\(bundle)/prompts/system.mustache")
        let result = try refused(["publish", bundle, "-m", "m"], 65)
        #expect(result.stderr.contains("prompts/system.mustache"), "\(result.stderr)")
        #expect(result.stderr.lowercased().contains("empty"), "\(result.stderr)")
    }

    @Test("a required variable no template uses is refused; an optional one is accepted")
    func unusedVariables() throws {
        defer { directory.remove() }
        try setUp()
        let required = try copy()
        try Fixtures.edit(
            "\(required)/bundle.yaml", replacing: "  - name: recent_orders",
            with: "  - name: account_tier\n    type: string\n    required: true\n  - name: recent_orders")
        let result = try refused(["publish", required, "-m", "m"], 65)
        #expect(result.stderr.contains("bundle.yaml"), "\(result.stderr)")
        #expect(result.stderr.contains("account_tier"), "\(result.stderr)")
        #expect(result.stderr.lowercased().contains("no template"), "\(result.stderr)")

        let optional = try copy()
        try Fixtures.edit(
            "\(optional)/bundle.yaml", replacing: "  - name: recent_orders",
            with: "  - name: account_tier\n    type: string\n    required: false\n  - name: recent_orders")
        try promptreg("publish", optional, "-m", "optional variable")
    }

    // MARK: 7. Bundle mistakes

    @Test("a bundle.yaml indented with a tab is refused with 'tab' and the line number")
    func tabIndentation() throws {
        defer { directory.remove() }
        try setUp()
        let bundle = try copy()
        // Line 5 of bundle.yaml.
        try Fixtures.edit("\(bundle)/bundle.yaml", replacing: "  provider: openai", with: "\tprovider: openai")
        let result = try refused(["publish", bundle, "-m", "m"], 65)
        #expect(result.stderr.lowercased().contains("tab"), "\(result.stderr)")
        #expect(result.stderr.contains(/(line 5\b|:5\b)/), "\(result.stderr)")
    }

    @Test("publishing the bundle.yaml file instead of its directory says to pass the directory")
    func manifestPathInsteadOfDirectory() throws {
        defer { directory.remove() }
        try setUp()
        let bundle = try copy()
        let before = Fingerprint.of(registry)
        let result = try CLI.run(["publish", "\(bundle)/bundle.yaml", "-m", "m", "--registry", registry])
        #expect(result.status != 0)
        #expect([64, 65, 66].contains(result.status), "exit \(result.status): \(result.stderr)")
        #expect(Fingerprint.of(registry) == before)
        #expect(result.stderr.contains("\(bundle)/bundle.yaml"), "\(result.stderr)")
        #expect(result.stderr.lowercased().contains("directory"), "\(result.stderr)")
        #expect(!result.stderr.contains("bundle.yaml/bundle.yaml"), "\(result.stderr)")
    }

    @Test("--traffic -1 is out of range; 0x10 and 1e2 are usage errors; 12.5 is accepted")
    func trafficValues() throws {
        defer { directory.remove() }
        try setUp()
        let negative = try refused(["promote", "support-agent@1.0.0", "canary", "--traffic", "-1", "-m", "m"], 65)
        #expect(negative.stderr.contains("outside 0...100"), "\(negative.stderr)")
        #expect(!negative.stderr.lowercased().contains("missing value"), "\(negative.stderr)")
        try refused(["promote", "support-agent@1.0.0", "canary", "--traffic", "0x10", "-m", "m"], 64)
        try refused(["promote", "support-agent@1.0.0", "canary", "--traffic", "1e2", "-m", "m"], 64)
        try promptreg("promote", "support-agent@1.0.0", "canary", "--traffic", "12.5", "-m", "m")
        #expect(try promptreg("status").stdout.contains("12.5%"))
    }

    @Test(
        "a Mustache syntax error names the file and no library type",
        arguments: ["{{#section}}\nnever closed\n", "{{#a}}x{{/b}}\n", "{{unfinished\n"])
    func mustacheSyntaxError(addition: String) throws {
        defer { directory.remove() }
        try setUp()
        let bundle = try copy()
        let user = "\(bundle)/prompts/user.mustache"
        try Fixtures.write(try String(contentsOfFile: user, encoding: .utf8) + addition, to: user)
        let result = try refused(["publish", bundle, "-m", "m"], 65)
        #expect(result.stderr.contains("prompts/user.mustache"), "\(result.stderr)")
        for leak in [
            "MustacheTemplate", "ParserError", "sectionCloseNameIncorrect", "expectedSectionEnd", "unfinishedName", "Error(",
            "Mustache.", "context:",
        ] {
            #expect(!result.stderr.contains(leak), "stderr shows '\(leak)': \(result.stderr)")
        }
    }

    @Test("temperature out of range is refused with a fix line")
    func temperatureOutOfRange() throws {
        defer { directory.remove() }
        try setUp()
        let bundle = try copy()
        try Fixtures.edit("\(bundle)/bundle.yaml", replacing: "temperature: 0.3", with: "temperature: 3")
        let result = try refused(["publish", bundle, "-m", "m"], 65)
        #expect(result.stderr.contains("temperature"), "\(result.stderr)")
        #expect(result.stderr.contains("\n  fix: "), "no fix line: \(result.stderr)")
    }

    @Test("render --vars with a number for a string variable is refused with a fix line")
    func renderWrongVariableType() throws {
        defer { directory.remove() }
        try setUp()
        try promptreg("promote", "support-agent@1.0.0", "prod", "-m", "m")
        let vars = directory.join("vars.json")
        try Fixtures.write(#"{"customer_name": 42, "queue": "billing", "ticket_body": "Where is my order?"}"#, to: vars)
        let result = try refused(["render", "support-agent", "--vars", vars, "--format", "openai"], 65)
        #expect(result.stderr.contains("customer_name"), "\(result.stderr)")
        #expect(result.stderr.contains("\n  fix: "), "no fix line: \(result.stderr)")
    }

    // MARK: 8. The demo script echoes commands that can be pasted back

    /// The `run` helper of scripts/demo.sh, as bash source.
    private func demoRunHelper() throws -> String {
        let script = try String(contentsOfFile: "\(Fixtures.packageRoot)/scripts/demo.sh", encoding: .utf8)
        let lines = script.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0.hasPrefix("run()") || $0.hasPrefix("function run") }, "demo.sh has no run helper")
        if lines[start].trimmingCharacters(in: .whitespaces).hasSuffix("}") { return String(lines[start]) }
        let end = try #require(lines[start...].firstIndex { $0 == "}" }, "run helper in demo.sh never closes")
        return lines[start...end].joined(separator: "\n")
    }

    private func bash(_ script: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", "-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test("demo.sh's run helper echoes a command that pastes back to the same arguments")
    func demoEchoIsPasteable() throws {
        defer { directory.remove() }
        let helper = try demoRunHelper()
        let arguments = ["publish", "registry/support agent", "-m", "first release of support-agent", "--actor", "Ada's \"bot\" $HOME"]
        let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: #"'\''"#) + "'" }.joined(separator: " ")
        let echoed = try bash("bin=true\n\(helper)\nrun \(quoted)")
        let line = try #require(echoed.split(separator: "\n").first { $0.hasPrefix("$ ") }, "nothing echoed: \(echoed)")
        let pasted = String(line.dropFirst(2))
        #expect(pasted.hasPrefix("promptreg "), "\(pasted)")
        let replayed = try bash("promptreg() { printf '<%s>\\n' \"$@\"; }\n\(pasted)")
        #expect(replayed == arguments.map { "<\($0)>\n" }.joined(), "echoed '\(pasted)' pastes back as:\n\(replayed)")
    }

    // MARK: 9. JSON errors

    /// Checks that a failing `--json` run wrote exactly one JSON error object on standard error,
    /// whose exit_code is the exit status.
    @discardableResult
    private func jsonError(
        _ arguments: [String], _ status: Int32, code: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [String: Any] {
        let result = try refused(arguments, status, sourceLocation: sourceLocation)
        let object = try? JSONSerialization.jsonObject(with: Data(result.stderr.utf8))
        let document = try #require(
            object as? [String: Any], "stderr is not one JSON object: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(document.keys.sorted() == ["error"], sourceLocation: sourceLocation)
        let error = try #require(document["error"] as? [String: Any], sourceLocation: sourceLocation)
        #expect(error["code"] is String, "\(error)", sourceLocation: sourceLocation)
        #expect((error["message"] as? String)?.isEmpty == false, "\(error)", sourceLocation: sourceLocation)
        #expect((error["exit_code"] as? NSNumber)?.int32Value == result.status, "\(error)", sourceLocation: sourceLocation)
        if let code { #expect(error["code"] as? String == code, "\(error)", sourceLocation: sourceLocation) }
        return error
    }

    @Test("every failing --json command writes one JSON error whose exit_code is the exit status")
    func jsonErrors() throws {
        defer { directory.remove() }
        try setUp()
        let tab = try copy()
        try Fixtures.edit("\(tab)/bundle.yaml", replacing: "  provider: openai", with: "\tprovider: openai")
        try jsonError(["show", "ghost", "--json"], 66)
        try jsonError(["log", "ghost", "--json"], 66)
        try jsonError(["resolve", "support-agent", "--json"], 66)
        try jsonError(["promote", "support-agent@1.0.0", "prdo", "-m", "m", "--json"], 66)
        try jsonError(["channel", "create", "prod", "-m", "m", "--json"], 67)
        try jsonError(["channel", "create", "Staging!", "-m", "m", "--json"], 65)
        try jsonError(["publish", Fixtures.example("support-agent"), "-m", "again", "--json"], 67)
        try jsonError(["publish", tab, "-m", "m", "--json"], 65)
        try jsonError(["promote", "support-agent@1.0.0", "canary", "--traffic", "-1", "-m", "m", "--json"], 65)
        try jsonError(["show", "Bad..Name", "--json"], 65)
    }

    @Test("a usage error with --json is a JSON error with code usage and exit 64")
    func jsonUsageErrors() throws {
        defer { directory.remove() }
        try setUp()
        try jsonError(["list", "--no-such-flag", "--json"], 64, code: "usage")
        try jsonError(["publish", Fixtures.example("support-agent"), "--json"], 64, code: "usage")
        try jsonError(["promote", "support-agent@1.0.0", "canary", "--traffic", "0x10", "-m", "m", "--json"], 64, code: "usage")
        try jsonError(["--json", "nosuch-command"], 64, code: "usage")
        let help = try CLI.run(["help", "nosuch", "--json"])
        #expect(help.status == 64)
        let document = try? JSONSerialization.jsonObject(with: Data(help.stderr.utf8)) as? [String: Any]
        #expect((document?["error"] as? [String: Any])?["code"] as? String == "usage", "\(help.stderr)")
    }

    @Test("a --json error for a missing registry is JSON too")
    func jsonMissingRegistry() throws {
        defer { directory.remove() }
        let result = try CLI.run(["list", "--json"], directory: directory.path)
        #expect(result.status == 66)
        let document = try? JSONSerialization.jsonObject(with: Data(result.stderr.utf8)) as? [String: Any]
        let error = document?["error"] as? [String: Any]
        #expect((error?["exit_code"] as? NSNumber)?.int32Value == 66, "\(result.stderr)")
    }
}
