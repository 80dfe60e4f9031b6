import ArgumentParser
import PromptRegistry

/// `promptreg list`.
struct ListCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the bundles: highest version and where each channel points.",
        discussion: """
            A damaged pointer is reported on standard error and the rest is still listed; the exit code is then 68.

            Example:
              promptreg list --json
            """)

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        UpstreamNote.print(for: registry)
        let result = try registry.list()
        if output.json {
            try Output.json(result.items)
        } else if result.items.isEmpty, result.complete {
            Output.line("no bundles yet: publish one with 'promptreg publish DIR -m MESSAGE'")
        } else {
            Output.table(
                ["BUNDLE", "LATEST", "VERSIONS", "CHANNELS"],
                result.items.map { bundle in
                    let channels = bundle.channels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                    return [bundle.name, bundle.latest.description, "\(bundle.versionCount)", channels.joined(separator: " ")]
                })
        }
        try ReportPrinter.finish(result, json: output.json)
    }
}

/// `promptreg versions`.
struct VersionsCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "versions", abstract: "List the published versions of one bundle, oldest first.",
        discussion: """
            Example:
              promptreg versions support-agent --json
            """)

    @Argument(help: ArgumentHelp("The bundle.", valueName: "name"))
    var name: String

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        UpstreamNote.print(for: registry)
        let result = try registry.versions(of: name)
        if output.json {
            try Output.json(result.items)
        } else {
            Output.table(
                ["VERSION", "DIGEST", "PUBLISHED", "BY", "CHANNELS", "MESSAGE"],
                result.items.map { version in
                    [
                        version.version.description, "sha256:" + version.digest.short, version.time, version.actor,
                        version.channels.joined(separator: ","),
                        version.message.split(separator: "\n").first.map(String.init) ?? "",
                    ]
                })
        }
        try ReportPrinter.finish(result, json: output.json)
    }
}
