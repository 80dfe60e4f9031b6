import Foundation
import PromptRegistry
import TestSupport
import Testing

@Suite("Sticky canary share")
struct CanaryTests {
    let subjects = (0..<10_000).map { "user-\($0)" }

    @Test("at 5% traffic, 5% +/- 0.7 of 10,000 subjects resolve to the canary, the same ones every time")
    func shareThroughResolve() throws {
        let test = try TestRegistry()
        defer { test.remove() }
        let registry = test.registry
        let name = "support-agent"
        try registry.promote(.version(name, SemanticVersion(1, 0, 0)), to: "prod", message: "m", actor: "ops")
        try test.publishPatch(name, adding: "Canary.")
        try registry.promote(.version(name, SemanticVersion(1, 0, 1)), to: "canary", traffic: 5, message: "m", actor: "ops")

        func canarySubjects() throws -> Set<String> {
            var picked = Set<String>()
            for subject in subjects where try registry.resolve(.channel(name, subject: subject)).channel == "canary" {
                picked.insert(subject)
            }
            return picked
        }
        let first = try canarySubjects()
        #expect(abs(Double(first.count) / Double(subjects.count) * 100 - 5) <= 0.7, "\(first.count) of 10000")
        #expect(try canarySubjects() == first, "not sticky")
        // Without a subject, prod.
        #expect(try registry.resolve(.channel(name)).version == SemanticVersion(1, 0, 0))

        try registry.promote(.version(name, SemanticVersion(1, 0, 1)), to: "canary", traffic: 20, message: "widen", actor: "ops")
        let wider = try canarySubjects()
        #expect(first.isSubset(of: wider), "raising 5 to 20 dropped subjects")
        #expect(abs(Double(wider.count) / Double(subjects.count) * 100 - 20) <= 1.5, "\(wider.count) of 10000")
    }

    @Test("the bucket follows the documented rule")
    func documentedRule() {
        // bucket = (first 8 bytes of SHA-256("promptreg/canary/v1\n<name>\n<subject>") >> 11) / 2^53 * 100
        let bucket = Canary.bucket(bundle: "support-agent", subject: "user-42")
        #expect((0..<100).contains(bucket))
        #expect(Canary.bucket(bundle: "support-agent", subject: "user-42") == bucket)
        #expect(Canary.bucket(bundle: "support-triage", subject: "user-42") != bucket)
        #expect(Canary.includes(bundle: "support-agent", subject: "user-42", traffic: 100))
        #expect(!Canary.includes(bundle: "support-agent", subject: "user-42", traffic: 0))
    }
}
