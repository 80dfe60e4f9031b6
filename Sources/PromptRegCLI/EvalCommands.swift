import ArgumentParser
import Foundation
import PromptRegistry

/// `promptreg eval`: record, list and compare eval results.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Record, list and compare eval results of bundle versions.",
        discussion: """
            A result is stored for the bundle's digest (not just its version name) as an in-toto statement, in one audited state commit, and never changes: a new run is a new record. Promotion gates (see 'promptreg gate') read them.

            Examples:
              promptreg eval record support-agent@1.1.0 --suite refunds --results r.json
              promptreg eval list support-agent
              promptreg eval compare support-agent@1.0.0 support-agent@1.1.0 --suite refunds
            """,
        subcommands: [EvalRecordCommand.self, EvalListCommand.self, EvalCompareCommand.self])
}

/// `promptreg eval record`.
struct EvalRecordCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "record", abstract: "Record an eval result for a version's digest.",
        discussion: """
            FILE is promptreg's results format (schemas/eval-results.schema.json: score 0..1, cases, passed, failed, errored, dataset sha256:HEX, optional judge and per-case results) or the JSON 'promptfoo eval -o FILE.json' writes (score = pass rate; dataset = SHA-256 of the tests' vars, unless --dataset is given).

            Example:
              promptreg eval record support-agent@1.1.0 --suite refunds --results r.json
            """)

    @Argument(help: ArgumentHelp("NAME@VERSION (or NAME@sha256:HEX).", valueName: "ref"))
    var reference: String

    @Option(name: .long, help: ArgumentHelp("The suite's name.", valueName: "suite"))
    var suite: String

    @Option(name: .long, help: ArgumentHelp("The results file (JSON).", valueName: "file.json"))
    var results: String

    @Option(name: .long, help: ArgumentHelp("The eval set's digest, when the file does not say.", valueName: "sha256:hex"))
    var dataset: Digest?

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        let run = try EvalRun.read(from: results, dataset: dataset)
        let record = try registry.recordEval(
            try BundleReference(parsing: reference), suite: suite, run: run, message: write.message(or: "eval \(suite)"),
            actor: write.prepare(registry))
        if output.json { return try Output.json(record) }
        Output.line("recorded \(suite) for \(record.bundle)@\(record.version) (\(record.digest.short)): score \(run.score), \(run.passed)/\(run.cases) passed")
    }
}

/// `promptreg eval list`.
struct EvalListCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the eval results of a bundle (or one version), oldest first.",
        discussion: """
            Example:
              promptreg eval list support-agent@1.1.0 --json
            """)

    @Argument(help: ArgumentHelp("NAME or NAME@VERSION.", valueName: "ref"))
    var reference: String

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        let parsed = try BundleReference(parsing: reference)
        var version: SemanticVersion?
        if case .version(_, let exact) = parsed { version = exact }
        if case .digest = parsed { version = try registry.show(parsed).version }
        let records = try registry.evals(of: parsed.name, version: version)
        if output.json { return try Output.json(records) }
        Output.table(
            ["VERSION", "SUITE", "SCORE", "PASSED", "DATASET", "RECORDED", "BY"],
            records.map { record in
                let predicate = record.statement.predicate
                return [
                    record.version.description, predicate.suite, "\(predicate.run.score)", "\(predicate.run.passed)/\(predicate.run.cases)",
                    predicate.run.dataset.short, predicate.time, predicate.actor,
                ]
            })
    }
}

/// `promptreg eval compare`.
struct EvalCompareCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare", abstract: "Compare the newest results of one suite for two versions.",
        discussion: """
            Shows both scores, the relative change, whether both ran on the same eval set, and every case whose outcome flipped.

            Example:
              promptreg eval compare support-agent@1.0.0 support-agent@1.1.0 --suite refunds
            """)

    @Argument(help: ArgumentHelp("The baseline: NAME@VERSION.", valueName: "ref-a"))
    var first: String

    @Argument(help: ArgumentHelp("The candidate: NAME@VERSION.", valueName: "ref-b"))
    var second: String

    @Option(name: .long, help: ArgumentHelp("The suite.", valueName: "suite"))
    var suite: String

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        let comparison = try registry.compareEvals(try BundleReference(parsing: first), try BundleReference(parsing: second), suite: suite)
        if output.json { return try Output.json(comparison) }
        let (old, new) = (comparison.old, comparison.new)
        Output.line("\(suite): \(old.bundle)@\(old.version) \(old.statement.predicate.run.score) -> \(new.bundle)@\(new.version) \(new.statement.predicate.run.score)"
            + (comparison.relativeChange.map { String(format: " (%+.2f%%)", $0 * 100) } ?? ""))
        if !comparison.sameDataset { Output.line("warning: the two runs used different eval sets; the scores are not comparable") }
        for flip in comparison.flips { Output.line("  \(flip.id): \(flip.before) -> \(flip.after)") }
    }
}
