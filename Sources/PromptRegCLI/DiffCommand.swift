import ArgumentParser
import PromptRegistry

/// `promptreg diff`.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two published versions layer by layer, with the semver bump the difference requires.",
        discussion: """
            Shows a unified diff of template text, model and parameters key by key, tools added,
            removed and changed, and the bump (major, minor, patch) the difference requires.

            Example: promptreg diff support-agent@1.0.0 support-agent@1.1.0
            """)

    @Argument(help: ArgumentHelp("The older version: NAME, NAME@VERSION or NAME@sha256:HEX.", valueName: "ref-a"))
    var first: String

    @Argument(help: ArgumentHelp("The newer version.", valueName: "ref-b"))
    var second: String

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let (old, new, comparison) = try registryOptions.open().diff(
            try BundleReference(parsing: first), try BundleReference(parsing: second))
        if output.json {
            return try Output.json(
                DiffOutput(
                    from: "\(old.name)@\(old.version)", to: "\(new.name)@\(new.version)",
                    fromDigest: old.digest.description, toDigest: new.digest.description,
                    requiredBump: comparison.requiredBump.description,
                    changedLayers: comparison.changedLayers.map(\.rawValue), changes: comparison.changes,
                    templateDiffs: comparison.templateDiffs.map { DiffOutput.TemplateDiff(message: $0.message, diff: $0.diff) }))
        }
        print("\(old.name)@\(old.version) (\(old.digest.short)) -> \(new.name)@\(new.version) (\(new.digest.short))")
        if comparison.changes.isEmpty { return print("no differences") }
        for layer in [nil] + LayerKind.allCases.map(Optional.some) {
            let changes = comparison.changes.filter { $0.layer == layer }
            guard !changes.isEmpty else { continue }
            print("\n[\(layer?.rawValue ?? "bundle")]")
            for change in changes {
                var line = "  \(change.field): \(change.kind)"
                if change.before != nil || change.after != nil, change.layer != .prompt || change.kind == "changed" {
                    line += " \(change.before ?? "(none)") -> \(change.after ?? "(none)")"
                }
                print(line + "  [\(change.bump)]")
            }
            if layer == .prompt {
                for template in comparison.templateDiffs { print(template.diff) }
            }
        }
        print("\nrequired bump: \(comparison.requiredBump)")
    }
}

/// The JSON form of a diff.
struct DiffOutput: Encodable {
    struct TemplateDiff: Encodable {
        let message: String
        let diff: String
    }
    let from: String
    let to: String
    let fromDigest: String
    let toDigest: String
    let requiredBump: String
    let changedLayers: [String]
    let changes: [BundleComparison.Change]
    let templateDiffs: [TemplateDiff]

    enum CodingKeys: String, CodingKey {
        case from, to
        case fromDigest = "from_digest"
        case toDigest = "to_digest"
        case requiredBump = "required_bump"
        case changedLayers = "changed_layers"
        case changes
        case templateDiffs = "template_diffs"
    }
}
