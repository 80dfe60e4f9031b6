import ArgumentParser
import PromptRegistry

/// `promptreg publish`.
struct PublishCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Validate a bundle directory and publish it as a new immutable version.",
        discussion: """
            Reads DIR/bundle.yaml and the files it names, validates everything, computes the SHA-256 digest of each layer and of the bundle, and stores it as NAME@VERSION. A version, once published, never changes. Nothing is written when anything is wrong.

            Without --version or --bump, the first version is 1.0.0 and later ones take the smallest bump the change requires: major for a model change, a removed tool, a changed tool input schema, a changed output schema, a removed variable or a new required one; minor for an added tool, a new optional variable or a parameter change; patch for wording. A bump smaller than the change requires is refused with the layers that changed.

            Examples:
              promptreg publish registry/support-agent -m "first release"
              promptreg publish registry/support-agent -m "stricter refunds" --bump minor
            """)

    @Argument(help: ArgumentHelp("The bundle directory (holding bundle.yaml).", valueName: "dir"))
    var directory: String

    @Option(name: .customLong("version"), help: ArgumentHelp("Publish exactly this version (MAJOR.MINOR.PATCH).", valueName: "x.y.z"))
    var exactVersion: String?

    @Option(name: .long, help: ArgumentHelp("Raise the highest version by this much."))
    var bump: VersionBump?

    @Flag(name: .long, help: "Accept a model id that is not pinned to a date or version (recorded with the version).")
    var allowFloatingModel = false

    @Flag(name: .long, help: "Accept templates that look like they contain API keys or private keys (recorded).")
    var allowSecrets = false

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if exactVersion != nil, bump != nil { throw ValidationError("give --version or --bump, not both") }
        if write.message == nil { throw ValidationError("a publish needs a message: say why with -m \"...\"") }
    }

    func run(on registry: Registry) throws {
        let choice: VersionChoice
        if let exactVersion {
            choice = .exact(try SemanticVersion(parsing: exactVersion))
        } else if let bump {
            choice = .bump(bump)
        } else {
            choice = .automatic
        }
        let result = try registry.publish(
            directory: directory, message: write.message(or: ""), version: choice,
            policy: BundlePolicy(allowFloatingModel: allowFloatingModel, allowSecrets: allowSecrets),
            actor: write.prepare(registry))
        if output.json { return try Output.json(result) }
        Output.line("published \(result.name)@\(result.version) \(result.digest)\(try registry.writeUpstream().map { ", pushed to \($0)" } ?? "")")
    }
}
