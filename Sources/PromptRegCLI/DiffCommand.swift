import ArgumentParser
import PromptRegistry

/// `promptreg diff`.
struct DiffCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two published versions layer by layer, with the semver bump the difference requires.",
        discussion: """
            Shows a unified diff of template text, model and parameters key by key, tools added, removed and changed, and the bump (major, minor, patch) the difference requires.

            Example:
              promptreg diff support-agent@1.0.0 support-agent@1.1.0
            """)

    @Argument(help: ArgumentHelp("The older version: NAME, NAME@VERSION or NAME@sha256:HEX.", valueName: "ref-a"))
    var first: String

    @Argument(help: ArgumentHelp("The newer version.", valueName: "ref-b"))
    var second: String

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        let diff = try registry.diff(try BundleReference(parsing: first), try BundleReference(parsing: second))
        if output.json { return try Output.json(diff) }
        let (old, new, comparison) = (diff.old, diff.new, diff.comparison)
        Output.line("\(old.name)@\(old.version) (\(old.digest.short)) -> \(new.name)@\(new.version) (\(new.digest.short))")
        if comparison.changes.isEmpty { return Output.line("no differences") }
        for layer in [nil] + LayerKind.allCases.map(Optional.some) {
            let changes = comparison.changes.filter { $0.layer == layer }
            guard !changes.isEmpty else { continue }
            Output.line("\n[\(layer?.rawValue ?? "bundle")]")
            for change in changes {
                var line = "  \(change.field): \(change.kind)"
                if change.before != nil || change.after != nil, change.layer != .prompt || change.kind == "changed" {
                    line += " \(change.before ?? "(none)") -> \(change.after ?? "(none)")"
                }
                Output.line(line + "  [\(change.bump)]")
            }
            if layer == .prompt {
                for template in comparison.templateDiffs { Output.line(template.diff) }
            }
        }
        Output.line("\nrequired bump: \(comparison.requiredBump)")
    }
}
