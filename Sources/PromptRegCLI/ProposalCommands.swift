import ArgumentParser
import Foundation
import PromptRegistry

/// `promptreg propose`.
struct ProposeCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "propose",
        abstract: "Propose a promote onto a protected channel; it lands when approved (the two-person rule).",
        discussion: """
            The same two forms as promote: NAME@VERSION CHANNEL [--traffic P], or FROM TO [NAME...]. Records a pending proposal (signed by you; needs --sign-with or another signing key the trust policy lists) and prints its id. Other signers approve it with 'promptreg approve ID'; with the channel's number of approvals the promote lands in the same state commit as the last one. A proposal is void once the channel moves, and expires after --expires-in hours (default 24).

            Examples:
              promptreg propose support-agent@1.1.0 prod --sign-with ~/.ssh/promptreg_ed25519 -m "ship the refund fix"
              promptreg propose canary prod --json -m "release 2026.11"
            """)

    @Argument(help: ArgumentHelp("NAME@VERSION, or the channel to promote from.", valueName: "source"))
    var source: String

    @Argument(help: ArgumentHelp("The protected channel.", valueName: "channel"))
    var channel: String

    @Argument(help: ArgumentHelp("With FROM TO: only these bundles.", valueName: "name"))
    var names: [String] = []

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Canary share (canary only).", valueName: "percent"))
    var traffic: TrafficPercent?

    @Option(name: .long, help: ArgumentHelp("Hours until the proposal expires.", valueName: "hours"))
    var expiresIn: Double = 24

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if source.contains("@") {
            if !names.isEmpty { throw ValidationError("bundle names go with 'propose FROM TO', not with NAME@VERSION") }
        } else if traffic != nil {
            throw ValidationError("--traffic goes with 'propose NAME@VERSION canary'")
        }
        guard expiresIn.isFinite, expiresIn > 0, expiresIn <= 24 * 30 else { throw ValidationError("--expires-in must be between 0 and 720 hours") }
    }

    func run(on registry: Registry) throws {
        let actor = try write.prepare(registry)
        let intent: Proposal.Intent
        if source.contains("@") {
            guard case .version(let name, let version) = try BundleReference(parsing: source) else {
                throw PromptRegError(.usage, "propose needs NAME@VERSION (an exact version), not \(source)", fix: "name the version, e.g. support-agent@1.1.0")
            }
            intent = .version(bundle: name, version: version, traffic: traffic?.value)
        } else {
            for name in names { try Names.checkBundle(name) }
            intent = .release(from: source, bundles: names)
        }
        let (event, proposal) = try registry.propose(
            intent, to: channel, message: write.message(or: "propose \(source) to \(channel)"), actor: actor, lifetime: expiresIn * 3600)
        let landed = event.action == .approve
        if output.json {
            return try Output.json(ProposalWire(proposal, landed: landed, seq: event.seq))
        }
        if landed {
            Output.line("\(channel) needs no approvals: applied at once (seq \(event.seq))")
        } else {
            Output.line("proposed \(proposal.id) (seq \(event.seq)); approve with: promptreg approve \(proposal.id) -m \"...\"")
        }
        for change in proposal.changes { Output.line("  \(change.bundle) \(change.channel ?? ""): \(change.from?.description ?? "(none)") -> \(change.to?.description ?? "(none)")") }
    }
}

/// `promptreg approve`.
struct ApproveCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve a proposal; the last approval applies it in the same state commit.",
        discussion: """
            Signed by you (--sign-with or another signing key the trust policy lists). The proposer's own approval does not count, and each signer counts once.

            Example:
              promptreg approve 3f9a1c2b7d4e --sign-with ~/.ssh/promptreg_ed25519 -m "reviewed the eval"
            """)

    @Argument(help: ArgumentHelp("The proposal id (see 'promptreg proposals').", valueName: "id"))
    var id: String

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        let result = try registry.approve(id, message: write.message(or: "approve \(id)"), actor: try write.prepare(registry))
        if output.json { return try Output.json(ProposalWire(result.proposal, landed: result.landed, seq: result.event.seq)) }
        if result.landed {
            Output.line("approved \(id): applied (seq \(result.event.seq))")
            try EventPrinter.print(result.event, json: false)
        } else {
            Output.line("approved \(id) (seq \(result.event.seq)); \(result.remaining) more approval(s) needed")
        }
    }
}

/// `promptreg proposals`.
struct ProposalsCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "proposals", abstract: "List pending proposals with their approvals.",
        discussion: """
            Example:
              promptreg proposals --json
            """)

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        // Proposals are made and approved upstream: list what the upstream has, or say why not.
        if let view = try registry.upstreamView() {
            do {
                _ = try registry.pull()
            } catch let error as PromptRegError {
                Output.error("note: could not pull from \(view.remote) (\(error.message)): these are the proposals this clone knew when it last pulled")
            }
        }
        let proposals = try registry.proposals()
        if output.json { return try Output.json(proposals.map { ProposalWire($0, landed: false, seq: nil) }) }
        guard !proposals.isEmpty else { return Output.line("no pending proposals") }
        Output.table(
            ["ID", "CHANNEL", "CHANGES", "PROPOSER", "APPROVED BY", "EXPIRES"],
            proposals.map { proposal in
                [
                    proposal.id, proposal.channel,
                    proposal.changes.map { "\($0.bundle) -> \($0.to?.description ?? "(none)")" }.joined(separator: ", "),
                    proposal.proposer, proposal.approvals.map(\.principal).joined(separator: ", "),
                    proposal.isExpired() ? "expired" : proposal.expires,
                ]
            })
    }
}
