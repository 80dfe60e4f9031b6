import ArgumentParser
import Foundation
import PromptRegCLI
import PromptRegistry

/// `promptreg-server`: the helper `promptreg serve` (and `promptreg follow --server`) runs, so the
/// HTTP stack never loads in the hot command line. Add further subcommands (`follow`) to
/// `subcommands`.
struct ServerToolCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promptreg-server",
        abstract: "Serve a promptreg registry over HTTP, or relay a remote.",
        subcommands: [ServeCommand.self])

    /// Parses the process arguments and runs the command (awaiting an asynchronous one), reporting
    /// a library error as the command line does: `error:` and `fix:` (JSON with --json) and its
    /// exit code.
    static func runMain() async -> Never {
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
            exit()
        } catch let error as PromptRegError {
            Foundation.exit(ErrorReport.report(error, json: CommandLine.arguments.contains("--json")))
        } catch {
            exit(withError: error)
        }
    }
}
