import ArgumentParser
import PromptRegistry

/// `promptreg status`.
struct StatusCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show what every channel runs: version, digest, traffic, when and by whom, and what is killed.",
        discussion: """
            A killed channel is marked KILLED, and a line under the table says by whom, when and why; with --json its entry has a kill object (bundle, channel, reason, by, at).

            A damaged pointer is reported on standard error and the rest is still shown; the exit code is then 68.

            Example:
              promptreg status --json
            """)

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        UpstreamNote.print(for: registry)
        let status = try registry.status()
        if output.json {
            try Output.json(status.items)
        } else if status.items.isEmpty, status.complete {
            if let view = try registry.upstreamView(), view.lastFetched == nil {
                Output.line("nothing here yet: this registry never pulled from its upstream \(view.remote): promptreg pull")
            } else {
                Output.line("no channel points anywhere yet: promptreg promote NAME@VERSION CHANNEL -m \"...\"")
            }
        } else {
            Output.table(
                ["BUNDLE", "CHANNEL", "VERSION", "DIGEST", "TRAFFIC", "SET", "BY", "KILLED"],
                status.items.map { cell in
                    let pointer = cell.pointer
                    return [
                        cell.bundle, cell.channel, pointer.version.description, pointer.digest.short,
                        pointer.traffic.map(PointerTarget.percent) ?? "-", pointer.time, pointer.actor, cell.kill == nil ? "-" : "KILLED",
                    ]
                })
            for kill in status.items.compactMap(\.kill) {
                Output.line("killed: \(kill.bundle) \(kill.channel) by \(kill.by) at \(kill.at): \(kill.reason)")
            }
        }
        try ReportPrinter.finish(status, json: output.json)
    }
}

/// `promptreg log`.
struct LogCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Show the audit trail, newest first: publishes, promotes, rollbacks, kills and revives.",
        discussion: """
            Example:
              promptreg log support-agent --channel prod -n 10
            """)

    @Argument(help: ArgumentHelp("Only events touching this bundle.", valueName: "name"))
    var name: String?

    @Option(name: .long, help: ArgumentHelp("Only changes to this channel.", valueName: "channel"))
    var channel: String?

    @Option(name: .customShort("n"), parsing: .unconditional, help: ArgumentHelp("At most this many events.", valueName: "n"))
    var count: Int = 20

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if count < 1 { throw ValidationError("-n must be at least 1") }
    }

    func run(on registry: Registry) throws {
        UpstreamNote.print(for: registry)
        let events = try registry.log(bundle: name, channel: channel, limit: count)
        if output.json { return try Output.json(events) }
        for event in events {
            let signed = event.signedBy.map { " [signed by \($0)]" } ?? ""
            Output.line("#\(event.seq) \(event.time) \(event.actor)\(signed) \(event.action.rawValue): \(event.message)")
            for change in event.changes { Output.line("    \(EventPrinter.describe(change, of: event))") }
        }
    }
}
