import Foundation
import PromptRegistry
import TestSupport
import Testing

@Suite("Canonical serialisation and digests")
struct CanonicalFormTests {
    @Test("object keys are sorted by UTF-8 bytes and no whitespace is written")
    func canonicalJSON() {
        let value = JSONValue.object([
            "b": .array([.integer(1), .number(0.5), .bool(true), .null]),
            "a": .string("line\n\"quoted\" é \u{1}"),
            "Z": .number(2.0),
        ])
        #expect(value.canonicalString == #"{"Z":2,"a":"line\n\"quoted\" é \u0001","b":[1,0.5,true,null]}"#)
    }

    @Test("the same JSON content gives the same bytes whatever the key order or spacing")
    func keyOrderDoesNotMatter() throws {
        let first = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"x": 1, "y": {"b": [1, 2], "a": "s"}}"#.utf8))
        let second = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"y":{"a":"s","b":[1,2]},"x":1.0}"#.utf8))
        #expect(first.canonicalBytes == second.canonicalBytes)
    }

    @Test("a bundle written in another YAML style and key order has the same digests")
    func yamlStyleDoesNotMatter() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let copy = try Fixtures.copy("support-triage", into: directory)
        let restyled = """
            # same bundle, flow style, other key order, other quoting
            tools: [ "tools/lookup_customer.json" ]
            output: 'output.schema.json'
            parameters: {limits: {max_tokens_per_run: 4000, max_tool_calls: 2, max_steps: 3}, seed: 7, stop: ['</routing>'], max_tokens: 512, temperature: 0.0}
            messages:
            - {template: prompts/system.mustache, role: system}
            - {template: prompts/user.mustache, role: user}
            variables:
            - {name: ticket_subject, required: true, type: string, description: Subject line of the ticket.}
            - {type: string, name: ticket_body, description: "Full text of the customer's message.", required: true}
            - {name: customer_tier, type: string, required: false, description: "free, pro or enterprise, when known."}
            model: {id: "claude-haiku-4-5-20251001", provider: anthropic}
            description: "Classifies an incoming support ticket and routes it to the right queue."
            name: support-triage
            """
        try Fixtures.write(restyled, to: "\(copy)/bundle.yaml")
        let original = try BundleLoader().load(directory: Fixtures.example("support-triage")).sealed()
        let rewritten = try BundleLoader().load(directory: copy).sealed()
        #expect(original.layerDigests == rewritten.layerDigests)
        #expect(original.digest == rewritten.digest)
    }

    @Test("a one-character template change changes the prompt digest and only it")
    func digestFollowsContent() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let copy = try Fixtures.copy("support-agent", into: directory)
        try Fixtures.edit("\(copy)/prompts/system.mustache", replacing: "Be brief", with: "Be Brief")
        let original = try BundleLoader().load(directory: Fixtures.example("support-agent")).sealed()
        let edited = try BundleLoader().load(directory: copy).sealed()
        #expect(original.digest != edited.digest)
        for kind in LayerKind.allCases {
            #expect((original.layerDigests[kind] == edited.layerDigests[kind]) == (kind != .prompt))
        }
    }

    @Test("digests are SHA-256 of the canonical bytes, written sha256:<hex>")
    func digestFormat() {
        #expect(
            Digest(of: Array("abc".utf8)).description
                == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest(parsing: "sha256:ABC") == nil)
        #expect(Digest(parsing: "md5:" + String(repeating: "0", count: 64)) == nil)
    }
}

@Suite("Semantic versions")
struct SemanticVersionTests {
    @Test("strict parsing", arguments: ["1.0.0", "0.1.0", "10.20.30", "1.0.0-rc.1", "2.0.0-alpha"])
    func accepts(_ text: String) throws {
        #expect(try SemanticVersion(parsing: text).description == text)
    }

    @Test(
        "refuses what is not MAJOR.MINOR.PATCH",
        arguments: ["v1.0.0", "1.0", "01.0.0", "1.01.0", "1.0.0+build", "1.0.0-", "1.0.0-01", "", "1.0.0.0", "a.b.c"])
    func refuses(_ text: String) {
        #expect(throws: PromptRegError.self) { try SemanticVersion(parsing: text) }
        do {
            _ = try SemanticVersion(parsing: text)
        } catch let error as PromptRegError {
            #expect(error.code == .invalidInput)
            #expect(error.message.contains("is not a semantic version"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("ordering follows semver precedence")
    func ordering() throws {
        let ordered = [
            "0.9.9", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
            "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.2.0", "1.10.0", "2.0.0",
        ]
        let versions = try ordered.map(SemanticVersion.init(parsing:))
        #expect(versions.shuffled().sorted() == versions)
    }

    @Test("bumps")
    func bumps() throws {
        let version = try SemanticVersion(parsing: "1.4.2")
        #expect(version.bumped(.major).description == "2.0.0")
        #expect(version.bumped(.minor).description == "1.5.0")
        #expect(version.bumped(.patch).description == "1.4.3")
        #expect(SemanticVersion(2, 0, 0).bump(from: version) == .major)
        #expect(SemanticVersion(1, 5, 0).bump(from: version) == .minor)
        #expect(SemanticVersion(1, 4, 9).bump(from: version) == .patch)
    }
}
