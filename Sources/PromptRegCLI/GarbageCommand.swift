import ArgumentParser
import Foundation
import PromptRegistry

/// `promptreg gc`.
struct GarbageCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Join the registry's packs into one and remove objects nothing reaches.",
        discussion: """
            Every write stores its new objects as one pack file, so packs pile up; reads search each pack's index in turn. gc writes one pack holding every object a reference or reflog entry reaches, plus every unreached object younger than --prune-after (a write in progress may be about to use it), then removes the old packs and loose objects. It is safe while other processes read and write: it never removes a pack it did not see at its start, and it packs whatever a reference moved onto meanwhile before it removes anything. References are left as they are (loose), so creating a version stays one small file. 'promptreg doctor --fix' runs it when there are more than 50 packs.

            Examples:
              promptreg gc
              promptreg gc --prune-after now --json
            """)

    @Option(
        help: ArgumentHelp(
            "Keep unreached objects younger than this: 'now', or a number with s, m, h or d; 14d matches git.",
            valueName: "age"))
    var pruneAfter = "14d"

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        _ = try Self.seconds(pruneAfter)
    }

    func run(on registry: Registry) throws {
        let report = try registry.collectGarbage(pruneAge: try Self.seconds(pruneAfter))
        if output.json { return try Output.json(report) }
        Output.line("packs: \(report.packsBefore) -> \(report.packsAfter); loose objects before: \(report.looseObjectsBefore)")
        Output.line("objects kept: \(report.objectsKept)")
        Output.line(
            "unreached objects: \(report.unreachableRemoved) removed, \(report.unreachableKept) kept (younger than \(pruneAfter))")
    }

    /// `now` or a count with a unit (`s`, `m`, `h`, `d`) in seconds.
    static func seconds(_ text: String) throws -> TimeInterval {
        if text == "now" { return 0 }
        let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        guard let unit = text.last.flatMap({ units[$0] }), let count = UInt32(text.dropLast()) else {
            throw ValidationError("--prune-after '\(text)' is not an age: use 'now' or a number with s, m, h or d, e.g. 14d")
        }
        return TimeInterval(count) * unit
    }
}
