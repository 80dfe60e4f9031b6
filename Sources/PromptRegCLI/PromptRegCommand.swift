import ArgumentParser
import Foundation
import PromptRegistry

/// The `promptreg` command: parses the command line, runs one subcommand and maps failures to exit codes.
public struct PromptRegCommand: ParsableCommand {
    /// The version `promptreg --version` prints.
    static let version = "0.2.0"

    public static let configuration = CommandConfiguration(
        commandName: "promptreg",
        abstract: "A prompt and model version registry with rollback, kept in a git repository.",
        discussion: """
            A bundle (prompt templates + pinned model + sampling parameters + tool definitions) is published under an immutable semantic version. Channels such as canary and prod point at versions; promote and rollback move them in one atomic step, and every move is audited.

            The registry is found through --registry (before or after the subcommand), else $PROMPTREG_REGISTRY, else the nearest .promptreg directory in the current directory or a parent.

            Exit codes: 0 ok, 64 usage, 65 invalid input, 66 not found, 67 conflict, 68 integrity failure, 69 remote unavailable, 70 storage failure, 76 refused by the remote, 77 forbidden by the trust policy, 78 killed (the channel was stopped with 'promptreg kill'), 79 gate failed, 80 newer format (upgrade promptreg).

            Examples:
              promptreg init
              promptreg publish registry/support-agent -m "first release"
              promptreg promote support-agent@1.0.0 prod -m "ship it"
              promptreg --registry ./.promptreg status

            promptreg --version prints the version.
            """,
        subcommands: [
            InitCommand.self, PublishCommand.self, ListCommand.self, VersionsCommand.self, ShowCommand.self,
            DiffCommand.self, VerifyCommand.self, PromoteCommand.self, RollbackCommand.self, KillCommand.self, ReviveCommand.self,
            StatusCommand.self, LogCommand.self, ChannelCommand.self, ResolveCommand.self, LockCommand.self, RenderCommand.self,
            DoctorCommand.self, GarbageCommand.self, CloneCommand.self, RemoteCommand.self, PullCommand.self, PushCommand.self,
            EvalCommand.self, GateCommand.self, RampCommand.self, CheckCallCommand.self, FollowCommand.self,
            ServeCommand.self, KeyCommand.self, PolicyCommand.self, ProposeCommand.self, ApproveCommand.self, ProposalsCommand.self,
        ])

    public init() {}

    /// Runs promptreg with the process arguments and exits.
    public static func runMain() -> Never {
        let arguments = CommandLineArguments.normalised(Array(CommandLine.arguments.dropFirst()))
        let json = arguments.contains("--json")
        if arguments == ["--version"] {
            Output.line(version)
            finish(0)
        }
        do {
            if arguments.first == "serve" {
                try HelperExecutable.exec(HelperExecutable.server, arguments)
            }
            if let resolve = ResolveShortPath(arguments) {
                try resolve.run()
                finish(0)
            }
            try CommandLineArguments.checkHelpTopic(arguments)
            var command = try parseAsRoot(arguments)
            try command.run()
            finish(0)
        } catch let error as PromptRegError {
            finish(ErrorReport.report(error, json: json))
        } catch let status as ExitCode {
            // A command that printed its output and then chose its exit code (verify, list, ...).
            finish(status.rawValue)
        } catch {
            let code = exitCode(for: error)
            if json, code.rawValue == 64 {
                let usage = PromptRegError(
                    .usage, fullMessage(for: error), fix: "see the command's options and examples with --help")
                finish(ErrorReport.report(usage, json: true))
            }
            _ = Output.flushFailed()
            exit(withError: error)
        }
    }
}

extension PromptRegCommand {
    /// Exits with `status`, or with 70 (storage) when standard output or error could not be
    /// written: output that did not arrive is never reported as success.
    static func finish(_ status: Int32) -> Never {
        if Output.flushFailed() {
            Output.error("error: cannot write standard output or error (a full disk, or a file size limit)")
            Foundation.exit(status == 0 ? ErrorReport.exitCode(.storage) : status)
        }
        Foundation.exit(status)
    }
}

/// Rewriting of the raw command line before it is parsed.
enum CommandLineArguments {
    /// Options every command takes, accepted before the subcommand as with git and kubectl.
    static let globalOptions: Set<String> = ["--registry", "--actor", "--sign-with"]
    /// Those of `globalOptions` only writes use (`WriteOptions`): before a command that writes
    /// nothing they are accepted and dropped, as they would change nothing.
    static let writeOptions: Set<String> = ["--actor", "--sign-with"]
    /// Flags accepted before the subcommand the same way.
    static let globalFlags: Set<String> = ["--json"]

    /// `arguments` with global options given before the subcommand moved after it (before a `--`);
    /// `--actor` and `--sign-with` only into a command that writes.
    static func normalised(_ arguments: [String]) -> [String] {
        var leading: [ArraySlice<String>] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            if globalFlags.contains(argument) {
                leading.append(arguments[index...index])
                index += 1
                continue
            }
            guard globalOptions.contains(name) else { break }
            let count = !argument.contains("=") && index + 1 < arguments.count ? 2 : 1
            leading.append(arguments[index..<(index + count)])
            index += count
        }
        guard index > 0 else { return arguments }
        var rest = Array(arguments[index...])
        let writes = takesWriteOptions(rest)
        let moved = leading.filter { option in
            writes || !writeOptions.contains(option.first?.split(separator: "=", maxSplits: 1).first.map(String.init) ?? "")
        }
        let insertAt = rest.firstIndex(of: "--") ?? rest.count
        rest.insert(contentsOf: moved.joined(), at: insertAt)
        return rest
    }

    /// False when the (possibly nested) subcommand `arguments` begin with is known and takes no
    /// `WriteOptions`; true otherwise (the parser then reports what is wrong).
    private static func takesWriteOptions(_ arguments: [String]) -> Bool {
        var candidates = PromptRegCommand.configuration.subcommands
        var found: ParsableCommand.Type?
        for name in arguments {
            guard let command = candidates.first(where: { $0._commandName == name }) else { break }
            found = command
            candidates = command.configuration.subcommands
        }
        guard let found else { return true }
        return Mirror(reflecting: found.init()).children.contains { $0.value is OptionGroup<WriteOptions> }
    }

    /// Refuses `promptreg help TOPIC` for a topic that is not a command (the parser would print
    /// the root help and succeed).
    static func checkHelpTopic(_ arguments: [String]) throws {
        guard arguments.first == "help", arguments.count > 1 else { return }
        let known = PromptRegCommand.configuration.subcommands.map { $0._commandName }
        let topic = arguments[1]
        guard known.contains(topic) else {
            throw PromptRegError(
                .usage, "no command named '\(topic)'; commands: \(known.joined(separator: ", "))",
                fix: "run 'promptreg --help' to see what each command does")
        }
    }
}
