import ArgumentParser

/// `promptreg serve`: handed whole to the `promptreg-server` helper before parsing, so its
/// options and `--help` are the helper's. Listed here so `promptreg --help` shows it.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the registry over HTTP (read-only API, watch stream, metrics), or relay a remote.",
        discussion: """
            Runs the promptreg-server helper, which must be installed beside promptreg. 'promptreg serve --help' lists its options.

            Examples:
              promptreg serve --port 8080
              promptreg serve --follow origin --interval 2 --host 0.0.0.0
            """)

    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("Options of promptreg-server serve.", valueName: "option"))
    var arguments: [String] = []

    func run() throws {
        try HelperExecutable.exec(HelperExecutable.server, ["serve"] + arguments)
    }
}
