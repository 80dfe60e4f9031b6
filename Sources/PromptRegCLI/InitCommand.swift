import ArgumentParser
import PromptRegistry

/// `promptreg init`.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a registry (a bare git repository).",
        discussion: """
            Creates PATH (default ./.promptreg) as a bare git repository with an empty channel state.
            Running it on an existing registry changes nothing. A non-empty directory that is not a
            registry is refused.

            Example: promptreg init ./.promptreg
            """)

    @Argument(help: ArgumentHelp("Where to create the registry.", valueName: "path"))
    var path: String = ".promptreg"

    @OptionGroup var actorOptions: ActorOptions

    func run() throws {
        let registry = try Registry.create(at: path, actor: actorOptions.resolve(for: nil))
        print("registry ready at \(registry.path)")
    }
}
