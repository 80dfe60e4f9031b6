import ArgumentParser
import Foundation
import PromptRegistry

/// `promptreg show`.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one published version, verified, with its digests and layers.",
        discussion: """
            REF is NAME (the highest version), NAME@VERSION or NAME@sha256:HEX. Every digest is
            recomputed before anything is shown.

            Examples:
              promptreg show support-agent
              promptreg show support-agent@1.2.0 --layer tools --json
            """)

    @Argument(help: ArgumentHelp("NAME, NAME@VERSION or NAME@sha256:HEX.", valueName: "ref"))
    var reference: String

    @Option(name: .long, help: ArgumentHelp("Show only this layer.", valueName: "prompt|model|parameters|tools|output"))
    var layer: String?

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let layer, LayerKind(rawValue: layer) == nil {
            throw ValidationError("--layer takes prompt, model, parameters, tools or output, not '\(layer)'")
        }
    }

    func run() throws {
        let bundle = try registryOptions.open().show(try BundleReference(parsing: reference))
        if let layer = layer.flatMap(LayerKind.init(rawValue:)) {
            guard let document = bundle.layerDocuments[layer] else {
                throw PromptRegError(.notFound, "\(bundle.name)@\(bundle.version) has no \(layer.rawValue) layer")
            }
            if output.json || layer != .prompt {
                let value = try JSONValue(parsing: Data(document), file: "\(layer.rawValue).json")
                return try Output.json(value)
            }
            for message in bundle.content.prompt.messages {
                print("--- \(message.role)")
                print(message.template)
            }
            return
        }
        if output.json { return try Output.json(bundle) }
        let content = bundle.content
        print("\(bundle.name)@\(bundle.version)  \(bundle.digest)")
        print("  \(content.description)")
        print("published \(bundle.publish.time) by \(bundle.publish.actor): \(bundle.publish.message)")
        if bundle.publish.allowFloatingModel { print("  (published with --allow-floating-model)") }
        if bundle.publish.allowSecrets { print("  (published with --allow-secrets)") }
        print("model:      \(content.model.provider) \(content.model.id)")
        let parameters = JSONValue(encoding: content.parameters).flattened()
            .map { "\($0.key)=\($0.value.canonicalString)" }.sorted().joined(separator: " ")
        print("parameters: \(parameters.isEmpty ? "(defaults)" : parameters)")
        print(
            "messages:   "
                + content.prompt.messages.map {
                    "\($0.role) (\($0.template.split(separator: "\n", omittingEmptySubsequences: false).count) lines)"
                }.joined(separator: ", "))
        print(
            "variables:  "
                + (content.prompt.variables.isEmpty
                    ? "(none)"
                    : content.prompt.variables.map { "\($0.name): \($0.type.rawValue)\($0.required ? "" : "?")" }.joined(separator: ", ")))
        print("tools:      " + content.tools.tools.map(\.name).joined(separator: ", "))
        print("output:     " + (content.output == nil ? "(free text)" : "JSON Schema"))
        print("layers:")
        for kind in LayerKind.allCases {
            if let digest = bundle.layerDigests[kind] {
                print("  \(kind.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0))\(digest)")
            }
        }
    }
}
