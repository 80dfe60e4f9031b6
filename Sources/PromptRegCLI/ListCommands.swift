import ArgumentParser
import PromptRegistry

/// `promptreg list`.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the bundles: highest version and where each channel points.")

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let bundles = try registryOptions.open().list()
        if output.json { return try Output.json(bundles) }
        if bundles.isEmpty { return print("no bundles yet: publish one with 'promptreg publish DIR -m MESSAGE'") }
        Output.table(
            ["BUNDLE", "LATEST", "VERSIONS", "CHANNELS"],
            bundles.map { bundle in
                [
                    bundle.name, bundle.latest.description, "\(bundle.versionCount)",
                    bundle.channels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "),
                ]
            })
    }
}

/// `promptreg versions`.
struct VersionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "versions", abstract: "List the published versions of one bundle, oldest first.",
        discussion: "Example: promptreg versions support-agent --json")

    @Argument(help: ArgumentHelp("The bundle.", valueName: "name"))
    var name: String

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let versions = try registryOptions.open().versions(of: name)
        if output.json { return try Output.json(versions) }
        Output.table(
            ["VERSION", "DIGEST", "PUBLISHED", "BY", "CHANNELS", "MESSAGE"],
            versions.map { version in
                [
                    version.version.description, "sha256:" + version.digest.short, version.time, version.actor,
                    version.channels.joined(separator: ","), version.message.split(separator: "\n").first.map(String.init) ?? "",
                ]
            })
    }
}
