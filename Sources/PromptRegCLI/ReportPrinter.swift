import ArgumentParser
import PromptRegistry

/// The one printer of problem reports: damaged documents of a partial read, and what verify and
/// doctor found. Sets the exit code the README documents.
enum ReportPrinter {
    /// Reports every damaged document of a partial read on standard error (one JSON error listing
    /// them with `json`) and exits 68 when there was any; the readable part was printed already.
    static func finish<Item>(_ result: PartialResult<Item>, json: Bool) throws {
        guard !result.complete else { return }
        let summary = "\(result.damaged.count) damaged document(s); everything else was read: "
            + result.damaged.map(\.message).joined(separator: "; ")
        let error = PromptRegError(
            .integrity, summary, fix: "restore the registry from a clone or backup; see everything that is damaged", remedy: .verify)
        throw ExitCode(ErrorReport.report(error, json: json))
    }

    /// Prints verify's warnings and problems as text.
    static func print(_ report: VerifyReport) {
        for warning in report.warnings { Output.line("warning \(warning.subject): \(warning.message)") }
        for problem in report.problems {
            Output.line("FAIL \(problem.subject)\(problem.layer.map { " layer \($0)" } ?? ""): \(problem.message)")
        }
    }

    /// Exits 68 when verify found a problem.
    static func finish(_ report: VerifyReport) throws {
        if !report.ok { throw ExitCode(ErrorReport.exitCode(.integrity)) }
    }
}
