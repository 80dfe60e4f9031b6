import ArgumentParser
import Foundation
import PromptRegistry

/// `promptreg verify`.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute every digest of every version and check the state history.",
        discussion: """
            Reads every published version, recomputes the SHA-256 of each layer and of the manifest,
            and compares them with what was recorded at publish time; checks that no version ref was
            moved and that the state history's sequence numbers are unbroken. Any problem is listed
            with the version and layer, and the exit code is 68.
            """)

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let report = try registryOptions.open().verify()
        if !output.json {
            for warning in report.warnings { print("warning \(warning.subject): \(warning.message)") }
        }
        if output.json {
            try Output.json(report)
        } else if report.ok {
            print("ok: \(report.versionsChecked) versions and \(report.stateCommitsChecked) state commits verified")
        } else {
            for problem in report.problems {
                print("FAIL \(problem.subject)\(problem.layer.map { " layer \($0)" } ?? ""): \(problem.message)")
            }
            print(
                "\(report.problems.count) problem(s) in \(report.versionsChecked) versions and \(report.stateCommitsChecked) state commits")
        }
        if !report.ok { throw ExitCode(PromptRegError.Code.integrity.exitCode) }
    }
}
