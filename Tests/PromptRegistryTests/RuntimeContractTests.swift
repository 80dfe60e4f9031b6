import Foundation
import PromptRegistry
import TestSupport
import Testing

/// Parses JSON text written in a test.
private func json(_ text: String) throws -> JSONValue {
    try JSONValue(parsing: Data(text.utf8), file: "test")
}

/// One keyword's behaviour: a schema, instances it must accept and instances it must refuse.
struct KeywordCase: Sendable, CustomTestStringConvertible {
    let name: String
    let schema: String
    let accepted: [String]
    let refused: [String]

    var testDescription: String { name }
}

/// The JSON Schema validator of the runtime contract, keyword by keyword.
@Suite("Runtime contract: the JSON Schema subset")
struct SchemaKeywordTests {
    static let cases: [KeywordCase] = [
        KeywordCase(name: "type string", schema: #"{"type": "string"}"#, accepted: [#""a""#, #""""#], refused: ["1", "null", "[]"]),
        KeywordCase(
            name: "type list", schema: #"{"type": ["string", "null"]}"#, accepted: ["null", #""x""#], refused: ["1", "false", "{}"]),
        KeywordCase(
            name: "integer is a number without a fraction", schema: #"{"type": "integer"}"#,
            accepted: ["1", "-3", "1.0", "2e3", "9223372036854775807"], refused: ["1.5", #""1""#, "true", "1e-3"]),
        KeywordCase(name: "number", schema: #"{"type": "number"}"#, accepted: ["1", "1.5", "-0.25"], refused: [#""1""#, "true", "null"]),
        KeywordCase(name: "boolean", schema: #"{"type": "boolean"}"#, accepted: ["true", "false"], refused: ["0", #""true""#]),
        KeywordCase(name: "null", schema: #"{"type": "null"}"#, accepted: ["null"], refused: ["false", "0", #""""#]),
        KeywordCase(name: "object and array", schema: #"{"type": ["object", "array"]}"#, accepted: ["{}", "[]"], refused: ["1"]),
        KeywordCase(
            name: "properties", schema: #"{"properties": {"a": {"type": "integer"}}}"#,
            accepted: [#"{"a": 1}"#, "{}", #"{"b": "x"}"#, #""not an object""#], refused: [#"{"a": "x"}"#, #"{"a": 1.5}"#]),
        KeywordCase(
            name: "required", schema: #"{"required": ["a", "b"]}"#, accepted: [#"{"a": null, "b": 0}"#, "[]"],
            refused: [#"{"a": 1}"#, "{}"]),
        KeywordCase(
            name: "additionalProperties false", schema: #"{"properties": {"a": {}}, "additionalProperties": false}"#,
            accepted: [#"{"a": 1}"#, "{}"], refused: [#"{"a": 1, "b": 2}"#]),
        KeywordCase(
            name: "additionalProperties schema", schema: #"{"properties": {"a": {}}, "additionalProperties": {"type": "string"}}"#,
            accepted: [#"{"a": 1, "b": "x"}"#], refused: [#"{"a": 1, "b": 2}"#]),
        KeywordCase(
            name: "items", schema: #"{"items": {"type": "integer", "minimum": 0}}"#, accepted: ["[]", "[0, 1, 2]", #""x""#],
            refused: ["[0, -1]", #"[1, "2"]"#]),
        KeywordCase(
            name: "enum compares JSON values", schema: #"{"enum": ["fast", "slow", 1, null, [1, 2], {"a": 1}]}"#,
            accepted: [#""fast""#, "1", "1.0", "null", "[1, 2.0]", #"{"a": 1}"#],
            refused: [#""turbo""#, "true", #""1""#, "[2, 1]", #"{"a": 1, "b": 2}"#]),
        KeywordCase(
            name: "const", schema: #"{"const": {"a": [1, true]}}"#, accepted: [#"{"a": [1.0, true]}"#],
            refused: [#"{"a": [1, 1]}"#, #"{"a": [true, 1]}"#, "null"]),
        KeywordCase(name: "const null", schema: #"{"const": null}"#, accepted: ["null"], refused: ["0", "false"]),
        KeywordCase(
            name: "minimum and exclusiveMaximum", schema: #"{"minimum": 0, "exclusiveMaximum": 10}"#,
            accepted: ["0", "9.999", #""x""#], refused: ["-0.5", "-1", "10", "10.0", "11"]),
        KeywordCase(
            name: "exclusiveMinimum and maximum with fractions", schema: #"{"exclusiveMinimum": 0.5, "maximum": 2.5}"#,
            accepted: ["1", "0.51", "2.5"], refused: ["0", "0.5", "3", "2.51"]),
        KeywordCase(
            name: "integers compare exactly past 2^53", schema: #"{"maximum": 9007199254740992}"#,
            accepted: ["9007199254740992", "9007199254740991"], refused: ["9007199254740993", "9223372036854775807"]),
        KeywordCase(
            name: "an integer against a fractional bound", schema: #"{"minimum": -1.5, "maximum": 1.5}"#,
            accepted: ["-1", "1", "0"], refused: ["-2", "2"]),
        KeywordCase(
            name: "lengths count code points", schema: #"{"minLength": 2, "maxLength": 3}"#,
            accepted: [#""ab""#, #""e\u0301""#, #""\ud83d\udc4d\ud83c\udffd""#, #""abc""#],
            refused: [#""\u00e9""#, #""a""#, #""abcd""#, #""\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67""#]),
        KeywordCase(
            name: "pattern is searched, not anchored", schema: #"{"pattern": "b+"}"#, accepted: [#""abbbc""#, #""b""#, "1"],
            refused: [#""ac""#, #""""#]),
        KeywordCase(
            name: "pattern with anchors, classes and counts", schema: #"{"pattern": "^[a-z]+_[0-9]{2,4}$"}"#,
            accepted: [#""abc_12""#, #""x_1234""#], refused: [#""abc_1""#, #""Abc_12""#, #""abc_12345""#, #"" abc_12""#]),
        KeywordCase(
            name: "pattern matches code points", schema: #"{"pattern": "^.$"}"#, accepted: [#""\u00e9""#, #""x""#],
            refused: [#""e\u0301""#, #""ab""#]),
        KeywordCase(
            name: "minItems and maxItems", schema: #"{"minItems": 1, "maxItems": 2}"#, accepted: ["[1]", "[1, 2]", "{}"],
            refused: ["[]", "[1, 2, 3]"]),
        KeywordCase(
            name: "anyOf", schema: #"{"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 0}]}"#,
            accepted: [#""x""#, "0", "5"], refused: ["-1", "1.5", "null"]),
        KeywordCase(
            name: "oneOf", schema: #"{"oneOf": [{"type": "integer"}, {"minimum": 10}]}"#, accepted: ["5", "10.5"],
            refused: ["10", "2.5"]),
        KeywordCase(
            name: "allOf", schema: #"{"allOf": [{"type": "string"}, {"minLength": 2}, {"pattern": "^a"}]}"#,
            accepted: [#""ab""#], refused: [#""a""#, #""ba""#, "12"]),
        KeywordCase(
            name: "$ref to $defs", schema: ##"{"$defs": {"pos": {"type": "integer", "minimum": 1}}, "properties": {"n": {"$ref": "#/$defs/pos"}}}"##,
            accepted: [#"{"n": 1}"#, "{}"], refused: [#"{"n": 0}"#, #"{"n": "1"}"#]),
        KeywordCase(
            name: "$ref beside other keywords applies both", schema: ##"{"$defs": {"s": {"type": "string"}}, "$ref": "#/$defs/s", "maxLength": 2}"##,
            accepted: [#""ab""#], refused: [#""abc""#, "1"]),
        KeywordCase(
            name: "$ref to an escaped name", schema: ##"{"$defs": {"a/b~c": {"type": "string"}}, "$ref": "#/$defs/a~1b~0c"}"##,
            accepted: [#""x""#], refused: ["1"]),
        KeywordCase(
            name: "$ref to the root recurses", schema: ##"{"type": "object", "properties": {"child": {"$ref": "#"}, "v": {"type": "integer"}}}"##,
            accepted: [#"{"child": {"child": {"v": 1}}}"#], refused: [#"{"child": {"child": {"v": "x"}}}"#, #"{"child": 1}"#]),
        KeywordCase(
            name: "true and false schemas", schema: #"{"properties": {"yes": true, "no": false}}"#,
            accepted: [#"{"yes": [1]}"#, "{}"], refused: [#"{"no": null}"#]),
        KeywordCase(
            name: "annotations are accepted and not asserted",
            schema: #"""
                {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://example.com/s", "$comment": "c",
                 "title": "t", "description": "d", "default": 5, "examples": ["x"], "deprecated": false, "readOnly": true,
                 "writeOnly": false, "type": "string", "format": "email"}
                """#,
            accepted: [#""not an email""#], refused: ["5"]),
    ]

    @Test("each keyword accepts and refuses", arguments: cases)
    func keyword(_ testCase: KeywordCase) throws {
        let schema = try JSONSchema(try json(testCase.schema))
        for text in testCase.accepted {
            let found = schema.violations(of: try json(text))
            #expect(found.isEmpty, "\(testCase.schema) should accept \(text): \(found)")
        }
        for text in testCase.refused {
            #expect(!schema.accepts(try json(text)), "\(testCase.schema) should refuse \(text)")
        }
    }

    @Test(
        "a keyword outside the subset is refused, named with its path",
        arguments: [
            (#"{"if": {}, "then": {}}"#, "if", "if"),
            (#"{"patternProperties": {"^x": {}}}"#, "patternProperties", "patternProperties"),
            (#"{"properties": {"a": {"dependentRequired": {}}}}"#, "dependentRequired", "properties.a.dependentRequired"),
            (##"{"$dynamicRef": "#x"}"##, "$dynamicRef", "$dynamicRef"),
            (#"{"properties": {"a": {"anyOf": [{"type": "string"}, {"not": {}}]}}}"#, "not", "properties.a.anyOf[1].not"),
            (#"{"$defs": {"x": {"uniqueItems": true}}}"#, "uniqueItems", "$defs.x.uniqueItems"),
            (#"{"items": {"contains": {}}}"#, "contains", "items.contains"),
            (#"{"additionalProperties": {"minProperties": 1}}"#, "minProperties", "additionalProperties.minProperties"),
            (#"{"properties": {"x y": {"nullable": true}}}"#, "nullable", #"properties["x y"].nullable"#),
            (#"{"oneOf": [{}, {"multipleOf": 2}]}"#, "multipleOf", "oneOf[1].multipleOf"),
            (#"{"allOf": [{"prefixItems": []}]}"#, "prefixItems", "allOf[0].prefixItems"),
            (#"{"definitions": {}}"#, "definitions", "definitions"),
        ])
    func unsupportedKeyword(_ schema: String, _ keyword: String, _ path: String) throws {
        #expect {
            try JSONSchema(try json(schema))
        } throws: { error in
            guard let invalid = error as? JSONSchema.Invalid else { return false }
            return invalid.unsupportedKeyword == keyword && invalid.path == path
                && invalid.problem == "'\(keyword)' is not a supported JSON Schema keyword" && invalid.fix.contains("anyOf, oneOf, allOf")
        }
    }

    @Test(
        "a malformed keyword value is refused, saying what is wrong",
        arguments: [
            (#"{"type": "strin"}"#, "type", "must be one of string"),
            (#"{"type": []}"#, "type", "non-empty list"),
            (#"{"minLength": -1}"#, "minLength", "whole number"),
            (#"{"maxItems": 1.5}"#, "maxItems", "whole number"),
            (#"{"minimum": "0"}"#, "minimum", "must be a number"),
            (#"{"pattern": "(?<=a)b"}"#, "pattern", "not a regular expression Swift can compile"),
            (#"{"pattern": "[a-"}"#, "pattern", "not a regular expression Swift can compile"),
            (#"{"pattern": "^(a+)+$"}"#, "pattern", "exponential time"),
            (#"{"pattern": "^(a|aa)*$"}"#, "pattern", "exponential time"),
            (#"{"pattern": "((a)?b?)+"}"#, "pattern", "exponential time"),
            (#"{"required": ["a", "a"]}"#, "required", "twice"),
            (#"{"items": [{}]}"#, "items", "prefixItems"),
            (#"{"anyOf": []}"#, "anyOf", "non-empty list"),
            (#"{"properties": {"a": 1}}"#, "properties.a", "must be a schema"),
            (##"{"$ref": "#/properties/a"}"##, "$ref", "only \"#\" and \"#/$defs/NAME\""),
            (##"{"$ref": "#/$defs/missing"}"##, "$ref", "not defined under $defs"),
            (#"{"properties": {"a": {"$defs": {}}}}"#, "properties.a.$defs", "only at the top"),
            (#"{"items": {"$id": "x"}}"#, "items.$id", "only at the top"),
            (##"{"$ref": "#"}"##, "", "$ref cycle"),
            (##"{"$defs": {"a": {"anyOf": [{"$ref": "#/$defs/b"}]}, "b": {"$ref": "#/$defs/a"}}, "items": {"$ref": "#/$defs/a"}}"##, "", "$ref cycle"),
        ])
    func malformedKeyword(_ schema: String, _ path: String, _ fragment: String) throws {
        #expect {
            try JSONSchema(try json(schema))
        } throws: { error in
            guard let invalid = error as? JSONSchema.Invalid else { return false }
            return invalid.path == path && invalid.problem.contains(fragment) && invalid.unsupportedKeyword == nil
        }
    }

    @Test("violation messages say what to change and what was given")
    func messages() throws {
        let schema = try JSONSchema(
            try json(
                #"""
                {"type": "object", "additionalProperties": false, "required": ["order_id", "mode"],
                 "properties": {
                   "order_id": {"type": "string", "pattern": "^ord_"},
                   "amount": {"type": "number", "minimum": 0},
                   "mode": {"enum": ["fast", "slow"]},
                   "note": {"type": ["string", "null"], "maxLength": 3},
                   "tags": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 2}},
                   "pick": {"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 1}]},
                   "one": {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 0}]}
                 }}
                """#))
        let arguments = try json(
            #"{"amount": -5, "mode": "turbo", "note": 7, "tags": ["a", 2], "amont": 1, "pick": -1, "one": 3, "x": true}"#)
        #expect(
            schema.violations(of: arguments, wording: .arguments) == [
                SchemaViolation(path: "order_id", message: "argument 'order_id' is required"),
                SchemaViolation(path: "amount", message: "argument 'amount' must be >= 0; got -5"),
                SchemaViolation(path: "mode", message: #"argument 'mode' must be one of "fast", "slow"; got "turbo""#),
                SchemaViolation(path: "note", message: "argument 'note' must be a string or null; got 7"),
                SchemaViolation(path: "one", message: "argument 'one' matches forms 1 and 2, but must match exactly one of them"),
                SchemaViolation(
                    path: "pick",
                    message:
                        "argument 'pick' matches none of the allowed forms: [form 1: argument 'pick' must be a string; got -1] "
                        + "[form 2: argument 'pick' must be >= 1; got -1]"),
                SchemaViolation(path: "tags[0]", message: #"argument 'tags[0]' must have at least 2 characters; got 1: "a""#),
                SchemaViolation(path: "tags[1]", message: "argument 'tags[1]' must be a string; got 2"),
                SchemaViolation(
                    path: "amont",
                    message: "unknown argument 'amont' (allowed: amount, mode, note, one, order_id, pick, tags; did you mean 'amount'?)"),
                SchemaViolation(
                    path: "x", message: "unknown argument 'x' (allowed: amount, mode, note, one, order_id, pick, tags)"),
            ])
        #expect(
            schema.violations(of: try json("[]"), wording: .answer) == [
                SchemaViolation(path: "", message: "the answer must be an object; got []")
            ])
        let long = String(repeating: "x", count: 100)
        #expect(
            schema.violations(of: try json(#"{"order_id": "\#(long)", "mode": "fast"}"#)).map(\.message) == [
                "property 'order_id' must match the regular expression ^ord_; got \"\(String(repeating: "x", count: 56))..."
            ])
    }
}

/// The contract an agent holds a model to: tool calls, final answers, run limits and trace attributes.
@Suite("Runtime contract: tool calls, answers, budgets, traces")
struct RuntimeContractTests {
    /// The rejection `body` throws, or nil (recording an issue) when it throws none or another error.
    private func rejection<E: Error>(
        _ type: E.Type, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
    ) -> E? {
        do {
            try body()
            Issue.record("accepted, but should have been refused", sourceLocation: sourceLocation)
        } catch let error as E {
            return error
        } catch {
            Issue.record("unexpected error: \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    @Test("support-agent's real tools: good calls pass, bad ones get every problem in re-plannable words")
    func toolCalls() throws {
        let test = try TestRegistry()
        defer { test.remove() }
        let agent = try test.registry.resolve(.pinned(try BundleReference(parsing: "support-agent@1.0.0")))

        try agent.validateToolCall(name: "lookup_order", arguments: try json(#"{"order_id": "ord_8K2J"}"#))
        try agent.validateToolCall(
            name: "issue_refund", arguments: try json(#"{"order_id": "ord_8K2J", "amount": 12.5, "reason": "Arrived broken."}"#))
        try agent.validateToolCall(name: "issue_refund", arguments: try json(#"{"order_id": "o", "amount": 100, "reason": "r"}"#))

        let refund = rejection(ToolCallRejection.self) {
            try agent.validateToolCall(name: "issue_refund", arguments: try json(#"{"order_id": "ord_8K2J", "amount": -5}"#))
        }
        #expect(refund?.tool == "issue_refund")
        #expect(
            refund?.violations == [
                SchemaViolation(path: "reason", message: "argument 'reason' is required"),
                SchemaViolation(path: "amount", message: "argument 'amount' must be > 0; got -5"),
            ])
        #expect(
            refund?.description == """
                the call to issue_refund was refused; correct these and call it again:
                - argument 'reason' is required
                - argument 'amount' must be > 0; got -5
                """)
        let error = refund?.error
        #expect(error?.code == .invalidInput)
        #expect(error?.subject.field == "reason")
        #expect(error?.subject.bundle == "support-agent" && error?.subject.version == "1.0.0" && error?.subject.layer == .tools)
        #expect(error?.message.contains("argument 'amount' must be > 0; got -5") == true)

        let tooMuch = rejection(ToolCallRejection.self) {
            try agent.validateToolCall(name: "issue_refund", arguments: try json(#"{"order_id": 42, "amount": 150, "reason": "r"}"#))
        }
        #expect(
            tooMuch?.violations.map(\.message) == [
                "argument 'amount' must be <= 100; got 150", "argument 'order_id' must be a string; got 42",
            ])

        let notAnObject = rejection(ToolCallRejection.self) {
            try agent.validateToolCall(name: "lookup_order", arguments: try json(#""ord_8K2J""#))
        }
        #expect(notAnObject?.violations == [SchemaViolation(path: "", message: #"the arguments must be an object; got "ord_8K2J""#)])

        let unknown = rejection(ToolCallRejection.self) {
            try agent.validateToolCall(name: "issue_refnd", arguments: .object([:]))
        }
        #expect(unknown?.reason == .unknownTool(defined: ["lookup_order", "issue_refund"]))
        #expect(
            unknown?.description
                == "there is no tool named 'issue_refnd'; the tools are: lookup_order, issue_refund; did you mean 'issue_refund'?")
        #expect(unknown?.error.code == .invalidInput)
        #expect(unknown?.error.fix == "call one of the bundle's tools: lookup_order, issue_refund")
    }

    @Test("an unknown argument is named with the allowed ones when the tool forbids extras")
    func unknownArgument() throws {
        let test = try TestRegistry(publishExamples: false)
        defer { test.remove() }
        let copy = try Fixtures.copy("support-agent", into: test.directory)
        try Fixtures.edit(
            "\(copy)/tools/issue_refund.json", replacing: #""required": ["order_id", "amount", "reason"]"#,
            with: #""required": ["order_id", "amount", "reason"], "additionalProperties": false"#)
        let published = try test.registry.publish(directory: copy, message: "strict", actor: "tester")
        let agent = try test.registry.resolve(.pinned(.version("support-agent", published.version)))
        let refused = rejection(ToolCallRejection.self) {
            try agent.validateToolCall(
                name: "issue_refund", arguments: try json(#"{"order_id": "o", "amount": 1, "reason": "r", "foo": 1}"#))
        }
        #expect(
            refused?.violations == [
                SchemaViolation(path: "foo", message: "unknown argument 'foo' (allowed: amount, order_id, reason)")
            ])
    }

    @Test("final answers are checked against the output schema; no schema accepts anything")
    func output() throws {
        let test = try TestRegistry()
        defer { test.remove() }
        let triage = try test.registry.resolve(.pinned(try BundleReference(parsing: "support-triage@1.0.0")))
        try triage.validateOutput(try json(#"{"queue": "billing", "priority": "p2", "summary": "Refund for a late order."}"#))
        let refused = rejection(OutputRejection.self) {
            try triage.validateOutput(try json(#"{"queue": "sales", "summary": "x", "extra": 1}"#))
        }
        #expect(
            refused?.violations == [
                SchemaViolation(path: "priority", message: "field 'priority' is required"),
                SchemaViolation(path: "queue", message: #"field 'queue' must be one of "billing", "technical", "account", "other"; got "sales""#),
                SchemaViolation(path: "extra", message: "unknown field 'extra' (allowed: priority, queue, summary)"),
            ])
        #expect(refused?.description.hasPrefix("the answer does not match the required format; correct these and answer again:\n- ") == true)
        #expect(refused?.error.subject.layer == .output && refused?.error.subject.field == "priority")

        let agent = try test.registry.resolve(.pinned(try BundleReference(parsing: "support-agent@1.0.0")))
        #expect(agent.outputSchema == nil)
        try agent.validateOutput(try json(#"["anything", 1, null]"#))
    }

    /// Run limits as a bundle's parameters layer stores them.
    private func limits(_ text: String) throws -> RunLimits {
        try JSONDecoder().decode(RunLimits.self, from: Data(text.utf8))
    }

    @Test("run limits: at the limit is fine, one past throws and is not recorded")
    func budget() throws {
        let agentLimits = try limits(#"{"max_steps": 8, "max_tool_calls": 6, "max_tokens_per_run": 20000}"#)
        var budget = RunBudget(limits: agentLimits, bundle: "support-agent", version: SemanticVersion(1, 0, 0))
        for _ in 0..<8 { try budget.charge(steps: 1) }
        #expect(budget.remaining(.steps) == 0)
        let steps = rejection(RunBudget.Exceeded.self) { try budget.charge(steps: 1) }
        #expect(steps?.limit == .steps && steps?.maximum == 8 && steps?.attempted == 9)
        #expect(steps?.bundle == "support-agent" && steps?.version == SemanticVersion(1, 0, 0))
        #expect(budget.used[.steps] == 8, "a refused charge is not recorded")
        #expect(
            steps?.description
                == "run limit reached: this would make 9 steps in the run, but parameters.limits.max_steps of support-agent@1.0.0 allows 8")
        #expect(steps?.error.code == .invalidInput)
        #expect(steps?.error.subject.field == "parameters.limits.max_steps" && steps?.error.subject.layer == .parameters)

        try budget.charge(toolCalls: 5)
        try budget.charge(toolCalls: 1)
        #expect(rejection(RunBudget.Exceeded.self) { try budget.charge(toolCalls: 1) }?.attempted == 7)

        try budget.charge(tokens: 19_999)
        #expect(budget.remaining(.tokens) == 1)
        #expect(rejection(RunBudget.Exceeded.self) { try budget.charge(tokens: 2) }?.attempted == 20_001)
        try budget.charge(tokens: 1)
        #expect(rejection(RunBudget.Exceeded.self) { try budget.charge(tokens: 1) }?.limit == .tokens)

        var noToolCalls = RunBudget(limits: try limits(#"{"max_tool_calls": 0}"#))
        #expect(rejection(RunBudget.Exceeded.self) { try noToolCalls.charge(toolCalls: 1) }?.maximum == 0)
        try noToolCalls.charge(steps: 1_000_000)
        try noToolCalls.charge(tokens: Int.max)
        try noToolCalls.charge(tokens: Int.max)
        #expect(noToolCalls.remaining(.steps) == nil && noToolCalls.remaining(.tokens) == nil)

        var unlimited = RunBudget(limits: nil)
        try unlimited.charge(toolCalls: 1_000)
        #expect(unlimited.used[.toolCalls] == 1_000)

        let test = try TestRegistry()
        defer { test.remove() }
        let agent = try test.registry.resolve(.pinned(try BundleReference(parsing: "support-agent@1.0.0")))
        let fromBundle = RunBudget(for: agent)
        #expect(fromBundle.limits == [.steps: 8, .toolCalls: 6, .tokens: 20000])
        #expect(fromBundle.bundle == "support-agent" && fromBundle.version == SemanticVersion(1, 0, 0))
    }

    @Test("trace attributes of a resolved example: GenAI names, digests, channel and canary")
    func traceAttributes() throws {
        let test = try TestRegistry()
        defer { test.remove() }
        let registry = test.registry
        _ = try registry.promote(.version("support-triage", SemanticVersion(1, 0, 0)), to: "prod", message: "ship", actor: "ops")
        let triage = try registry.resolve(.channel("support-triage"))
        let digests = triage.layerDigests
        var expected: [String: TraceValue] = [
            "gen_ai.provider.name": .string("anthropic"),
            "gen_ai.request.model": .string("claude-haiku-4-5-20251001"),
            "gen_ai.agent.name": .string("support-triage"),
            "gen_ai.agent.version": .string("1.0.0"),
            "gen_ai.request.temperature": .double(0),
            "gen_ai.request.max_tokens": .int(512),
            "gen_ai.request.stop_sequences": .strings(["</routing>"]),
            "gen_ai.request.seed": .int(7),
            "promptreg.bundle.digest": .string(triage.digest.description),
            "promptreg.channel": .string("prod"),
            "promptreg.canary": .bool(false),
        ]
        for layer in [LayerKind.prompt, .model, .parameters, .tools, .output] {
            expected["promptreg.\(layer.rawValue).digest"] = digests[layer].map { .string($0.description) }
        }
        #expect(digests.count == 5)
        #expect(triage.traceAttributes == expected)
        #expect(triage.traceAttributes["promptreg.bundle.digest"]?.description.hasPrefix("sha256:") == true)

        // support-agent: top_p set, no stop or seed, no output layer; the canary answers a subject.
        _ = try registry.promote(.version("support-agent", SemanticVersion(1, 0, 0)), to: "prod", message: "ship", actor: "ops")
        try test.publishPatch("support-agent", adding: "Be kind.")
        _ = try registry.promote(
            .version("support-agent", SemanticVersion(1, 0, 1)), to: "canary", traffic: 100, message: "try", actor: "ops")
        let canary = try registry.resolve(.channel("support-agent", subject: "user-1"))
        let attributes = canary.traceAttributes
        #expect(attributes["gen_ai.agent.version"] == .string("1.0.1"))
        #expect(attributes["gen_ai.provider.name"] == .string("openai"))
        #expect(attributes["gen_ai.request.top_p"] == .double(0.9))
        #expect(attributes["promptreg.channel"] == .string("canary"))
        #expect(attributes["promptreg.canary"] == .bool(true))
        #expect(attributes["gen_ai.request.stop_sequences"] == nil && attributes["gen_ai.request.seed"] == nil)
        #expect(attributes["promptreg.output.digest"] == nil)
        let pinned = try registry.resolve(.pinned(try BundleReference(parsing: "support-agent@1.0.0")))
        #expect(pinned.traceAttributes["promptreg.channel"] == nil && pinned.traceAttributes["promptreg.canary"] == .bool(false))
        #expect(
            pinned.traceAttributes.keys.sorted() == [
                "gen_ai.agent.name", "gen_ai.agent.version", "gen_ai.provider.name", "gen_ai.request.max_tokens",
                "gen_ai.request.model", "gen_ai.request.temperature", "gen_ai.request.top_p", "promptreg.bundle.digest",
                "promptreg.canary", "promptreg.model.digest", "promptreg.parameters.digest", "promptreg.prompt.digest",
                "promptreg.tools.digest",
            ])
    }
}

/// Publish refuses schemas the runtime could not check, and writes nothing.
@Suite("Runtime contract: publish refuses unsupported schema keywords")
struct SchemaPublishTests {
    private func expectRefusal(
        _ example: String, file: String, replacing old: String, with new: String, mentions fragments: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let test = try TestRegistry()
        defer { test.remove() }
        let copy = try Fixtures.copy(example, into: test.directory, as: "under-test")
        try Fixtures.edit("\(copy)/\(file)", replacing: old, with: new)
        let before = test.fingerprint
        do {
            let result = try test.registry.publish(directory: copy, message: "bad schema", actor: "tester")
            Issue.record("published \(result.name)@\(result.version), should have been refused", sourceLocation: sourceLocation)
        } catch let error as PromptRegError {
            #expect(error.code == .invalidInput, "\(error)", sourceLocation: sourceLocation)
            for fragment in fragments {
                #expect(error.description.contains(fragment), "'\(fragment)' not in: \(error)", sourceLocation: sourceLocation)
            }
            #expect(error.fix?.contains("use only the supported keywords: type, properties") == true, sourceLocation: sourceLocation)
        }
        #expect(test.fingerprint == before, "the registry changed", sourceLocation: sourceLocation)
    }

    @Test(
        "a tool schema with a keyword outside the subset is refused, naming keyword and path",
        arguments: [
            (#""exclusiveMinimum": 0, "if": {"minimum": 50}, "then": {"maximum": 60}"#, "input_schema.properties.amount.if", "'if'"),
            (#""exclusiveMinimum": 0, "dependentRequired": {}"#, "input_schema.properties.amount.dependentRequired", "'dependentRequired'"),
            (##""exclusiveMinimum": 0, "anyOf": [{"$dynamicRef": "#m"}]"##, "input_schema.properties.amount.anyOf[0].$dynamicRef", "'$dynamicRef'"),
        ])
    func toolKeyword(_ replacement: String, _ path: String, _ keyword: String) throws {
        try expectRefusal(
            "support-agent", file: "tools/issue_refund.json", replacing: #""exclusiveMinimum": 0"#, with: replacement,
            mentions: ["issue_refund.json", path, "\(keyword) is not a supported JSON Schema keyword"])
    }

    @Test("patternProperties at the top of a tool schema is refused")
    func patternProperties() throws {
        try expectRefusal(
            "support-agent", file: "tools/lookup_order.json", replacing: #""required": ["order_id"]"#,
            with: #""required": ["order_id"], "patternProperties": {"^x_": {"type": "string"}}"#,
            mentions: ["lookup_order.json", "input_schema.patternProperties", "'patternProperties' is not a supported"])
    }

    @Test("an output schema with a keyword outside the subset is refused")
    func outputKeyword() throws {
        try expectRefusal(
            "reply-verifier", file: "output.schema.json", replacing: #""items": {"type": "string"}"#,
            with: #""items": {"type": "string"}, "uniqueItems": true"#,
            mentions: ["output.schema.json", "properties.problems.uniqueItems", "'uniqueItems' is not a supported"])
    }

    @Test("the example bundles, which use only the subset, still publish")
    func examplesPublish() throws {
        let test = try TestRegistry()
        defer { test.remove() }
        #expect(try test.registry.list().items.map(\.name).sorted() == Fixtures.exampleNames.sorted())
    }
}

/// Generates (schema, instance) pairs inside the supported subset, from a seed.
///
/// Left out on purpose, because the two validators may legitimately differ there: regular
/// expression dialect corners (`\d`, `\w`, `\s`, `\b`, look-around, Unicode classes; only
/// literals, `.`, `[...]` classes, anchors, groups, `|` and quantifiers are generated), strings
/// with a newline (Python's `$` also matches before a final newline, ECMA-262's and Swift's do
/// not), property names that differ only by Unicode normalisation (one key to Swift's `String`,
/// two to Python), integers outside Int64 and `-0.0` (JSONValue holds neither).
struct SchemaCaseGenerator {
    var random: SeededRandom

    private static let names = ["a", "b", "c", "id", "amount", "x y", "\u{e9}"]
    private static let texts = [
        "", "a", "ab", "abc", "abcd", "b", "abbbc", "\u{e9}", "e\u{301}", "\u{1F44D}\u{1F3FD}", "A1", "a_12", "xyz_1234", "fast",
        "slow", "turbo", "hello world", "12", "\u{65E5}\u{672C}\u{8A9E}", "zzz", "ord_1",
    ]
    private static let patterns = [
        "^[a-z]+$", "^[a-z]+_[0-9]{2,4}$", "b+", "^a", "c$", "^(fast|slow)$", "[0-9]", "^.{2}$", "^[^0-9]*$", "x?y*z",
        "\u{e9}", "^.$", "[A-Z]", "^$", "o.d_", "^[a-z ]{3,}$",
    ]
    private static let bounds: [JSONValue] = [.integer(-2), .integer(0), .integer(1), .integer(3), .integer(10), .number(0.5), .number(2.5), .number(-1.5), .integer(9_007_199_254_740_992)]
    private static let numbers: [JSONValue] = [
        .integer(-3), .integer(-2), .integer(-1), .integer(0), .number(0.5), .integer(1), .number(1.5), .integer(2), .number(2.5),
        .integer(3), .number(9.99), .integer(10), .number(10.5), .integer(100), .integer(9_007_199_254_740_993), .number(1e300),
    ]
    private static let enumValues: [JSONValue] = [
        .string("fast"), .string("slow"), .integer(1), .number(1.5), .bool(true), .bool(false), .null, .integer(0),
        .array([.integer(1)]), .object(["a": .integer(1)]), .string("1"),
    ]
    private static let types = ["string", "number", "integer", "boolean", "array", "object", "null"]

    init(seed: UInt64) { random = SeededRandom(seed: seed) }

    private mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }
    private mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &random)] }
    private mutating func count(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }

    /// A whole schema document: sometimes with `$defs` (each may refer only to earlier ones, and
    /// `#` only below a property or item, so no reference cycle is generated).
    mutating func document() -> JSONValue {
        var definitions: [String: JSONValue] = [:]
        var names: [String] = []
        if chance(30) {
            for index in 0..<count(1...3) {
                let name = "d\(index)"
                definitions[name] = schema(depth: 2, definitions: names, descended: false)
                names.append(name)
            }
        }
        guard case .object(var root) = schema(depth: 3, definitions: names, descended: false, forceObject: true) else {
            return .bool(true)
        }
        if !definitions.isEmpty { root["$defs"] = .object(definitions) }
        if chance(10) { root["$schema"] = .string("https://json-schema.org/draft/2020-12/schema") }
        return .object(root)
    }

    private mutating func schema(depth: Int, definitions: [String], descended: Bool, forceObject: Bool = false) -> JSONValue {
        if !forceObject, chance(4) { return .bool(chance(70)) }
        var members: [String: JSONValue] = [:]
        let kinds = depth > 0 ? 11 : 7
        switch count(0...(kinds - 1)) {
        case 0: stringKeywords(&members, typed: true)
        case 1: numberKeywords(&members, typed: true)
        case 2: members["type"] = .string(pick(["boolean", "null"]))
        case 3: enumKeywords(&members)
        case 4:
            members["type"] = .array(Array(Set((0..<count(1...3)).map { _ in pick(Self.types) })).sorted().map(JSONValue.string))
        case 5:
            // No type: keywords for several types at once, each applying only to its own type.
            if chance(50) { stringKeywords(&members, typed: false) }
            if chance(50) { numberKeywords(&members, typed: false) }
            if chance(30) { members["minItems"] = .integer(Int64(count(0...2))) }
            if chance(30) { members["required"] = .array([.string(pick(Self.names))]) }
        case 6:
            if let name = definitions.isEmpty ? nil : pick(definitions) {
                members["$ref"] = .string("#/$defs/\(name)")
            } else if descended {
                members["$ref"] = .string("#")
            } else {
                members["type"] = .string("integer")
            }
            if chance(30) { numberKeywords(&members, typed: false) }
        case 7, 8: objectKeywords(&members, depth: depth, definitions: definitions)
        case 9: arrayKeywords(&members, depth: depth, definitions: definitions)
        default:
            let keyword = pick(["anyOf", "oneOf", "allOf"])
            members[keyword] = .array(
                (0..<count(1...3)).map { _ in schema(depth: depth - 1, definitions: definitions, descended: descended) })
        }
        if chance(15) { members["description"] = .string("generated") }
        if chance(10) { members["format"] = .string(pick(["email", "date-time", "uri"])) }
        if chance(5) { members["default"] = pick(Self.enumValues) }
        if chance(5) { members["examples"] = .array([pick(Self.enumValues)]) }
        if chance(5) { members["title"] = .string("t") }
        if forceObject, members["type"] == nil, chance(50) { objectKeywords(&members, depth: depth, definitions: definitions) }
        return .object(members)
    }

    private mutating func stringKeywords(_ members: inout [String: JSONValue], typed: Bool) {
        if typed { members["type"] = .string("string") }
        if chance(40) { members["minLength"] = .integer(Int64(count(0...3))) }
        if chance(40) { members["maxLength"] = .integer(Int64(count(1...5))) }
        if chance(50) { members["pattern"] = .string(pick(Self.patterns)) }
    }

    private mutating func numberKeywords(_ members: inout [String: JSONValue], typed: Bool) {
        if typed { members["type"] = .string(pick(["number", "integer"])) }
        for keyword in ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"] where chance(30) {
            members[keyword] = pick(Self.bounds)
        }
    }

    private mutating func enumKeywords(_ members: inout [String: JSONValue]) {
        if chance(30) {
            members["const"] = pick(Self.enumValues)
        } else {
            var values: [JSONValue] = []
            for _ in 0..<count(1...4) {
                let value = pick(Self.enumValues)
                if !values.contains(value) { values.append(value) }
            }
            members["enum"] = .array(values)
        }
    }

    private mutating func objectKeywords(_ members: inout [String: JSONValue], depth: Int, definitions: [String]) {
        members["type"] = .string("object")
        var properties: [String: JSONValue] = [:]
        for _ in 0..<count(0...3) {
            properties[pick(Self.names)] = schema(depth: depth - 1, definitions: definitions, descended: true)
        }
        if !properties.isEmpty || chance(50) { members["properties"] = .object(properties) }
        let required = Array(Set(properties.keys.sorted().filter { _ in chance(50) } + (chance(10) ? [pick(Self.names)] : []))).sorted()
        if !required.isEmpty { members["required"] = .array(required.map(JSONValue.string)) }
        switch count(0...3) {
        case 0: members["additionalProperties"] = .bool(false)
        case 1: members["additionalProperties"] = schema(depth: 0, definitions: definitions, descended: true)
        default: break
        }
    }

    private mutating func arrayKeywords(_ members: inout [String: JSONValue], depth: Int, definitions: [String]) {
        members["type"] = .string("array")
        if chance(80) { members["items"] = schema(depth: depth - 1, definitions: definitions, descended: true) }
        if chance(30) { members["minItems"] = .integer(Int64(count(0...2))) }
        if chance(30) { members["maxItems"] = .integer(Int64(count(1...3))) }
    }

    /// An instance for `schema` (whose document is `root`): built to fit it, then sometimes broken.
    mutating func instance(for schema: JSONValue, root: JSONValue) -> JSONValue {
        let value = fitting(schema, root: root, depth: 4)
        return chance(30) ? mutated(value, depth: 3) : value
    }

    private mutating func fitting(_ schema: JSONValue, root: JSONValue, depth: Int) -> JSONValue {
        guard depth > 0, case .object(let members) = schema else { return anyValue(depth: 1) }
        if case .string(let reference) = members["$ref"], chance(70) {
            if reference == "#" { return fitting(root, root: root, depth: depth - 1) }
            let name = String(reference.dropFirst("#/$defs/".count))
            if case .object(let definitions) = root.objectValue?["$defs"], let target = definitions[name] {
                return fitting(target, root: root, depth: depth - 1)
            }
        }
        if case .array(let values) = members["enum"], !values.isEmpty { return pick(values) }
        if let constant = members["const"] { return constant }
        for keyword in ["anyOf", "oneOf", "allOf"] {
            if case .array(let branches) = members[keyword], !branches.isEmpty {
                return fitting(pick(branches), root: root, depth: depth - 1)
            }
        }
        let type: String
        switch members["type"] {
        case .string(let name): type = name
        case .array(let names): type = names.compactMap(\.stringValue).randomElement(using: &random) ?? "null"
        default: type = pick(Self.types)
        }
        switch type {
        case "string": return .string(pick(Self.texts))
        case "number": return pick(Self.numbers)
        case "integer": return pick(Self.numbers.filter { if case .integer = $0 { true } else { false } })
        case "boolean": return .bool(chance(50))
        case "null": return .null
        case "array":
            let items = members["items"] ?? .bool(true)
            return .array((0..<count(0...3)).map { _ in fitting(items, root: root, depth: depth - 1) })
        default:
            var object: [String: JSONValue] = [:]
            let properties = members["properties"]?.objectValue ?? [:]
            let required = Set(members["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            for name in properties.keys.sorted() where required.contains(name) || chance(60) {
                object[name] = fitting(properties[name] ?? .bool(true), root: root, depth: depth - 1)
            }
            if chance(20) { object[pick(Self.names)] = anyValue(depth: 1) }
            return .object(object)
        }
    }

    private mutating func mutated(_ value: JSONValue, depth: Int) -> JSONValue {
        switch value {
        case .object(var members) where !members.isEmpty && depth > 0 && chance(70):
            let key = members.keys.sorted()[count(0...(members.count - 1))]
            if chance(30) {
                members[key] = nil
            } else if let inner = members[key] {
                members[key] = mutated(inner, depth: depth - 1)
            }
            return .object(members)
        case .array(var elements) where !elements.isEmpty && depth > 0 && chance(70):
            let index = count(0...(elements.count - 1))
            elements[index] = mutated(elements[index], depth: depth - 1)
            return .array(elements)
        default: return anyValue(depth: 1)
        }
    }

    private mutating func anyValue(depth: Int) -> JSONValue {
        switch count(0...(depth > 0 ? 6 : 4)) {
        case 0: return .string(pick(Self.texts))
        case 1: return pick(Self.numbers)
        case 2: return pick(Self.enumValues)
        case 3: return .bool(chance(50))
        case 4: return .null
        case 5: return .array((0..<count(0...2)).map { _ in anyValue(depth: depth - 1) })
        default:
            var object: [String: JSONValue] = [:]
            for _ in 0..<count(0...2) { object[pick(Self.names)] = anyValue(depth: depth - 1) }
            return .object(object)
        }
    }
}

/// This validator against an independent one: Python's jsonschema (Draft202012Validator).
@Suite("Runtime contract: differential test against Python jsonschema")
struct SchemaDifferentialTests {
    @Test("generated schemas and instances get the same answer from both validators")
    func sameAnswers() throws {
        let seed = ProcessInfo.processInfo.environment["PROMPTREG_SCHEMA_SEED"].flatMap { UInt64($0) } ?? 0x5C4E_4A20
        let size = ProcessInfo.processInfo.environment["PROMPTREG_SCHEMA_CASES"].flatMap { Int($0) } ?? 3000
        print("schema differential test: seed \(seed) (set PROMPTREG_SCHEMA_SEED to replay), \(size) cases")
        var generator = SchemaCaseGenerator(seed: seed)
        var lines: [String] = []
        for _ in 0..<size {
            let schema = generator.document()
            let instance = generator.instance(for: schema, root: schema)
            lines.append(JSONValue.object(["schema": schema, "instance": instance]).canonicalString)
        }
        let directory = try TemporaryDirectory("promptreg-schema-diff")
        defer { directory.remove() }
        let file = directory.join("cases.jsonl")
        try Fixtures.write(lines.joined(separator: "\n") + "\n", to: file)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "\(Fixtures.packageRoot)/scripts/jsonschema-oracle.py", file]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let answers = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: "\n").map(String.init)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "the oracle failed (is jsonschema installed? scripts/install-deps.sh): \(errors)")
        try #require(answers.count == lines.count, "the oracle answered \(answers.count) of \(lines.count) cases: \(errors)")

        var mismatches = 0
        var valid = 0
        for (line, oracle) in zip(lines, answers) {
            // Both read the same bytes.
            let document = try JSONValue(parsing: Data(line.utf8), file: "case")
            let schemaDocument = document.objectValue?["schema"] ?? .null
            let instance = document.objectValue?["instance"] ?? .null
            let ours: String
            do {
                ours = try JSONSchema(schemaDocument).accepts(instance) ? "valid" : "invalid"
            } catch {
                ours = "bad-schema: \(error)"
            }
            if ours == "valid" { valid += 1 }
            guard ours != oracle else { continue }
            mismatches += 1
            if mismatches <= 10 {
                Issue.record(
                    "seed \(seed): schema \(schemaDocument.canonicalString), instance \(instance.canonicalString): promptreg says \(ours), jsonschema says \(oracle)")
            }
        }
        print("schema differential test: \(lines.count) cases, \(valid) valid, \(lines.count - valid) invalid, \(mismatches) mismatches")
        #expect(mismatches == 0, "\(mismatches) of \(lines.count) cases differ (seed \(seed))")
        // The generator must exercise both answers, or agreement proves little.
        #expect(valid * 5 >= lines.count && (lines.count - valid) * 5 >= lines.count, "\(valid) of \(lines.count) valid")
    }
}
