import ArgumentParser
import Foundation
import PromptRegistry

/// What resolve, lock and render share: which bundle and how to pick its version.
struct ResolveOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("NAME, NAME@VERSION or NAME@sha256:HEX.", valueName: "ref"))
    var reference: String

    @Option(name: .long, help: ArgumentHelp("Resolve what this channel runs (default prod).", valueName: "channel"))
    var channel: String?

    @Option(name: .long, help: ArgumentHelp("User or session id: picks the sticky canary share.", valueName: "key"))
    var subject: String?

    @Option(name: .long, help: ArgumentHelp("Resolve exactly what this pin file (written by 'lock') pins.", valueName: "file"))
    var lock: String?

    @OptionGroup var trust: TrustOptions

    func validate() throws {
        let pinned = reference.contains("@")
        if pinned, channel != nil || subject != nil || lock != nil {
            throw ValidationError("NAME@VERSION and NAME@sha256:... are exact; leave out --channel, --subject and --lock")
        }
        if lock != nil, channel != nil || subject != nil {
            throw ValidationError("--lock is exact; leave out --channel and --subject")
        }
    }

    /// The request these options describe.
    func request() throws -> ResolveRequest {
        let parsed = try BundleReference(parsing: reference)
        if case .latest(let name) = parsed {
            if let lock { return .pinFile(name, try PinFile.read(from: lock)) }
            return .channel(name, channel: channel ?? stableChannel, subject: subject)
        }
        return .pinned(parsed)
    }
}

/// `promptreg resolve`.
struct ResolveCommand: TrustingCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Resolve the bundle an agent should run, verified, as an agent would at startup.",
        discussion: """
            NAME resolves what prod runs (or --channel C). With --subject, a bundle whose canary has traffic p gives the canary to the subjects whose bucket is below p (sticky per subject, see README "Canary bucketing"). NAME@VERSION and NAME@sha256:HEX are exact; --lock FILE returns exactly what the pin file pins or fails. Every digest is recomputed first. With a trust anchor (--trust FILE, $PROMPTREG_TRUST or git config promptreg.trust: an allowed_signers file), a state with any commit not signed by a key it allows, not exactly what its event says, or made by a signer the trust policy did not allow, is refused (exit 68).

            Examples:
              promptreg resolve support-agent --subject user-4711 --json
              promptreg resolve support-agent --lock promptreg.lock
              promptreg resolve support-agent --trust allowed_signers
            """)

    @OptionGroup var options: ResolveOptions
    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions
    var trustOptions: TrustOptions { options.trust }

    func run(on registry: Registry) throws {
        let view = try? registry.upstreamView()
        UpstreamNote.print(view)
        try Self.print(try registry.resolve(try options.request()), json: output.json, view: view)
    }

    /// Prints `resolved` as JSON or as two lines of text (shared with `ResolveShortPath`).
    /// Prints `resolved`; on a clone (`view` set), the JSON also says how old its view is.
    static func print(_ resolved: ResolvedBundle, json: Bool, view: UpstreamView? = nil) throws {
        if json { return try view.map { try Output.json(ViewedAnswer(resolved: resolved, view: $0)) } ?? Output.json(resolved) }
        Output.line("\(resolved.name)@\(resolved.version) \(resolved.digest)\(resolved.channel.map { " (\($0))" } ?? "")")
        Output.line("model: \(resolved.model.provider) \(resolved.model.id)")
    }
}

/// `promptreg lock`.
struct LockCommand: TrustingCommand {
    static let configuration = CommandConfiguration(
        commandName: "lock",
        abstract: "Write a pin file: the version and digest each bundle's channel runs now.",
        discussion: """
            All bundles are read from one state commit, so the pins are one consistent release. An agent started with 'resolve --lock FILE' (or the library's .pinFile request) gets exactly these versions, verified, or fails.

            Example:
              promptreg lock support-triage support-agent reply-verifier -o promptreg.lock
            """)

    @Argument(help: ArgumentHelp("The bundles to pin.", valueName: "name"))
    var names: [String]

    @Option(name: .long, help: ArgumentHelp("Pin what this channel runs.", valueName: "channel"))
    var channel: String = stableChannel

    @Option(name: .short, help: ArgumentHelp("Write here instead of standard output.", valueName: "file"))
    var outputFile: String?

    @OptionGroup var trustOptions: TrustOptions
    @OptionGroup var registryOptions: RegistryOptions

    func validate() throws {
        if names.isEmpty { throw ValidationError("name at least one bundle") }
    }

    func run(on registry: Registry) throws {
        UpstreamNote.print(for: registry)
        let pins = try registry.pins(names, channel: channel)
        guard let outputFile else { return try Output.json(pins) }
        do {
            try (Output.encoder.encode(pins) + Data("\n".utf8)).write(to: URL(fileURLWithPath: outputFile), options: .atomic)
        } catch {
            throw PromptRegError(
                .invalidInput, "\(outputFile): cannot write the pin file (\(error.localizedDescription))",
                fix: "choose a path in a directory you can write to")
        }
        Output.line("pinned \(pins.bundles.map { "\($0.name)@\($0.version)" }.joined(separator: " ")) in \(outputFile)")
    }
}

/// `promptreg render`.
struct RenderCommand: TrustingCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Print the chat API request body for a resolved bundle and input variables.",
        discussion: """
            Resolves the bundle like 'resolve', renders its messages with the variables in --vars (a JSON object), and prints the request body for the provider's chat API: model, messages (the system prompt where the provider wants it), tools in the provider's shape and sampling parameters.

            Example:
              echo '{"customer_name":"Ada","queue":"q","ticket_body":"Late"}' >v.json
              promptreg render support-agent --vars v.json --format anthropic
            """)

    @OptionGroup var options: ResolveOptions
    var trustOptions: TrustOptions { options.trust }

    @Option(name: .long, help: ArgumentHelp("A JSON object of input variables.", valueName: "file.json"))
    var vars: String

    @Option(name: .long, help: ArgumentHelp("The provider's API shape."))
    var format: ProviderFormat

    @OptionGroup var registryOptions: RegistryOptions

    func run(on registry: Registry) throws {
        guard let data = FileManager.default.contents(atPath: vars) else {
            throw PromptRegError(
                .notFound, "\(vars): variables file not found", fix: "write a JSON object such as {\"customer_name\": \"Ada\"}")
        }
        guard case .object(let variables) = try JSONValue(parsing: data, file: vars) else {
            throw PromptRegError.invalid(file: vars, "must be a JSON object of variable names to values")
        }
        let resolved = try registry.resolve(try options.request())
        let messages = try resolved.render(variables)
        try Output.json(resolved.bundle.content.requestBody(messages, format: format))
    }
}

/// A resolve answer on a clone: the answer's fields, then `upstream`, `pulled_at` (when it last
/// fetched from it; absent when it never did) and `stale_seconds`.
private struct ViewedAnswer: Encodable {
    let resolved: ResolvedBundle
    let view: UpstreamView

    enum CodingKeys: String, CodingKey {
        case upstream
        case pulledAt = "pulled_at"
        case staleSeconds = "stale_seconds"
    }

    func encode(to encoder: Encoder) throws {
        try resolved.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(view.remote, forKey: .upstream)
        try container.encodeIfPresent(view.lastFetched.map { $0.formatted(.iso8601) }, forKey: .pulledAt)
        try container.encodeIfPresent(view.age().map { $0.rounded() }, forKey: .staleSeconds)
    }
}
