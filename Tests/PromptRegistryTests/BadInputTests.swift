import Foundation
import PromptRegistry
import TestSupport
import Testing

/// Every bad input of the foundation issue: a clear error naming file and field (and line for
/// YAML), the right error code, and a registry left byte-for-byte unchanged.
@Suite("Bad bundles are refused and nothing is written")
struct BadInputTests {
    /// Publishes an edited copy of `example` and checks the refusal.
    private func expectRefusal(
        of example: String = "support-agent", code: PromptRegError.Code = .invalidInput,
        mentions fragments: [String], version: VersionChoice = .automatic, policy: BundlePolicy = BundlePolicy(),
        sourceLocation: SourceLocation = #_sourceLocation,
        edit: (String) throws -> Void
    ) throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let bundle = try Fixtures.copy(example, into: registry.directory, as: "bundle-under-test")
        try edit(bundle)
        let before = Fingerprint.of(registry.path)
        do {
            let result = try registry.registry.publish(
                directory: bundle, message: "bad", version: version, policy: policy, actor: "tester")
            Issue.record("published \(result.name)@\(result.version) but should have been refused", sourceLocation: sourceLocation)
        } catch let error as PromptRegError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            for fragment in fragments {
                #expect(error.description.contains(fragment), "'\(fragment)' not in: \(error)", sourceLocation: sourceLocation)
            }
            #expect(error.fix != nil, "no fix in: \(error)", sourceLocation: sourceLocation)
        }
        #expect(Fingerprint.of(registry.path) == before, "the registry changed", sourceLocation: sourceLocation)
    }

    @Test("malformed YAML names the line")
    func malformedYAML() throws {
        try expectRefusal(mentions: ["bundle.yaml:6", "malformed YAML"]) { bundle in
            try Fixtures.edit("\(bundle)/bundle.yaml", replacing: "model:\n  provider: openai", with: "model:\n  provider: [openai")
        }
    }

    @Test("an unknown key names the field and line")
    func unknownKey() throws {
        try expectRefusal(mentions: ["bundle.yaml:7", "model.temperature", "unknown key"]) { bundle in
            try Fixtures.edit(
                "\(bundle)/bundle.yaml", replacing: "  id: gpt-4o-2024-08-06", with: "  id: gpt-4o-2024-08-06\n  temperature: 1")
        }
    }

    @Test("a missing key names it")
    func missingKey() throws {
        try expectRefusal(mentions: ["bundle.yaml", "missing required key 'provider'"]) { bundle in
            try Fixtures.edit("\(bundle)/bundle.yaml", replacing: "  provider: openai\n", with: "")
        }
    }

    @Test("a missing template file")
    func missingTemplate() throws {
        try expectRefusal(mentions: ["bundle.yaml", "messages[1].template", "prompts/user.mustache", "file not found"]) { bundle in
            try FileManager.default.removeItem(atPath: "\(bundle)/prompts/user.mustache")
        }
    }

    @Test("a template that is not UTF-8")
    func notUTF8() throws {
        try expectRefusal(mentions: ["prompts/system.mustache", "not valid UTF-8"]) { bundle in
            try Data([0x48, 0x69, 0xff, 0xfe, 0x0a]).write(to: URL(fileURLWithPath: "\(bundle)/prompts/system.mustache"))
        }
    }

    @Test("a template using an undeclared variable names file, line and variable")
    func undeclaredVariable() throws {
        try expectRefusal(mentions: ["prompts/user.mustache:2", "'order_notes'"]) { bundle in
            try Fixtures.edit(
                "\(bundle)/prompts/user.mustache", replacing: "Customer: {{customer_name}}\n",
                with: "Customer: {{customer_name}}\nNotes: {{order_notes}}\n")
        }
    }

    @Test("an undeclared variable inside an inverted section is found too")
    func undeclaredInInvertedSection() throws {
        try expectRefusal(mentions: ["'fallback_text'"]) { bundle in
            try Fixtures.edit(
                "\(bundle)/prompts/user.mustache", replacing: "(no recent orders on file)",
                with: "{{fallback_text}}")
        }
    }

    @Test("a tool file that is not a tool definition")
    func invalidTool() throws {
        try expectRefusal(mentions: ["tools/lookup_order.json", "input_schema.type"]) { bundle in
            try Fixtures.edit("\(bundle)/tools/lookup_order.json", replacing: #""type": "object""#, with: #""type": "string""#)
        }
        try expectRefusal(mentions: ["tools/lookup_order.json", "input_schema"]) { bundle in
            try Fixtures.write(#"{"name": "lookup_order", "description": "x"}"#, to: "\(bundle)/tools/lookup_order.json")
        }
        try expectRefusal(mentions: ["tools/lookup_order.json", "not valid JSON"]) { bundle in
            try Fixtures.write(#"{"name": "lookup_order", "#, to: "\(bundle)/tools/lookup_order.json")
        }
    }

    @Test("two tools with one name")
    func duplicateTools() throws {
        try expectRefusal(mentions: ["two tools are named 'lookup_order'"]) { bundle in
            try Fixtures.edit("\(bundle)/tools/issue_refund.json", replacing: #""name": "issue_refund""#, with: #""name": "lookup_order""#)
        }
    }

    @Test("versions that are not strict semver", arguments: ["v1.0.0", "1.0", "01.0.0"])
    func badVersions(_ text: String) throws {
        // The version is parsed before anything else: the registry must not change either way.
        let registry = try TestRegistry()
        defer { registry.remove() }
        let before = Fingerprint.of(registry.path)
        #expect(throws: PromptRegError.self) { _ = try SemanticVersion(parsing: text) }
        #expect(Fingerprint.of(registry.path) == before)
    }

    @Test(
        "bundle names outside the rule",
        arguments: ["Support", "-lead", "a..b", "agent.lock", String(repeating: "a", count: 64), "sp ace", "née"])
    func badNames(_ name: String) throws {
        try expectRefusal(mentions: ["bundle.yaml", "name", "not a valid bundle name"]) { bundle in
            try Fixtures.edit("\(bundle)/bundle.yaml", replacing: "name: support-agent", with: "name: \"\(name)\"")
        }
    }

    @Test("a file over 1 MiB")
    func oversizedFile() throws {
        try expectRefusal(mentions: ["prompts/system.mustache", "at most 1048576 bytes"]) { bundle in
            try Fixtures.write(String(repeating: "word ", count: 220_000), to: "\(bundle)/prompts/system.mustache")
        }
    }

    @Test("a YAML alias bomb is refused at the first alias")
    func aliasBomb() throws {
        var bomb = "a0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n"
        for level in 1...9 {
            bomb += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]\n"
        }
        try expectRefusal(mentions: ["bundle.yaml", "anchors and aliases"]) { bundle in
            let original = try String(contentsOfFile: "\(bundle)/bundle.yaml", encoding: .utf8)
            try Fixtures.write(
                original.replacingOccurrences(of: "name: support-agent", with: "name: &n support-agent"), to: "\(bundle)/bundle.yaml")
        }
        try expectRefusal(mentions: ["bundle.yaml", "anchors and aliases"]) { bundle in
            try Fixtures.write(bomb, to: "\(bundle)/bundle.yaml")
        }
    }

    @Test("a symlink that leaves the bundle directory")
    func escapingSymlink() throws {
        try expectRefusal(mentions: ["prompts/system.mustache", "outside the bundle directory"]) { bundle in
            let outside = (bundle as NSString).deletingLastPathComponent + "/outside.mustache"
            try Fixtures.write("You are helpful.", to: outside)
            try FileManager.default.removeItem(atPath: "\(bundle)/prompts/system.mustache")
            try FileManager.default.createSymbolicLink(atPath: "\(bundle)/prompts/system.mustache", withDestinationPath: outside)
        }
        try expectRefusal(mentions: ["../outside.txt", "outside the bundle directory"]) { bundle in
            try Fixtures.write("You are helpful.", to: (bundle as NSString).deletingLastPathComponent + "/outside.txt")
            try Fixtures.edit("\(bundle)/bundle.yaml", replacing: "prompts/system.mustache", with: "../outside.txt")
        }
    }

    @Test(
        "likely secrets in a template",
        arguments: [
            "sk-proj-abcdefghijklmnopqrstuvwxyz012345", "sk-ant-api03-abcdefghijklmnopqrstuvwx", "AKIAIOSFODNN7EXAMPLE",
            "-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----",
        ])
    func secrets(_ secret: String) throws {
        try expectRefusal(mentions: ["prompts/system.mustache:4", "allow it for this publish"]) { bundle in
            try Fixtures.edit("\(bundle)/prompts/system.mustache", replacing: "\nRules:", with: "\nUse key \(secret) for the API.")
        }
    }

    @Test("floating model ids", arguments: ["gpt-4o-latest", "gpt-4o", "claude-sonnet-4-5", "chatgpt-4o-LATEST"])
    func floatingModel(_ id: String) throws {
        try expectRefusal(mentions: ["bundle.yaml:6", "model.id", "floating", "allow a floating model"]) { bundle in
            try Fixtures.edit("\(bundle)/bundle.yaml", replacing: "gpt-4o-2024-08-06", with: id)
        }
    }

    @Test(
        "pinned model ids are accepted",
        arguments: [
            "gpt-4o-2024-08-06", "claude-sonnet-4-5-20250929", "gemini-1.5-pro-002", "gpt-4-0613", "text-bison@002",
            "anthropic.claude-3-haiku-20240307-v1:0", "mistral-large-2407",
        ])
    func pinnedModel(_ id: String) {
        #expect(ContentPolicy.floatingReason(modelID: id) == nil)
    }

    @Test("--allow-floating-model and --allow-secrets publish and are recorded")
    func allowances() throws {
        let registry = try TestRegistry(publishExamples: false)
        defer { registry.remove() }
        let bundle = try Fixtures.copy("support-agent", into: registry.directory)
        try Fixtures.edit("\(bundle)/bundle.yaml", replacing: "gpt-4o-2024-08-06", with: "gpt-4o-latest")
        try Fixtures.edit("\(bundle)/prompts/system.mustache", replacing: "\nRules:", with: "\nAKIAIOSFODNN7EXAMPLE\nRules:")
        let result = try registry.registry.publish(
            directory: bundle, message: "allowed", policy: BundlePolicy(allowFloatingModel: true, allowSecrets: true),
            actor: "tester")
        let stored = try registry.registry.show(.version(result.name, result.version))
        #expect(stored.publish.allowFloatingModel)
        #expect(stored.publish.allowSecrets)
    }

    @Test("a bump smaller than the change requires is refused with the layers that changed")
    func bumpTooSmall() throws {
        try expectRefusal(
            mentions: ["needs a major bump", "layers changed: model", "model.id", "2.0.0"],
            version: .exact(SemanticVersion(1, 0, 1))
        ) { bundle in
            try Fixtures.edit("\(bundle)/bundle.yaml", replacing: "gpt-4o-2024-08-06", with: "gpt-4o-2024-11-20")
        }
        try expectRefusal(mentions: ["needs a minor bump", "parameters.temperature"], version: .bump(.patch)) { bundle in
            try Fixtures.edit("\(bundle)/bundle.yaml", replacing: "temperature: 0.3", with: "temperature: 0.5")
        }
    }

    @Test("an existing version and identical content are conflicts")
    func conflicts() throws {
        try expectRefusal(code: .conflict, mentions: ["support-agent@1.0.0 already exists"], version: .exact(SemanticVersion(1, 0, 0))) {
            bundle in
            try Fixtures.edit("\(bundle)/prompts/system.mustache", replacing: "Be brief", with: "Be short")
        }
        try expectRefusal(code: .conflict, mentions: ["identical to the published support-agent@1.0.0"]) { _ in }
    }
}
