import ArgumentParser
import Foundation
import PromptRegistry

/// `promptreg verify`.
struct VerifyCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute every digest of every version and check the state history and its signatures.",
        discussion: """
            Reads every published version, recomputes the SHA-256 of each layer and of the manifest, and compares them with what was recorded at publish time; checks every channel pointer, that no version ref was moved, that the state history's sequence numbers are unbroken and that the state ref only ever moved forward; and, once a trust policy is set, that every state commit (and every published version commit) is signed by a signer of the policy in force at it (its parent's), valid at the commit's time, and that the policy let that signer make the change. Before the first policy commits may be unsigned, but a signature that does not match its commit is still a problem. Every problem is listed with the version and layer, and the exit code is 68.

            Example:
              promptreg verify --json
            """)

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        let report = try registry.verify()
        if output.json {
            try Output.json(report)
        } else {
            ReportPrinter.print(report)
            Output.line(
                report.ok
                    ? "ok: \(report.versionsChecked) versions and \(report.stateCommitsChecked) state commits verified"
                    : "\(report.problems.count) problem(s) in \(report.versionsChecked) versions and \(report.stateCommitsChecked) state commits")
        }
        try ReportPrinter.finish(report)
    }
}
