import ArgumentParser
import PromptRegistry

/// `promptreg status`.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show what every channel runs: version, digest, traffic, when and by whom.")

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let status = try registryOptions.open().status()
        if output.json { return try Output.json(status) }
        if status.isEmpty { return print("no channel points anywhere yet: promptreg promote NAME@VERSION CHANNEL") }
        Output.table(
            ["BUNDLE", "CHANNEL", "VERSION", "DIGEST", "TRAFFIC", "SET", "BY"],
            status.map { cell in
                [
                    cell.bundle, cell.channel, cell.pointer.version.description, cell.pointer.digest.short,
                    cell.pointer.traffic.map(PointerTarget.percent) ?? "-",
                    cell.pointer.time, cell.pointer.actor,
                ]
            })
    }
}

/// `promptreg log`.
struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Show the audit trail, newest first: publishes, promotes and rollbacks.",
        discussion: "Example: promptreg log support-agent --channel prod -n 10")

    @Argument(help: ArgumentHelp("Only events touching this bundle.", valueName: "name"))
    var name: String?

    @Option(name: .long, help: ArgumentHelp("Only changes to this channel.", valueName: "channel"))
    var channel: String?

    @Option(name: .customShort("n"), help: ArgumentHelp("At most this many events.", valueName: "n"))
    var count: Int = 20

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if count < 1 { throw ValidationError("-n must be at least 1") }
    }

    func run() throws {
        let events = try registryOptions.open().log(bundle: name, channel: channel, limit: count)
        if output.json { return try Output.json(events) }
        for event in events {
            print("#\(event.seq) \(event.time) \(event.actor) \(event.action.rawValue): \(event.message)")
            for change in event.changes {
                let target = change.channel ?? "published"
                print("    \(change.bundle) \(target): \(change.from?.description ?? "(none)") -> \(change.to?.description ?? "(none)")")
            }
        }
    }
}
