import Foundation
import GitStore
import PromptRegistry
import TestSupport
import Testing

@Suite("Publishing and reading versions")
struct PublishTests {
    @Test("versions are chosen by the smallest bump the change requires")
    func automaticVersions() throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let bundle = try Fixtures.copy("support-agent", into: registry.directory)
        func publish(_ message: String) throws -> String {
            try registry.registry.publish(directory: bundle, message: message, actor: "tester").version.description
        }
        try Fixtures.edit("\(bundle)/prompts/system.mustache", replacing: "Be brief", with: "Be short")
        #expect(try publish("wording") == "1.0.1")
        try Fixtures.edit("\(bundle)/bundle.yaml", replacing: "temperature: 0.3", with: "temperature: 0.2")
        #expect(try publish("cooler") == "1.1.0")
        try Fixtures.edit("\(bundle)/bundle.yaml", replacing: "  - tools/issue_refund.json\n", with: "")
        #expect(try publish("no refunds") == "2.0.0")
        #expect(try registry.registry.versions(of: "support-agent").items.map(\.version.description) == ["1.0.0", "1.0.1", "1.1.0", "2.0.0"])
    }

    @Test("show by name, version and digest returns the same verified bundle")
    func showReferences() throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let latest = try registry.registry.show(.latest("support-triage"))
        let byVersion = try registry.registry.show(.version("support-triage", SemanticVersion(1, 0, 0)))
        let byDigest = try registry.registry.show(.digest("support-triage", latest.digest))
        #expect(latest.digest == byVersion.digest && byVersion.digest == byDigest.digest)
        #expect(latest.content == (try BundleLoader().load(directory: Fixtures.example("support-triage"))))
        #expect(latest.publish.actor == "tester")
        #expect(Set(latest.layerDigests.keys) == Set(LayerKind.allCases))
    }

    @Test("unknown bundle, version and digest are not-found errors")
    func notFound() throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let references: [BundleReference] = [
            .latest("nope"), .version("support-agent", SemanticVersion(9, 9, 9)),
            .digest("support-agent", Digest(of: [1, 2, 3])),
        ]
        for reference in references {
            #expect(throws: PromptRegError.self) { _ = try registry.registry.show(reference) }
            do { _ = try registry.registry.show(reference) } catch let error as PromptRegError { #expect(error.code == .notFound) }
        }
    }

    @Test("verify reports a changed layer object with version and layer")
    func verifyFindsTampering() throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        #expect(try registry.registry.verify().ok)
        // Rewrite the model layer blob of support-agent@1.0.0 in place: same object id, other bytes.
        let stored = try registry.registry.show(.latest("support-agent"))
        let repository = try GitRepository.open(at: registry.path)
        let blob = try repository.writeBlob(Data(stored.layerDocuments[.model]!))
        let tampered = try repository.writeBlob(Data(#"{"id":"gpt-4o-latest","provider":"openai"}"#.utf8))
        let objectPath = try GitObjectPath.looseFile(blob.hex, in: registry.path)
        let tamperedPath = try GitObjectPath.looseFile(tampered.hex, in: registry.path)
        try FileManager.default.removeItem(atPath: objectPath)
        try FileManager.default.copyItem(atPath: tamperedPath, toPath: objectPath)
        // A fresh open: the fixture's handle still maps the pack the object was unpacked from.
        let reopened = try Registry.open(at: registry.path)
        let report = try reopened.verify()
        #expect(!report.ok)
        #expect(report.problems.contains { $0.subject == "support-agent@1.0.0" && $0.layer == "model" })
        do {
            _ = try reopened.show(.latest("support-agent"))
            Issue.record("a tampered bundle was returned")
        } catch let error as PromptRegError {
            #expect(error.code == .integrity)
        }
    }

    @Test("init is harmless on a registry and refuses a non-empty directory")
    func initRules() throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let before = Fingerprint.of(registry.path)
        _ = try Registry.create(at: registry.path, actor: "tester")
        #expect(Fingerprint.of(registry.path) == before)
        let other = registry.directory.join("not-a-registry")
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        try Fixtures.write("keep me", to: "\(other)/notes.txt")
        #expect(throws: PromptRegError.self) { try Registry.create(at: other, actor: "tester") }
        #expect(try String(contentsOfFile: "\(other)/notes.txt", encoding: .utf8) == "keep me")
    }

    @Test("an unrecorded version ref of other content (an interrupted publish) is skipped past at once, not waited on")
    func unrecordedVersionRefIsSkipped() throws {
        let registry = try TestRegistry()
        defer { registry.remove() }
        let repository = try GitRepository.open(at: registry.path)
        let first = try #require(try repository.referenceTarget("refs/promptreg/versions/support-agent/1.0.0"))
        // What a publish killed between its version ref and its state commit leaves: a ref no state records.
        try repository.updateReference(
            "refs/promptreg/versions/support-agent/1.0.1", to: first, expecting: .absent, logMessage: "interrupted")
        let started = Date()
        let version = try registry.publishPatch("support-agent", adding: "Thank the customer.")
        #expect(version == SemanticVersion(1, 0, 2))
        #expect(Date().timeIntervalSince(started) < 2, "the publish waited on the unrecorded ref")
        let warnings = try registry.registry.verify().warnings
        #expect(warnings.contains { $0.subject.hasSuffix("support-agent/1.0.1") && $0.message.contains("interrupted") })
    }
}
