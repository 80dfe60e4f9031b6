import ArgumentParser
import PromptRegistry

/// `promptreg doctor`.
struct DoctorCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Report registry health: lock files, unreachable objects, packs, and every digest and history check.",
        discussion: """
            Lists every git lock file with its age and the processes holding it, counts objects no reference reaches (left by interrupted writes: harmless; 'promptreg gc' removes them) and pack files (one per write), and runs everything 'verify' checks. With --fix, removes a lock file only when it is provably stale (older than --stale-after seconds and open in no process), and runs 'promptreg gc' when there are more than 50 packs. Exit code 0 when healthy, 67 when a lock remains, 68 when verify found a problem.

            Example:
              promptreg doctor --fix
            """)

    @Flag(help: "Remove lock files that are provably stale.")
    var fix = false

    @Option(help: ArgumentHelp("Seconds after which an unheld lock file counts as stale.", valueName: "seconds"))
    var staleAfter: Double = 30

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if staleAfter < 0 { throw ValidationError("--stale-after must be 0 or more") }
    }

    func run(on registry: Registry) throws {
        let report = try registry.doctor(fix: fix, staleAfter: staleAfter)
        if output.json {
            try Output.json(report)
        } else {
            for lock in report.locks {
                let holders =
                    lock.holders.map { $0.isEmpty ? "held by no process" : "held by pid \($0.map(String.init).joined(separator: ", "))" }
                    ?? "holders unknown"
                let verdict = lock.removed ? "removed" : lock.stale ? "stale (remove with --fix)" : "kept"
                Output.line("lock \(lock.path): \(Int(lock.ageSeconds)) s old, \(holders): \(verdict)")
            }
            if report.locks.isEmpty { Output.line("locks: none") }
            Output.line("unreachable objects: \(report.unreachableObjects)")
            if let garbage = report.garbageCollected {
                Output.line("packs: \(report.packs), joined by gc into \(garbage.packsAfter); \(garbage.unreachableRemoved) unreached objects removed")
            } else {
                let advice = report.packs > Registry.packThreshold ? " (more than \(Registry.packThreshold): run 'promptreg gc' or 'doctor --fix')" : ""
                Output.line("packs: \(report.packs)\(advice)")
            }
            ReportPrinter.print(report.verify)
            Output.line(
                "verify: \(report.verify.ok ? "ok" : "\(report.verify.problems.count) problem(s)"), \(report.verify.versionsChecked) versions, \(report.verify.stateCommitsChecked) state commits"
            )
        }
        try ReportPrinter.finish(report.verify)
        if !report.ok { throw ExitCode(ErrorReport.exitCode(.conflict)) }
    }
}
