import ArgumentParser
import PromptRegistry

/// `promptreg kill`.
struct KillCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "kill",
        abstract: "Stop a channel of a bundle: every resolve of it fails (exit 78) until it is revived.",
        discussion: """
            The runbook's last line of defence, when no earlier version is safe to roll back to. Marks CHANNEL (default prod) of NAME killed in one audited state commit, with -m as the reason (required). Every resolve of that channel then fails with the error code killed (exit 78; with --json the error carries killed, reason, by and at) so agents switch to their degraded path; followers see it like any state change.

            Killing prod refuses every subject of prod, the canary share included. Killing only canary sends the subjects of the canary share to prod. Pinned resolves (NAME@VERSION, a digest, a pin file) are not affected. promote and rollback still move a killed channel; it stays killed until 'promptreg revive'. Killing a killed channel is a conflict (exit 67) and writes nothing.

            Examples:
              promptreg kill support-agent -m "leaks customer emails"
              promptreg kill support-agent --channel canary -m "canary loops on tool calls"
            """)

    @Argument(help: ArgumentHelp("The bundle.", valueName: "name"))
    var name: String

    @Option(name: .long, help: ArgumentHelp("The channel to stop.", valueName: "channel"))
    var channel: String = stableChannel

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        // Without -m the library refuses the kill (usage, exit 64): a kill needs its reason.
        let event = try registry.kill(name, channel: channel, reason: write.message(or: ""), actor: write.prepare(registry))
        try EventPrinter.print(event, json: output.json, pushedTo: try registry.writeUpstream())
    }
}

/// `promptreg revive`.
struct ReviveCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "revive",
        abstract: "Put a killed channel of a bundle back in service.",
        discussion: """
            Clears the kill of CHANNEL (default prod) of NAME in one audited state commit: resolves answer with what the channel points at again. Reviving a channel that is not killed is a conflict (exit 67) and writes nothing.

            Example:
              promptreg revive support-agent -m "1.2.1 fixes the leak"
            """)

    @Argument(help: ArgumentHelp("The bundle.", valueName: "name"))
    var name: String

    @Option(name: .long, help: ArgumentHelp("The channel to put back.", valueName: "channel"))
    var channel: String = stableChannel

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        let event = try registry.revive(
            name, channel: channel, message: write.message(or: "revive \(name) on \(channel)"), actor: write.prepare(registry))
        try EventPrinter.print(event, json: output.json, pushedTo: try registry.writeUpstream())
    }
}
