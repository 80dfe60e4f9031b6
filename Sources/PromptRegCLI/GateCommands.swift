import ArgumentParser
import PromptRegistry

/// `promptreg gate`: promotion gates per channel, and the canary ramp steps.
struct GateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Set, show and remove promotion gates, and configure the canary ramp.",
        discussion: """
            A promote onto a gated channel is refused (exit 79) when the candidate has no result for the gate's suite, or scores below baseline x (1 - max drop), where the baseline is the best result of the version the channel runs now (same suite and eval set). 'promote --override-gate -m REASON' lets it through, recorded in the log.

            Examples:
              promptreg gate set prod --suite refunds --max-drop 0.03 -m "block regressions"
              promptreg gate ramp --steps 1,5,20,50,100 --dwell 600 -m "ten minutes a step"
              promptreg gate show --json
            """,
        subcommands: [GateSetCommand.self, GateShowCommand.self, GateRemoveCommand.self, GateRampCommand.self])
}

/// `promptreg gate set`.
struct GateSetCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Gate a channel on an eval suite.",
        discussion: """
            Example:
              promptreg gate set prod --suite refunds --max-drop 0.03 -m "block regressions"
            """)

    @Argument(help: ArgumentHelp("The channel.", valueName: "channel"))
    var channel: String

    @Option(name: .long, help: ArgumentHelp("The eval suite.", valueName: "suite"))
    var suite: String

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("The largest relative drop allowed (0.03 is 3 %).", valueName: "fraction"))
    var maxDrop: Double = GateRule.defaultMaxDrop

    @Option(name: .long, help: ArgumentHelp("Count only results on this eval set.", valueName: "sha256:hex"))
    var dataset: Digest?

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        let event = try registry.setGate(
            GateRule(channel: channel, suite: suite, maxDrop: maxDrop, dataset: dataset), message: write.message(or: "gate \(channel)"),
            actor: write.prepare(registry))
        if output.json { return try Output.json(event) }
        Output.line("\(channel) gated on \(suite), max drop \(maxDrop) (seq \(event.seq))")
    }
}

/// `promptreg gate show`.
struct GateShowCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show every channel's gate and the ramp steps.",
        discussion: """
            Example:
              promptreg gate show --json
            """)

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    /// The JSON form.
    struct Shown: Encodable {
        let gates: [GateRule]
        let ramp: RampPolicy
    }

    func run(on registry: Registry) throws {
        let (gates, ramp) = try registry.gates()
        if output.json { return try Output.json(Shown(gates: gates, ramp: ramp)) }
        Output.table(
            ["CHANNEL", "SUITE", "MAX DROP", "DATASET"], gates.map { [$0.channel, $0.suite, "\($0.maxDrop)", $0.dataset?.short ?? "any"] })
        Output.line("ramp: \(ramp.steps.map(PointerTarget.percent).joined(separator: " ")), at least \(Int(ramp.minDwellSeconds)) s a step")
    }
}

/// `promptreg gate remove`.
struct GateRemoveCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove a channel's gate.",
        discussion: """
            Example:
              promptreg gate remove prod -m "suite retired"
            """)

    @Argument(help: ArgumentHelp("The channel.", valueName: "channel"))
    var channel: String

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        let event = try registry.removeGate(channel, message: write.message(or: "remove gate \(channel)"), actor: write.prepare(registry))
        if output.json { return try Output.json(event) }
        Output.line("\(channel) is no longer gated (seq \(event.seq))")
    }
}

/// `promptreg gate ramp`.
struct GateRampCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "ramp", abstract: "Configure the canary ramp: traffic steps and the least time on each.",
        discussion: """
            Example:
              promptreg gate ramp --steps 1,5,20,50,100 --dwell 600 -m "ten minutes a step"
            """)

    @Option(name: .long, help: ArgumentHelp("Traffic steps in percent, rising, ending at 100.", valueName: "list"))
    var steps: String

    @Option(name: .long, help: ArgumentHelp("Seconds each step must run before the next.", valueName: "seconds"))
    var dwell: Double = 0

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        let values = try steps.split(separator: ",").map { text -> Double in
            guard let step = TrafficPercent(argument: String(text.trimmingCharacters(in: .whitespaces))) else {
                throw PromptRegError(.invalidInput, "--steps: '\(text)' is not a plain percentage", fix: "e.g. --steps 1,5,20,50,100")
            }
            return step.value
        }
        let event = try registry.setRampPolicy(
            RampPolicy(steps: values, minDwellSeconds: dwell), message: write.message(or: "ramp policy"), actor: write.prepare(registry))
        if output.json { return try Output.json(event) }
        Output.line("ramp: \(values.map(PointerTarget.percent).joined(separator: " ")), at least \(Int(dwell)) s a step (seq \(event.seq))")
    }
}

/// `promptreg ramp`.
struct RampCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "ramp",
        abstract: "Raise a bundle's canary traffic to the next step (or abort to 0).",
        discussion: """
            Steps come from 'promptreg gate ramp' (default 1, 5, 20, 50, 100). A step is refused before the current one has run for the configured dwell, and when the canary's version fails prod's gate. Subjects already on the canary stay on it at every step. At 100 %, promote canary to prod.

            Examples:
              promptreg ramp support-agent -m "looks good at 5%"
              promptreg ramp support-agent --abort -m "refund replies too generous"
            """)

    @Argument(help: ArgumentHelp("The bundle.", valueName: "name"))
    var name: String

    @Flag(name: .long, help: "Set the canary's traffic to 0 at once.")
    var abort = false

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        let result = try registry.ramp(
            name, abort: abort, message: write.message(or: abort ? "abort ramp of \(name)" : "ramp \(name)"), actor: write.prepare(registry))
        if output.json { return try Output.json(result) }
        Output.line("\(name) canary at \(PointerTarget.percent(result.traffic)) (seq \(result.event.seq))")
        if result.complete { Output.line("the ramp is complete: promptreg promote canary prod \(name) -m \"...\"") }
    }
}
