import Foundation
import TestSupport
import Testing

/// The benchmark suite itself works: it builds its fixtures, runs every measurement and writes a
/// report with a number in every cell. (Its speed targets are judged in bench/results.md, not here.)
@Suite("Benchmark suite")
struct BenchmarkSuiteTests {
    @Test("a tiny run produces every figure")
    func tinyRun() throws {
        let directory = try TemporaryDirectory("promptreg-bench")
        defer { directory.remove() }
        let bench = (CLI.binary as NSString).deletingLastPathComponent + "/promptreg-bench"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bench)
        process.arguments = [
            "--promptreg", CLI.binary, "--example", Fixtures.example("support-agent"), "--work", directory.join("work"),
            "--out", directory.join("results.md"), "--bundles", "3", "--versions", "3", "--small-versions", "3", "--runs", "2",
        ]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let report = try String(contentsOfFile: directory.join("results.md"), encoding: .utf8)
        for figure in [
            "--version", "only opens the registry", "`publish`", "`promote NAME@VERSION canary`", "`promote canary prod NAME`",
            "`rollback prod`", "by channel", "by version", "by digest", "`status`", "`log -n 20`", "(cold)", "(warm)", "peak memory",
        ] {
            let row = report.split(separator: "\n").first { $0.hasPrefix("| ") && $0.contains(figure) }
            #expect(row != nil, "no row for \(figure)")
            if let row {
                let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
                #expect(cells[1].first?.isNumber == true && cells[2].first?.isNumber == true, "no numbers in \(row)")
            }
        }
        #expect(report.contains("3 bundles x 3 versions = 9 versions"))
    }
}
