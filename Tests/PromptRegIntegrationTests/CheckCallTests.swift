import Foundation
import PromptRegistry
import TestSupport
import Testing

/// `promptreg check-call` as a process: the verdict on standard output, exit 0 or 65.
@Suite("promptreg check-call")
struct CheckCallTests {
    let directory: TemporaryDirectory
    let registry: String

    init() throws {
        directory = try TemporaryDirectory("promptreg-check-call")
        registry = directory.join("reg")
        let created = try Registry.create(at: registry, actor: "tester")
        _ = try created.publish(directory: Fixtures.example("support-agent"), message: "first release", actor: "tester")
        _ = try created.promote(.version("support-agent", SemanticVersion(1, 0, 0)), to: "prod", message: "ship", actor: "tester")
    }

    /// Runs `promptreg check-call support-agent --tool TOOL --args FILE [extra...]` with `arguments` in FILE.
    private func checkCall(
        _ tool: String, _ arguments: String, _ extra: String..., expect status: Int32,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> CLI.Result {
        let file = directory.join("call-\(UUID().uuidString.prefix(6)).json")
        try Fixtures.write(arguments, to: file)
        let result = try CLI.run(["check-call", "support-agent", "--tool", tool, "--args", file, "--registry", registry] + extra)
        #expect(result.status == status, "exit \(result.status): \(result.stdout) \(result.stderr)", sourceLocation: sourceLocation)
        return result
    }

    private func object(_ result: CLI.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    @Test("valid arguments: exit 0, 'valid'")
    func valid() throws {
        defer { directory.remove() }
        let text = try checkCall("issue_refund", #"{"order_id": "ord_8K2J", "amount": 12.5, "reason": "Broken."}"#, expect: 0)
        #expect(text.stdout == "valid\n")
        #expect(text.stderr.isEmpty)
        let json = try object(try checkCall("lookup_order", #"{"order_id": "ord_8K2J"}"#, "--json", expect: 0))
        #expect(json["valid"] as? Bool == true)
        #expect(json["tool"] as? String == "lookup_order")
        #expect(json["bundle"] as? String == "support-agent" && json["version"] as? String == "1.0.0")
        #expect((json["digest"] as? String)?.hasPrefix("sha256:") == true)
        #expect((json["violations"] as? [Any])?.isEmpty == true)
        #expect(json["defined_tools"] == nil)
    }

    @Test("invalid arguments: exit 65 with every violation")
    func invalid() throws {
        defer { directory.remove() }
        let call = #"{"order_id": 42, "amount": -5}"#
        let text = try checkCall("issue_refund", call, expect: 65)
        #expect(
            text.stdout == """
                invalid: support-agent@1.0.0 tool issue_refund
                  argument 'reason' is required
                  argument 'amount' must be > 0; got -5
                  argument 'order_id' must be a string; got 42

                """)
        #expect(text.stderr.isEmpty, "the verdict is on standard output only: \(text.stderr)")
        let json = try object(try checkCall("issue_refund", call, "--json", expect: 65))
        #expect(json["valid"] as? Bool == false)
        let violations = json["violations"] as? [[String: String]]
        #expect(violations?.map { $0["path"] ?? "" } == ["reason", "amount", "order_id"])
        #expect(violations?.first?["message"] == "argument 'reason' is required")
    }

    @Test("an unknown tool: exit 65 naming the defined tools")
    func unknownTool() throws {
        defer { directory.remove() }
        let text = try checkCall("refund", "{}", expect: 65)
        #expect(
            text.stdout == """
                invalid: support-agent@1.0.0
                  there is no tool named 'refund'; the tools are: lookup_order, issue_refund

                """)
        let json = try object(try checkCall("issue_refnd", "{}", "--json", expect: 65))
        #expect(json["valid"] as? Bool == false)
        #expect(json["defined_tools"] as? [String] == ["lookup_order", "issue_refund"])
        #expect(
            (json["violations"] as? [[String: String]])?.first?["message"]
                == "there is no tool named 'issue_refnd'; the tools are: lookup_order, issue_refund; did you mean 'issue_refund'?")
    }

    @Test("not a verdict: a missing arguments file is 66, malformed JSON 65, both on standard error")
    func badArgumentsFile() throws {
        defer { directory.remove() }
        let missing = try CLI.run(
            ["check-call", "support-agent", "--tool", "lookup_order", "--args", directory.join("nope.json"), "--registry", registry])
        #expect(missing.status == 66)
        #expect(missing.stdout.isEmpty && missing.stderr.contains("arguments file not found"))
        let malformed = try checkCall("lookup_order", "{order_id:", expect: 65)
        #expect(malformed.stdout.isEmpty && malformed.stderr.hasPrefix("error: "))
    }

    @Test("--help has a pasteable example")
    func help() throws {
        defer { directory.remove() }
        let help = try CLI.run(["check-call", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("Examples:\n  echo '{\"order_id\": \"ord_8K2J\", \"amount\": -5}' > call.json"))
        #expect(help.stdout.contains("promptreg check-call support-agent --tool issue_refund --args call.json"))
    }
}
