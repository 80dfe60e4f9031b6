import ArgumentParser
import PromptRegistry
import Testing

@testable import PromptRegCLI

/// What a newcomer meets first, checked in process: global options written before the
/// subcommand, `--` left alone, help topics, the two meanings of `--version`, typed traffic values,
/// and help text that reads as written (examples that parse, paragraphs not hard-wrapped, no
/// option or default stated twice).
@Suite("newcomer: parsing and help in process")
struct NewcomerParsingTests {
    // MARK: Global options before the subcommand

    @Test("--registry R before the subcommand is moved after it, and parses like it")
    func registryBeforeSubcommand() throws {
        let arguments = CommandLineArguments.normalised(["--registry", "R", "list"])
        #expect(arguments == ["list", "--registry", "R"])
        let list = try #require(try PromptRegCommand.parseAsRoot(arguments) as? ListCommand)
        #expect(list.registryOptions.registry == "R")
    }

    @Test("--registry=R before the subcommand parses like --registry=R after it")
    func registryEqualsBeforeSubcommand() throws {
        let arguments = CommandLineArguments.normalised(["--registry=R", "status"])
        #expect(arguments == ["status", "--registry=R"])
        let status = try #require(try PromptRegCommand.parseAsRoot(arguments) as? StatusCommand)
        #expect(status.registryOptions.registry == "R")
    }

    @Test("--actor and --registry before promote reach the promote command")
    func actorAndRegistryBeforePromote() throws {
        let arguments = CommandLineArguments.normalised(["--actor", "alice", "--registry", "R", "promote", "x@1.0.0", "prod", "-m", "m"])
        #expect(arguments == ["promote", "x@1.0.0", "prod", "-m", "m", "--actor", "alice", "--registry", "R"])
        let promote = try #require(try PromptRegCommand.parseAsRoot(arguments) as? PromoteCommand)
        #expect(promote.source == "x@1.0.0")
        #expect(promote.channel == "prod")
        #expect(promote.write.actor == "alice")
        #expect(promote.write.message == "m")
        #expect(promote.registryOptions.registry == "R")
    }

