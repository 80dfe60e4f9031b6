import Foundation
import PromptRegistry
import TestSupport
import Testing

/// Random and deliberate hostile input: never a crash or a hang; either accepted or refused with
/// an invalid-input error; a refused publish changes nothing.
@Suite("Hostile input")
struct HostileInputTests {
    private func outcome(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "accepted"
        } catch let error as PromptRegError {
            return error.code.name
        } catch {
            return "unexpected \(type(of: error)): \(error)"
        }
    }

    @Test("2,000 random mutations of bundle.yaml and of a template are accepted or refused cleanly")
    func fuzzBundle() throws {
        let test = try TestRegistry()
        defer { test.remove() }
        let bundle = try Fixtures.copy("support-agent", into: test.directory)
        let manifest = try String(contentsOfFile: "\(bundle)/bundle.yaml", encoding: .utf8)
        let template = try String(contentsOfFile: "\(bundle)/prompts/user.mustache", encoding: .utf8)
        var random = SeededRandom(seed: 0x5EED_0001)
        var outcomes: [String: Int] = [:]
        for round in 0..<2000 {
            let mutateTemplate = round % 4 == 3
            try Fixtures.write(mutateTemplate ? manifest : Mutation.mutate(manifest, using: &random), to: "\(bundle)/bundle.yaml")
            try Fixtures.write(mutateTemplate ? Mutation.mutate(template, using: &random) : template, to: "\(bundle)/prompts/user.mustache")
            let result: String
            if round % 100 == 0 {
                // Now and then through publish: a refusal must leave the registry as it was.
                let before = test.fingerprint
                result = outcome { _ = try test.registry.publish(directory: bundle, message: "fuzz", actor: "fuzz") }
                if result != "accepted" { #expect(test.fingerprint == before, "round \(round) changed the registry") }
            } else {
                result = outcome { _ = try BundleLoader().load(directory: bundle) }
            }
            #expect(["accepted", "invalid-input", "conflict"].contains(result), "round \(round): \(result)")
            outcomes[result, default: 0] += 1
        }
        #expect(outcomes["invalid-input", default: 0] > 500, "\(outcomes)")
        #expect(outcomes["accepted", default: 0] > 50, "\(outcomes)")
    }

    @Test("1,000 random mutations of a tool file are accepted or refused cleanly")
    func fuzzTool() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let bundle = try Fixtures.copy("support-agent", into: directory)
        let tool = try String(contentsOfFile: "\(bundle)/tools/issue_refund.json", encoding: .utf8)
        var random = SeededRandom(seed: 0x5EED_0002)
        for round in 0..<1000 {
            try Fixtures.write(Mutation.mutate(tool, using: &random), to: "\(bundle)/tools/issue_refund.json")
            let result = outcome { _ = try BundleLoader().load(directory: bundle) }
            #expect(["accepted", "invalid-input"].contains(result), "round \(round): \(result)")
        }
    }

    @Test("random mutations of every stored JSON document decode or fail, never crash")
    func fuzzStoredDocuments() throws {
        let test = try TestRegistry()
        defer { test.remove() }
        try test.registry.promote(.version("support-agent", SemanticVersion(1, 0, 0)), to: "canary", traffic: 5, message: "m", actor: "a")
        let stored = try test.registry.show(.latest("support-agent"))
        let event = try test.registry.log(limit: 1)[0]
        let lock = try test.registry.pins(["support-agent"], channel: "canary")
        let encoder = JSONEncoder()
        let documents: [(Data, (Data) throws -> Void)] = [
            (Data(stored.layerDocuments[.prompt]!), { _ = try JSONDecoder().decode(PromptLayer.self, from: $0) }),
            (Data(stored.layerDocuments[.tools]!), { _ = try JSONDecoder().decode(ToolsLayer.self, from: $0) }),
            (Data(stored.layerDocuments[.parameters]!), { _ = try JSONDecoder().decode(ParametersLayer.self, from: $0) }),
            (try encoder.encode(stored.publish), { _ = try JSONDecoder().decode(PublishRecord.self, from: $0) }),
            (try encoder.encode(event), { _ = try JSONDecoder().decode(StateEvent.self, from: $0) }),
            (
                try encoder.encode(lock),
                { data in
                    let path = test.directory.join("fuzz.lock")
                    try data.write(to: URL(fileURLWithPath: path))
                    _ = try PinFile.read(from: path)
                }
            ),
        ]
        var random = SeededRandom(seed: 0x5EED_0003)
        for (original, decode) in documents {
            let text = String(decoding: original, as: UTF8.self)
            for _ in 0..<300 {
                let mutated = Data(Mutation.mutate(text, using: &random).utf8)
                do { try decode(mutated) } catch is DecodingError {} catch is PromptRegError {} catch {
                    Issue.record("unexpected \(type(of: error)): \(error)")
                }
                _ = try? JSONValue(parsing: mutated, file: "fuzz")
            }
        }
    }

    @Test("deep nesting of YAML and JSON is refused, not a crash")
    func deepNesting() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let bundle = try Fixtures.copy("support-agent", into: directory)
        let manifest = try String(contentsOfFile: "\(bundle)/bundle.yaml", encoding: .utf8)
        try Fixtures.write(manifest + "extra: " + String(repeating: "[", count: 200_000) + "\n", to: "\(bundle)/bundle.yaml")
        #expect(outcome { _ = try BundleLoader().load(directory: bundle) } == "invalid-input")
        var indented = manifest + "extra:\n"
        for level in 1...300 { indented += String(repeating: " ", count: level) + "k:\n" }
        try Fixtures.write(indented, to: "\(bundle)/bundle.yaml")
        #expect(outcome { _ = try BundleLoader().load(directory: bundle) } == "invalid-input")
        try Fixtures.write(manifest, to: "\(bundle)/bundle.yaml")
        let deepSchema =
            #"{"name": "deep", "description": "d", "input_schema": {"type": "object", "properties": {"x": "#
            + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}}}"
        try Fixtures.write(deepSchema, to: "\(bundle)/tools/issue_refund.json")
        #expect(outcome { _ = try BundleLoader().load(directory: bundle) } == "invalid-input")
        let fortyDeep =
            #"{"name": "deep", "description": "d", "input_schema": {"type": "object", "properties": {"x": {"default": "#
            + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "}}}}"
        try Fixtures.write(fortyDeep, to: "\(bundle)/tools/issue_refund.json")
        do {
            _ = try BundleLoader().load(directory: bundle)
            Issue.record("a 44-level tool schema was accepted")
        } catch let error as PromptRegError {
            #expect(error.message.contains("nested too deeply") && error.message.contains("limit is 32"))
        }
    }

    @Test(
        "invisible and bidirectional-control characters in templates are refused with the code point",
        arguments: [
            ("\u{202E}", "U+202E"), ("\u{200B}", "U+200B"), ("\u{2066}", "U+2066"), ("\u{FEFF}", "U+FEFF"), ("\u{E0041}", "U+E0041"),
            ("\u{7}", "U+0007"),
        ])
    func hiddenCharacters(_ character: String, _ codePoint: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let bundle = try Fixtures.copy("support-agent", into: directory)
        try Fixtures.edit("\(bundle)/prompts/system.mustache", replacing: "Be brief", with: "Be \(character)brief")
        do {
            _ = try BundleLoader().load(directory: bundle)
            Issue.record("\(codePoint) was accepted")
        } catch let error as PromptRegError {
            #expect(error.code == .invalidInput)
            #expect(error.message.contains("system.mustache:2") && error.message.contains(codePoint), "\(error)")
        }
    }

    @Test("count and size limits each have a clear error")
    func limits() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        func refusal(_ edit: (String) throws -> Void) throws -> String {
            let bundle = try Fixtures.copy("support-agent", into: directory, as: UUID().uuidString)
            try edit(bundle)
            do {
                _ = try BundleLoader().load(directory: bundle)
                return "accepted"
            } catch let error as PromptRegError {
                return error.message
            }
        }
        let tooManyMessages = try refusal { bundle in
            let messages = String(repeating: "  - role: user\n    template: prompts/user.mustache\n", count: 65)
            try Fixtures.edit("\(bundle)/bundle.yaml", replacing: "messages:\n", with: "messages:\n" + messages)
        }
        #expect(tooManyMessages.contains("messages") && tooManyMessages.contains("at most 64"))
        let tooManyTools = try refusal { bundle in
            try Fixtures.edit(
                "\(bundle)/bundle.yaml", replacing: "tools:\n",
                with: "tools:\n" + String(repeating: "  - tools/lookup_order.json\n", count: 129))
        }
        #expect(tooManyTools.contains("at most 128"))
        let tooManyVariables = try refusal { bundle in
            let variables = (0..<129).map { "  - name: v\($0)\n    type: string\n    required: false\n" }.joined()
            try Fixtures.edit("\(bundle)/bundle.yaml", replacing: "variables:\n", with: "variables:\n" + variables)
        }
        #expect(tooManyVariables.contains("at most 128"))
        let tooLarge = try refusal { bundle in
            // Five files of 900 KiB: each under the file limit, together over the bundle limit.
            let chunk = String(repeating: "Answer politely. ", count: 54_000)
            var messages = ""
            for index in 0..<5 {
                try Fixtures.write(chunk, to: "\(bundle)/prompts/part\(index).mustache")
                messages += "  - role: system\n    template: prompts/part\(index).mustache\n"
            }
            try Fixtures.edit("\(bundle)/bundle.yaml", replacing: "messages:\n", with: "messages:\n" + messages)
        }
        #expect(tooLarge.contains("add up to more than"))
    }

    @Test(
        "hostile names are refused before any file or ref is touched",
        arguments: [
            "../escape", "a/b", "a\u{0}b", "a\nb", "Agent", "ａgent", "e\u{301}", "a~b", "a^b", "a:b", "a?b", "a*b", "a[b", "a\\b",
            "a@{1}", ".hidden", "agent.lock", "a..b", "", String(repeating: "x", count: 64),
        ])
    func hostileNames(_ name: String) throws {
        let test = try TestRegistry()
        defer { test.remove() }
        let before = test.fingerprint
        let attempts: [() throws -> Void] = [
            { _ = try test.registry.show(.latest(name)) },
            { _ = try BundleReference(parsing: name) },
            { _ = try BundleReference(parsing: "\(name)@1.0.0") },
            { _ = try test.registry.versions(of: name) },
            { try test.registry.promote(.version("support-agent", SemanticVersion(1, 0, 0)), to: name, message: "m", actor: "a") },
            { try test.registry.promote(channel: "prod", to: "canary", bundles: [name], message: "m", actor: "a") },
            { try test.registry.rollback(channel: name, message: "m", actor: "a") },
            { _ = try test.registry.resolve(.channel(name)) },
            { _ = try test.registry.resolve(.channel("support-agent", channel: name)) },
        ]
        for (index, attempt) in attempts.enumerated() {
            #expect(outcome(attempt) == "invalid-input", "attempt \(index) with \(Names.printable(name))")
        }
        #expect(test.fingerprint == before)
    }
}
