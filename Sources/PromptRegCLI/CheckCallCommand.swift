import ArgumentParser
import Foundation
import PromptRegistry

/// `promptreg check-call`.
struct CheckCallCommand: TrustingCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-call",
        abstract: "Check a tool call's arguments against the tool's input schema.",
        discussion: """
            Resolves the bundle like 'resolve', then checks that it defines --tool and that the JSON in --args satisfies that tool's input schema. Valid: prints "valid", exit 0. Invalid: prints every problem on standard output, phrased for a model to correct the call, exit 65 (an unknown tool too, naming the defined tools). With --json the verdict is one JSON object on standard output either way: {"valid": true|false, "tool", "bundle", "version", "digest", "violations": [{"path", "message"}], "defined_tools" (unknown tool only)}. Errors that are not a verdict (no such bundle, unreadable --args) are reported on standard error as for every command.

            Examples:
              echo '{"order_id": "ord_8K2J", "amount": -5}' > call.json
              promptreg check-call support-agent --tool issue_refund --args call.json
              promptreg check-call support-agent --tool lookup_order --args - --json
            """)

    @OptionGroup var options: ResolveOptions
    var trustOptions: TrustOptions { options.trust }

    @Option(name: .long, help: ArgumentHelp("The tool the model called.", valueName: "name"))
    var tool: String

    @Option(
        name: .customLong("args"),
        help: ArgumentHelp("The call's arguments: a file holding JSON, or - for standard input.", valueName: "file.json"))
    var arguments: String

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        let value = try readArguments()
        let resolved = try registry.resolve(try options.request())
        do {
            try resolved.validateToolCall(name: tool, arguments: value)
        } catch let rejection as ToolCallRejection {
            if output.json {
                try Output.json(Verdict(resolved, tool: tool, rejection: rejection))
            } else {
                var heading = "invalid: \(resolved.name)@\(resolved.version)"
                if case .invalidArguments = rejection.reason { heading += " tool \(tool)" }
                Output.line(heading)
                for violation in rejection.violations { Output.line("  \(violation.message)") }
            }
            throw ExitCode(ErrorReport.exitCode(.invalidInput))
        }
        if output.json { return try Output.json(Verdict(resolved, tool: tool, rejection: nil)) }
        Output.line("valid")
    }

    private func readArguments() throws -> JSONValue {
        let read: Data? =
            arguments == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: arguments)
        guard let data = read else {
            throw PromptRegError(
                .notFound, "\(arguments): arguments file not found",
                fix: "write the call's arguments as JSON, e.g. {\"order_id\": \"ord_8K2J\"}, or pass - to read standard input")
        }
        return try JSONValue(parsing: data, file: arguments == "-" ? "standard input" : arguments)
    }
}

/// The JSON verdict of `check-call`.
private struct Verdict: Encodable {
    let valid: Bool
    let tool: String
    let bundle: String
    let version: String
    let digest: String
    let violations: [SchemaViolation]
    let definedTools: [String]?

    init(_ resolved: ResolvedBundle, tool: String, rejection: ToolCallRejection?) {
        valid = rejection == nil
        self.tool = tool
        bundle = resolved.name
        version = resolved.version.description
        digest = resolved.digest.description
        violations = rejection?.violations ?? []
        if case .unknownTool(let defined) = rejection?.reason { definedTools = defined } else { definedTools = nil }
    }

    enum CodingKeys: String, CodingKey {
        case valid, tool, bundle, version, digest, violations
        case definedTools = "defined_tools"
    }
}
