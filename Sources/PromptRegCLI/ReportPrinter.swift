import ArgumentParser
import PromptRegistry

/// The one printer of problem reports: damaged documents of a partial read, and what verify and
/// doctor found. Sets the exit code the README documents.
enum ReportPrinter {
    /// Reports every damaged document on standard error and exits 68 when there was any.
    static func finish<Item>(_ result: PartialResult<Item>) throws {
        guard !result.complete else { return }
        for damaged in result.damaged { Output.error("damaged \(damaged.location): \(damaged.message)") }
        Output.error(
            "error: \(result.damaged.count) damaged document(s); everything else is shown above\n  fix: restore the registry from a clone or backup; see everything that is damaged: "
                + ErrorReport.commandLine(.verify))
        throw ExitCode(ErrorReport.exitCode(.integrity))
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
