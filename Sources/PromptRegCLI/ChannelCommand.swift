import ArgumentParser
import PromptRegistry

/// `promptreg channel`: declare, list and delete channels.
struct ChannelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "channel",
        abstract: "Declare, list and delete channels.",
        discussion: """
            A promote goes only to a declared channel, so a typo cannot create a channel nobody reads. A new registry declares canary and prod. Registries made before channels were declared keep working: a channel that holds pointers counts as declared.

            Examples:
              promptreg channel create staging -m "pre-production soak"
              promptreg channel list
              promptreg channel delete staging -m "soak moved to canary"
            """,
        subcommands: [ChannelCreateCommand.self, ChannelListCommand.self, ChannelDeleteCommand.self])
}

/// `promptreg channel create`.
struct ChannelCreateCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Declare a channel (one audited state commit).",
        discussion: """
            Example:
              promptreg channel create staging --description "soak" -m "add staging"
            """)

    @Argument(help: ArgumentHelp("The channel name (lowercase letters, digits, '-').", valueName: "name"))
    var name: String

    @Option(name: .long, help: ArgumentHelp("What the channel is for.", valueName: "text"))
    var description: String = ""

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        let event = try registry.createChannel(
            name, description: description, message: write.message(or: "create channel \(name)"), actor: write.prepare(registry))
        if output.json { return try Output.json(event) }
        Output.line("channel \(name) created (seq \(event.seq))")
    }
}

/// `promptreg channel list`.
struct ChannelListCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the declared channels and how many bundles each points at.",
        discussion: """
            Example:
              promptreg channel list --json
            """)

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        let channels = try registry.channels()
        if output.json { return try Output.json(channels) }
        Output.table(["CHANNEL", "BUNDLES", "DESCRIPTION"], channels.map { [$0.name, "\($0.bundles)", $0.description] })
    }
}

/// `promptreg channel delete`.
struct ChannelDeleteCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Remove a channel and all its pointers in one audited state commit.",
        discussion: """
            The state commit lists every pointer removed, so 'promptreg log' shows what the channel ran. Resolving the channel afterwards fails until it is declared again.

            Example:
              promptreg channel delete staging -m "soak moved to canary"
            """)

    @Argument(help: ArgumentHelp("The channel.", valueName: "name"))
    var name: String

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        let event = try registry.deleteChannel(name, message: write.message(or: "delete channel \(name)"), actor: write.prepare(registry))
        try EventPrinter.print(event, json: output.json, pushedTo: try registry.writeUpstream())
    }
}
