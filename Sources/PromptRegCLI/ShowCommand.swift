import ArgumentParser
import Foundation
import PromptRegistry

/// `promptreg show`.
struct ShowCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one published version, verified, with its digests and layers.",
        discussion: """
            REF is NAME (the highest version), NAME@VERSION or NAME@sha256:HEX. Every digest is recomputed before anything is shown.

            Examples:
              promptreg show support-agent
              promptreg show support-agent@1.2.0 --layer tools --json
            """)

    @Argument(help: ArgumentHelp("NAME, NAME@VERSION or NAME@sha256:HEX.", valueName: "ref"))
    var reference: String

    @Option(name: .long, help: ArgumentHelp("Show only this layer."))
    var layer: LayerKind?

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        UpstreamNote.print(for: registry)
        let bundle = try registry.show(try BundleReference(parsing: reference))
        if let layer {
            guard let document = bundle.layerDocuments[layer] else {
                throw PromptRegError(
                    .notFound, "\(bundle.name)@\(bundle.version) has no \(layer.rawValue) layer",
                    fix: "the output layer is optional; this bundle has none",
                    subject: .init(bundle: bundle.name, version: bundle.version.description, layer: layer))
            }
            if output.json || layer != .prompt {
                let value = try JSONValue(parsing: Data(document), file: "\(layer.rawValue).json")
                return try Output.json(value)
            }
            for message in bundle.content.prompt.messages {
                Output.line("--- \(message.role)")
                Output.line(message.template)
            }
            return
        }
        if output.json { return try Output.json(bundle) }
        let content = bundle.content
        Output.line("\(bundle.name)@\(bundle.version)  \(bundle.digest)")
        Output.line("  \(content.description)")
        Output.line("published \(bundle.publish.time) by \(bundle.publish.actor): \(bundle.publish.message)")
        if bundle.publish.allowFloatingModel { Output.line("  (published with --allow-floating-model)") }
        if bundle.publish.allowSecrets { Output.line("  (published with --allow-secrets)") }
        Output.line("model:      \(content.model.provider) \(content.model.id)")
        let parameters = JSONValue(encoding: content.parameters).flattened()
            .map { "\($0.key)=\($0.value.canonicalString)" }.sorted().joined(separator: " ")
        Output.line("parameters: \(parameters.isEmpty ? "(defaults)" : parameters)")
        Output.line(
            "messages:   "
                + content.prompt.messages.map {
                    "\($0.role) (\($0.template.split(separator: "\n", omittingEmptySubsequences: false).count) lines)"
                }.joined(separator: ", "))
        Output.line(
            "variables:  "
                + (content.prompt.variables.isEmpty
                    ? "(none)"
                    : content.prompt.variables.map { "\($0.name): \($0.type.rawValue)\($0.required ? "" : "?")" }.joined(separator: ", ")))
        Output.line("tools:      " + content.tools.tools.map(\.name).joined(separator: ", "))
        Output.line("output:     " + (content.output == nil ? "(free text)" : "JSON Schema"))
        Output.line("layers:")
        for kind in LayerKind.allCases {
            if let digest = bundle.layerDigests[kind] {
                Output.line("  \(kind.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0))\(digest)")
            }
        }
    }
}
