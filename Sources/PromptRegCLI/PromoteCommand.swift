import ArgumentParser
import PromptRegistry

/// `promptreg promote`.
struct PromoteCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Point a channel at a version, or give one channel what another runs.",
        discussion: """
            Two forms:

            promptreg promote NAME@VERSION CHANNEL [--traffic PERCENT] points CHANNEL of one bundle at VERSION (verified first). --traffic (a plain decimal from 0 to 100) is the share of subjects that get the canary when they ask for prod; it applies to the canary channel only.

            promptreg promote FROM TO [NAME...] gives TO the version FROM runs, for every named bundle (all bundles on FROM when none is named), in one atomic state commit. The canary's traffic goes back to 0.

            CHANNEL must be declared (canary and prod are; see 'promptreg channel'). Every promote is one state commit, recorded with actor, time and message, and can be undone with 'promptreg rollback'.

            Examples:
              promptreg promote support-agent@1.1.0 canary --traffic 5 -m "try it"
              promptreg promote canary prod -m "release 2026.11"
            """)

    @Argument(help: ArgumentHelp("NAME@VERSION, or the channel to promote from.", valueName: "source"))
    var source: String

    @Argument(help: ArgumentHelp("The channel to set.", valueName: "channel"))
    var channel: String

    @Argument(help: ArgumentHelp("With FROM TO: only these bundles.", valueName: "name"))
    var names: [String] = []

    @Option(
        name: .long, parsing: .unconditional,
        help: ArgumentHelp("Canary share of subjects: a plain decimal from 0 to 100, e.g. 5 or 12.5.", valueName: "percent"))
    var traffic: TrafficPercent?

    @Flag(name: .long, help: "Promote although the channel's gate refuses; -m gives the reason (recorded).")
    var overrideGate = false

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if overrideGate, write.message == nil { throw ValidationError("--override-gate needs the reason: -m \"...\"") }
        if source.contains("@") {
            if !names.isEmpty { throw ValidationError("bundle names go with 'promote FROM TO', not with NAME@VERSION") }
        } else if traffic != nil {
            throw ValidationError("--traffic goes with 'promote NAME@VERSION canary'")
        }
    }

    func run(on registry: Registry) throws {
        let actor = try write.prepare(registry)
        let event: StateEvent
        if source.contains("@") {
            let reference = try BundleReference(parsing: source)
            event = try registry.promote(
                reference, to: channel, traffic: traffic?.value, message: write.message(or: "promote \(reference) to \(channel)"),
                actor: actor, overrideGate: overrideGate ? write.message : nil)
        } else {
            event = try registry.promote(
                channel: source, to: channel, bundles: names, message: write.message(or: "promote \(source) to \(channel)"),
                actor: actor, overrideGate: overrideGate ? write.message : nil)
        }
        try EventPrinter.print(event, json: output.json, pushedTo: try registry.writeUpstream())
    }
}

/// `promptreg rollback`.
struct RollbackCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Undo the most recent change to a channel, for every bundle it moved, in one step.",
        discussion: """
            Reverts the most recent promote of CHANNEL for every bundle that change touched (or only the NAMEs given), in one atomic state commit: prompt, model, parameters and tools switch back together because the pointer names the whole bundle. Rolling back again walks further back; it never returns to the version just rolled back from. With --to (one bundle), sets exactly that published version.

            Examples:
              promptreg rollback prod -m "refund replies too generous"
              promptreg rollback prod support-agent --to 1.0.0
            """)

    @Argument(help: ArgumentHelp("The channel.", valueName: "channel"))
    var channel: String

    @Argument(help: ArgumentHelp("Only these bundles.", valueName: "name"))
    var names: [String] = []

    @Option(name: .long, help: ArgumentHelp("Set this version (one bundle only).", valueName: "version"))
    var to: String?

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if to != nil, names.count != 1 { throw ValidationError("--to needs exactly one bundle name") }
    }

    func run(on registry: Registry) throws {
        let version = try to.map { try SemanticVersion(parsing: $0) }
        let event = try registry.rollback(
            channel: channel, bundles: names, to: version, message: write.message(or: "rollback \(channel)"),
            actor: write.prepare(registry))
        try EventPrinter.print(event, json: output.json, pushedTo: try registry.writeUpstream())
    }
}

/// Prints what a state commit did.
enum EventPrinter {
    /// Prints `event`; `pushedTo` is the remote the write went through, if any (text only: the
    /// JSON is the event as the log stores it).
    static func print(_ event: StateEvent, json: Bool, pushedTo remote: String? = nil) throws {
        if json { return try Output.json(event) }
        Output.line("\(event.action.rawValue) (seq \(event.seq))\(remote.map { ", pushed to \($0)" } ?? ""):")
        for change in event.changes { Output.line("  \(describe(change, of: event))") }
    }

    /// One change as text: `NAME CHANNEL: FROM -> TO`, `NAME published: (none) -> VERSION`, or
    /// `NAME CHANNEL: killed` / `revived`.
    static func describe(_ change: StateChange, of event: StateEvent) -> String {
        let target = "\(change.bundle) \(change.channel ?? "published")"
        switch event.action {
        case .kill: return "\(target): killed"
        case .revive: return "\(target): revived"
        default: return "\(target): \(change.from?.description ?? "(none)") -> \(change.to?.description ?? "(none)")"
        }
    }
}
