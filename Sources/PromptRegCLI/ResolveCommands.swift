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

    @Option(name: .long, help: ArgumentHelp("Resolve exactly what this lock file pins.", valueName: "file"))
    var lock: String?

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
            if let lock { return .locked(name, try LockFile.read(from: lock)) }
            return .channel(name, channel: channel ?? stableChannel, subject: subject)
        }
        return .pinned(parsed)
    }
}

/// `promptreg resolve`.
struct ResolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Resolve the bundle an agent should run, verified, as an agent would at startup.",
        discussion: """
            NAME resolves what prod runs (or --channel C). With --subject, a bundle whose canary has
            traffic p gives the canary to the subjects whose bucket is below p (sticky per subject,
            see README "Canary bucketing"). NAME@VERSION and NAME@sha256:HEX are exact; --lock FILE
            returns exactly what the lock pins or fails. Every digest is recomputed first.

            Examples:
              promptreg resolve support-agent --subject user-4711 --json
              promptreg resolve support-agent --lock promptreg.lock
            """)

    @OptionGroup var options: ResolveOptions
    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let resolved = try registryOptions.open().resolve(try options.request())
        if output.json { return try Output.json(resolved) }
        print("\(resolved.name)@\(resolved.version) \(resolved.digest)\(resolved.channel.map { " (\($0))" } ?? "")")
        print("model: \(resolved.model.provider) \(resolved.model.id)")
    }
}

/// `promptreg lock`.
struct LockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lock",
        abstract: "Write a lock file pinning the version and digest each bundle's channel runs now.",
        discussion: "Example: promptreg lock support-triage support-agent reply-verifier -o promptreg.lock")

    @Argument(help: ArgumentHelp("The bundles to pin.", valueName: "name"))
    var names: [String]

    @Option(name: .long, help: ArgumentHelp("Pin what this channel runs (default prod).", valueName: "channel"))
    var channel: String = stableChannel

    @Option(name: .short, help: ArgumentHelp("Write here instead of standard output.", valueName: "file"))
    var outputFile: String?

    @OptionGroup var registryOptions: RegistryOptions

    func validate() throws {
        if names.isEmpty { throw ValidationError("name at least one bundle") }
    }

    func run() throws {
        let lock = try registryOptions.open().lock(names, channel: channel)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(lock) + Data("\n".utf8)
        if let outputFile {
            do {
                try data.write(to: URL(fileURLWithPath: outputFile), options: .atomic)
            } catch {
                throw PromptRegError(.invalidInput, "\(outputFile): cannot write the lock file (\(error.localizedDescription))")
            }
            print("locked \(lock.bundles.map { "\($0.name)@\($0.version)" }.joined(separator: " ")) to \(outputFile)")
        } else {
            FileHandle.standardOutput.write(data)
        }
    }
}

/// `promptreg render`.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Print the chat API request body for a resolved bundle and input variables.",
        discussion: """
            Resolves the bundle like 'resolve', renders its messages with the variables in
            --vars (a JSON object), and prints the request body for the provider's chat API: model,
            messages (the system prompt where the provider wants it), tools in the provider's shape
            and sampling parameters.

            Example: promptreg render support-agent --vars vars.json --format anthropic
            """)

    @OptionGroup var options: ResolveOptions

    @Option(name: .long, help: ArgumentHelp("A JSON object of input variables.", valueName: "file.json"))
    var vars: String

    @Option(name: .long, help: ArgumentHelp("The provider's API shape.", valueName: "openai|anthropic"))
    var format: String

    @OptionGroup var registryOptions: RegistryOptions

    func validate() throws {
        if ProviderFormat(rawValue: format) == nil { throw ValidationError("--format takes openai or anthropic, not '\(format)'") }
    }

    func run() throws {
        guard let data = FileManager.default.contents(atPath: vars) else {
            throw PromptRegError(
                .notFound, "\(vars): variables file not found", fix: "write a JSON object such as {\"customer_name\": \"Ada\"}")
        }
        guard case .object(let variables) = try JSONValue(parsing: data, file: vars) else {
            throw PromptRegError.invalid(file: vars, "must be a JSON object of variable names to values")
        }
        let resolved = try registryOptions.open().resolve(try options.request())
        let messages = try resolved.render(variables)
        try Output.json(resolved.bundle.content.requestBody(messages, format: ProviderFormat(rawValue: format)!))
    }
}
