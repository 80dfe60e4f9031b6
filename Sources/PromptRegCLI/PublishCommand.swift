import ArgumentParser
import PromptRegistry

/// `promptreg publish`.
struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Validate a bundle directory and publish it as a new immutable version.",
        discussion: """
            Reads DIR/bundle.yaml and the files it names, validates everything, computes the SHA-256
            digest of each layer and of the bundle, and stores it as NAME@VERSION. A version, once
            published, never changes.

            Without --version or --bump, the first version is 1.0.0 and later ones take the smallest
            bump the change requires: major for a model change, a removed tool, a changed tool input
            schema, a changed output schema, a removed variable or a new required one; minor for an
            added tool, a new optional variable or a parameter change; patch for wording. A bump
            smaller than the change requires is refused with the layers that changed.

            Examples:
              promptreg publish registry/support-agent -m "first release"
              promptreg publish registry/support-agent -m "tighter refund policy" --bump minor
            """)

    @Argument(help: ArgumentHelp("The bundle directory (holding bundle.yaml).", valueName: "dir"))
    var directory: String

    @Option(name: .shortAndLong, help: "Why this version exists (recorded in the audit log).")
    var message: String

    @Option(name: .long, help: ArgumentHelp("Publish exactly this version (MAJOR.MINOR.PATCH).", valueName: "x.y.z"))
    var version: String?

    @Option(name: .long, help: ArgumentHelp("Raise the highest version by this much.", valueName: "major|minor|patch"))
    var bump: String?

    @Flag(name: .long, help: "Accept a model id that is not pinned to a date or version (recorded with the version).")
    var allowFloatingModel = false

    @Flag(name: .long, help: "Accept templates that look like they contain API keys or private keys (recorded).")
    var allowSecrets = false

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var actorOptions: ActorOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if version != nil, bump != nil { throw ValidationError("give --version or --bump, not both") }
        if let bump, !["major", "minor", "patch"].contains(bump) {
            throw ValidationError("--bump takes major, minor or patch, not '\(bump)'")
        }
    }

    func run() throws {
        let choice: VersionChoice
        if let version {
            choice = .exact(try SemanticVersion(parsing: version))
        } else if let bump {
            choice = .bump(bump == "major" ? .major : bump == "minor" ? .minor : .patch)
        } else {
            choice = .automatic
        }
        let registry = try registryOptions.open()
        let result = try registry.publish(
            directory: directory, message: message, version: choice,
            policy: BundlePolicy(allowFloatingModel: allowFloatingModel, allowSecrets: allowSecrets),
            actor: actorOptions.resolve(for: registry))
        if output.json {
            try Output.json(PublishOutput(result))
        } else {
            print("published \(result.name)@\(result.version) \(result.digest)")
        }
    }
}

/// The JSON form of a publish.
struct PublishOutput: Encodable {
    let name: String
    let version: String
    let digest: String
    let layers: [String: String]
    let previous: String?
    let requiredBump: String
    let seq: Int64
    let actor: String
    let time: String

    init(_ result: PublishResult) {
        name = result.name
        version = result.version.description
        digest = result.digest.description
        layers = Dictionary(uniqueKeysWithValues: result.layerDigests.map { ($0.key.rawValue, $0.value.description) })
        previous = result.previous?.description
        requiredBump = result.requiredBump.description
        seq = result.event.seq
        actor = result.event.actor
        time = result.event.time
    }

    enum CodingKeys: String, CodingKey {
        case name, version, digest, layers, previous
        case requiredBump = "required_bump"
        case seq, actor, time
    }
}