    @Test("--actor and --sign-with before the subcommand: a write gets them, a read accepts and drops them")
    func writeOptionsBeforeAnySubcommand() throws {
        let promote = try #require(
            try PromptRegCommand.parseAsRoot(
                CommandLineArguments.normalised(["--sign-with", "K", "--actor", "x", "promote", "a@1.0.0", "prod", "-m", "m"]))
                as? PromoteCommand)
        #expect(promote.write.actor == "x")
        #expect(promote.write.signWith == "K")
        let create = try #require(
            try PromptRegCommand.parseAsRoot(CommandLineArguments.normalised(["--actor=x", "channel", "create", "qa", "-m", "m"]))
                as? ChannelCreateCommand)
        #expect(create.write.actor == "x")

        let status = CommandLineArguments.normalised(["--registry", "R", "--actor", "x", "--sign-with", "K", "status"])
        #expect(status == ["status", "--registry", "R"])
        let parsed = try #require(try PromptRegCommand.parseAsRoot(status) as? StatusCommand)
        #expect(parsed.registryOptions.registry == "R")
        #expect(CommandLineArguments.normalised(["--actor", "x", "channel", "list"]) == ["channel", "list"])
    }

    @Test("global options before a nested subcommand (channel list) work too")
    func registryBeforeNestedSubcommand() throws {
        let arguments = CommandLineArguments.normalised(["--registry", "R", "channel", "list"])
        let list = try #require(try PromptRegCommand.parseAsRoot(arguments) as? ChannelListCommand)
        #expect(list.registryOptions.registry == "R")
    }

    @Test("arguments after -- are untouched, and moved global options land before the --")
    func doubleDashIsRespected() throws {
        // Nothing to move: the command line is returned as given, whatever follows `--`.
        #expect(CommandLineArguments.normalised(["list", "--", "--registry", "R"]) == ["list", "--", "--registry", "R"])
        #expect(CommandLineArguments.normalised(["--", "--registry", "R"]) == ["--", "--registry", "R"])

        let arguments = CommandLineArguments.normalised(["--registry", "R", "log", "--", "--actor"])
        #expect(arguments == ["log", "--registry", "R", "--", "--actor"])
        let log = try #require(try PromptRegCommand.parseAsRoot(arguments) as? LogCommand)
        #expect(log.name == "--actor", "after --, '--actor' is the bundle name, not an option")
        #expect(log.registryOptions.registry == "R")
    }

    // MARK: help TOPIC and --version

    @Test("help with an unknown topic is a usage error naming it; help publish is accepted")
    func helpTopics() throws {
        let error = try #require(throws: PromptRegError.self) { try CommandLineArguments.checkHelpTopic(["help", "nosuch"]) }
        #expect(error.code == .usage)
        #expect(error.message.contains("nosuch"))
        #expect(ErrorReport.exitCode(error.code) == 64)
        try CommandLineArguments.checkHelpTopic(["help", "publish"])
        try CommandLineArguments.checkHelpTopic(["help", "channel"])
        try CommandLineArguments.checkHelpTopic(["help"])
    }

    @Test("publish --version X.Y.Z is publish's option, not the root's --version")
    func publishVersionOption() throws {
        for arguments in [
            ["publish", "DIR", "-m", "m", "--version", "1.0.1"],
            ["publish", "--version", "1.0.1", "DIR", "-m", "m"],
            ["publish", "--version=1.0.1", "DIR", "-m", "m"],
        ] {
            let normalised = CommandLineArguments.normalised(arguments)
            #expect(normalised != ["--version"])
            let publish = try #require(try PromptRegCommand.parseAsRoot(normalised) as? PublishCommand, "\(arguments)")
            #expect(publish.exactVersion == "1.0.1")
            #expect(publish.directory == "DIR")
        }
    }

    // MARK: --traffic

    @Test("--traffic -1 parses (and is then refused as out of range), not 'missing value'")
    func negativeTrafficParses() throws {
        let promote = try #require(
            try PromptRegCommand.parseAsRoot(["promote", "x@1.0.0", "canary", "--traffic", "-1", "-m", "m"]) as? PromoteCommand)
        #expect(promote.traffic?.value == -1)
    }

    @Test("--traffic accepts plain decimals and refuses hexadecimal and exponents")
    func trafficSpelling() throws {
        let accepted = try #require(
            try PromptRegCommand.parseAsRoot(["promote", "x@1.0.0", "canary", "--traffic", "12.5", "-m", "m"]) as? PromoteCommand)
        #expect(accepted.traffic?.value == 12.5)
        for value in ["0x10", "1e2", "nan", "inf", "5%", ""] {
            #expect(throws: (any Error).self, "--traffic \(value)") {
                try PromptRegCommand.parseAsRoot(["promote", "x@1.0.0", "canary", "--traffic", value, "-m", "m"])
            }
            #expect(TrafficPercent(argument: value) == nil, "--traffic \(value)")
        }
    }

    // MARK: Help text

    /// Every command type, the root and nested ones included, with the words that name it.
    static var allCommands: [(path: [String], type: ParsableCommand.Type)] {
        var result: [(path: [String], type: ParsableCommand.Type)] = []
        func visit(_ type: ParsableCommand.Type, _ path: [String]) {
            result.append((path, type))
            for sub in type.configuration.subcommands { visit(sub, path + [sub._commandName]) }
        }
        visit(PromptRegCommand.self, [])
        return result
    }

    static let columns = 200

    static func help(_ type: ParsableCommand.Type) -> String {
        PromptRegCommand.helpMessage(for: type, columns: columns)
    }

    /// The OVERVIEW part of a help text: the abstract and the discussion, before USAGE.
    static func overview(_ help: String) -> [Substring] {
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false)
        let end = lines.firstIndex { $0.hasPrefix("USAGE:") } ?? lines.endIndex
        return Array(lines[..<end])
    }

    /// Line breaks in `lines` (rendered at `columns`) that the renderer did not make: a line that
    /// ends mid-sentence although the next word would have fit on it, followed by an unindented
    /// line that starts with a lowercase letter. That is text hard-wrapped in the source.
    static func hardWraps(_ lines: [Substring], columns: Int) -> [String] {
        var found: [String] = []
        for (line, next) in zip(lines, lines.dropFirst()) {
            guard let last = line.last, let first = next.first, first.isLowercase else { continue }
            if ".:!?".contains(last) { continue }
            let nextWord = next.prefix { $0 != " " }
            if line.count + 1 + nextWord.count < columns { found.append("\(line)⏎\(next)") }
        }
        return found
    }

    /// `line` split like a POSIX shell would split it (single and double quotes, backslash), or nil
    /// when a quote is left open.
    static func shellWords(_ line: String) -> [String]? {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if let open = quote {
                if character == open {
                    quote = nil
                } else if character == "\\", open == "\"" {
                    escaped = true
                } else {
                    current.append(character)
                }
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else if character == "\\" {
                escaped = true
                inWord = true
            } else if character == " " {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        guard quote == nil, !escaped else { return nil }
        if inWord { words.append(current) }
        return words
    }

    @Test("the hard-wrap check catches text wrapped at 80 columns in the source")
    func hardWrapCheckWorks() {
        let old = """
            OVERVIEW: Recompute every digest.

            Reads every published version, recomputes the SHA-256
            digest of each layer and of the manifest, and compares them.
            """
        #expect(Self.hardWraps(Self.overview(old), columns: Self.columns).count == 1)
        let long = String(repeating: "word ", count: 60) + "end."
        let rendered = "OVERVIEW: x\n\n\(long)".wrapped(columns: Self.columns)
        #expect(Self.hardWraps(Self.overview(rendered), columns: Self.columns).isEmpty, "a wrap made by the renderer is fine")
    }

    @Test("every command's help has an example that can be pasted and parses", arguments: allCommands.map(\.path))
    func helpHasPasteableExample(path: [String]) throws {
        let type = try #require(Self.allCommands.first { $0.path == path }?.type)
        let help = Self.help(type)
        #expect(help.contains("Example"), "promptreg \(path.joined(separator: " ")) --help has no example")
        let examples = help.split(separator: "\n").filter { $0.hasPrefix("  promptreg ") }
        #expect(!examples.isEmpty, "promptreg \(path.joined(separator: " ")) --help has no line starting with '  promptreg '")
        for example in examples {
            let words = try #require(Self.shellWords(String(example)), "unbalanced quotes: \(example)")
            #expect(words.first == "promptreg")
            let arguments = Array(words.dropFirst())
            if arguments == ["--version"] { continue }
            #expect(throws: Never.self, "example does not parse: \(example)") {
                _ = try PromptRegCommand.parseAsRoot(CommandLineArguments.normalised(arguments))
            }
        }
    }

    @Test("no help paragraph is broken mid-sentence at 200 columns", arguments: allCommands.map(\.path))
    func helpNotHardWrapped(path: [String]) throws {
        let type = try #require(Self.allCommands.first { $0.path == path }?.type)
        let wraps = Self.hardWraps(Self.overview(Self.help(type)), columns: Self.columns)
        #expect(wraps.isEmpty, "promptreg \(path.joined(separator: " ")) --help is hard-wrapped: \(wraps)")
        let source = type.configuration.discussion.split(separator: "\n", omittingEmptySubsequences: false)
        let sourceWraps = Self.hardWraps(source, columns: Int.max)
        #expect(sourceWraps.isEmpty, "the discussion of \(type) is hard-wrapped in the source: \(sourceWraps)")
    }

    @Test("publish --help lists its --version option exactly once")
    func publishHelpVersionOnce() {
        let help = Self.help(PublishCommand.self)
        let optionEntries = help.split(separator: "\n").filter { $0.trimmingPrefix(while: { $0 == " " }).hasPrefix("--version") }
        #expect(optionEntries.count == 1, "\(optionEntries)")
        let usage = help.split(separator: "\n").filter { $0.hasPrefix("USAGE:") }.joined()
        #expect(usage.components(separatedBy: "--version").count - 1 == 1, "\(usage)")
    }

    @Test("no option in any help states its default twice", arguments: allCommands.map(\.path))
    func defaultsStatedOnce(path: [String]) throws {
        let type = try #require(Self.allCommands.first { $0.path == path }?.type)
        let help = Self.help(type)
        for entry in Self.optionEntries(help) {
            let count = entry.lowercased().components(separatedBy: "default").count - 1
            #expect(count <= 1, "default stated \(count) times in promptreg \(path.joined(separator: " ")) --help:\n\(entry)")
        }
    }

    @Test("lock --help states the default channel once")
    func lockHelpDefaultOnce() throws {
        let help = Self.help(LockCommand.self)
        let channel = try #require(Self.optionEntries(help).first { $0.hasPrefix("  --channel") }, "\(help)")
        let count = channel.lowercased().components(separatedBy: "default").count - 1
        #expect(count == 1, "'default' appears \(count) times in the --channel entry of lock --help:\n\(channel)")
        #expect(channel.components(separatedBy: "prod").count - 1 == 1, "\(channel)")
    }

    /// The entries of the OPTIONS section: a line indented by two spaces starting with '-', with
    /// its continuation lines.
    static func optionEntries(_ help: String) -> [String] {
        guard let start = help.range(of: "\nOPTIONS:\n") else { return [] }
        var entries: [String] = []
        for line in help[start.upperBound...].split(separator: "\n") {
            if line.hasPrefix("  -") {
                entries.append(String(line))
            } else if line.hasPrefix("   "), !entries.isEmpty {
                entries[entries.count - 1] += "\n" + line
            } else {
                break
            }
        }
        return entries
    }
}

extension String {
    /// This text wrapped to `columns` the way the help renderer wraps it (exposed for the self-test).
    fileprivate func wrapped(columns: Int) -> String {
        var lines: [String] = []
        for paragraph in split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ") {
                if line.isEmpty {
                    line = String(word)
                } else if line.count + 1 + word.count < columns {
                    line += " " + word
                } else {
                    lines.append(line)
                    line = String(word)
                }
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
