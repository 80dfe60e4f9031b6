import ArgumentParser
import Foundation
import PromptRegistry

/// The `promptreg` command: parses the command line, runs one subcommand and maps failures to exit codes.
public struct PromptRegCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "promptreg",
        abstract: "A prompt and model version registry with rollback, kept in a git repository.",
        discussion: """
            A bundle (prompt templates + pinned model + sampling parameters + tool definitions) is
            published under an immutable semantic version. Channels such as canary and prod point at
            versions; promote and rollback move them in one atomic step, and every move is audited.

            The registry is found through --registry, else $PROMPTREG_REGISTRY, else the nearest
            .promptreg directory in the current directory or a parent.

            Exit codes: 0 ok, 64 usage, 65 invalid input, 66 not found, 67 conflict, 68 integrity
            failure, 70 storage failure.
            """,
        version: "0.1.0",
        subcommands: [
            InitCommand.self, PublishCommand.self, ListCommand.self, VersionsCommand.self, ShowCommand.self,
            DiffCommand.self, VerifyCommand.self, PromoteCommand.self, RollbackCommand.self, StatusCommand.self,
            LogCommand.self, ResolveCommand.self, LockCommand.self, RenderCommand.self, DoctorCommand.self,
        ])

    public init() {}

    /// Runs promptreg with the process arguments and exits.
    public static func runMain() -> Never {
        do {
            var command = try parseAsRoot()
            try command.run()
            Foundation.exit(0)
        } catch let error as PromptRegError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            Foundation.exit(error.code.exitCode)
        } catch {
            exit(withError: error)
        }
    }
}
