import ArgumentParser
import Foundation
import PromptRegistry

/// `promptreg init`.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a registry (a bare git repository) with the channels canary and prod.",
        discussion: """
            Creates PATH (default: --registry, else $PROMPTREG_REGISTRY, else ./.promptreg) as a bare git repository with an empty channel state and the channels canary and prod declared. The creation is recorded under the git identity, like every other write. Running it on an existing registry changes nothing. A non-empty directory that is not a registry is refused.

            Examples:
              promptreg init
              promptreg init ./team-registry
            """)

    @Argument(help: ArgumentHelp("Where to create the registry.", valueName: "path"))
    var path: String?

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var write: WriteOptions

    func validate() throws {
        if path != nil, registryOptions.registry != nil { throw ValidationError("give the path or --registry, not both") }
    }

    func run() throws {
        let target = path ?? registryOptions.explicitPath() ?? ".promptreg"
        let fromEnvironment = ProcessInfo.processInfo.environment["PROMPTREG_ACTOR"].flatMap { $0.isEmpty ? nil : $0 }
        let registry = try Registry.create(at: target, actor: write.actor ?? fromEnvironment)
        Output.line("registry ready at \(registry.path)")
    }
}
