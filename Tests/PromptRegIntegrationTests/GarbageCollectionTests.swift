import Foundation
import PromptRegistry
import TestSupport
import Testing

/// `promptreg gc` and `doctor --fix` as real processes, beside other processes reading and writing.
@Suite("gc: packs joined, beside readers and writers", .serialized)
struct GarbageCollectionTests {
    /// A registry with the examples at 1.0.0 on prod and 1.0.1 published.
    private func release() throws -> TestRegistry {
        let test = try TestRegistry()
        for name in Fixtures.exampleNames {
            try test.registry.promote(.version(name, SemanticVersion(1, 0, 0)), to: "prod", message: "one", actor: "setup")
            try test.publishPatch(name, adding: "Two.")
        }
        return test
    }

    private func packs(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(path)/objects/pack")) ?? []).filter { $0.hasSuffix(".pack") }
    }

    @Test("gc runs while writers promote and readers resolve: every command succeeds, nothing is lost")
    func besideReadersAndWriters() throws {
        let test = try release()
        defer { test.remove() }
        let failures = Locked<[String]>([])
        let names = Fixtures.exampleNames
        let path = test.path
        // Two writers (one bundle each, racing on the one state ref), one reader, one gc loop.
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for round in 0..<12 {
                let arguments: [String]
                switch worker {
                case 0, 1:
                    let version = round % 2 == 0 ? "1.0.1" : "1.0.0"
                    arguments = ["promote", "\(names[worker])@\(version)", "canary", "--traffic", "5", "-m", "round \(round)"]
                case 2: arguments = ["resolve", names[2], "--json"]
                default: arguments = round < 6 ? ["gc", "--json"] : ["doctor", "--fix", "--json"]
                }
                do {
                    let result = try CLI.run(arguments + ["--registry", path])
                    if result.status != 0 { failures.withLock { $0.append("\(arguments): exit \(result.status): \(result.stderr)") } }
                } catch {
                    failures.withLock { $0.append("\(arguments): \(error)") }
                }
            }
        }
        let failed = failures.withLock { $0 }
        #expect(failed.isEmpty, "\(failed.joined(separator: "\n"))")
        let reopened = try Registry.open(at: test.path)
        #expect(try reopened.verify().ok)
        // 24 promotes landed, in order, on top of what was there.
        #expect(try reopened.log(limit: 30).filter { $0.action == .promote && $0.message.hasPrefix("round") }.count == 24)
        let fsck = try GitServers.git(["--git-dir", test.path, "fsck", "--strict", "--no-dangling"])
        #expect(fsck.status == 0, "\(fsck.output)")

        // Nobody else is writing now: prune everything nothing reaches, and check again.
        let quiet = try CLI.run(["gc", "--prune-after", "now", "--json", "--registry", test.path])
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(packs(test.path).count == 1)
        #expect(try Registry.open(at: test.path).verify().ok)
        #expect(try GitServers.git(["--git-dir", test.path, "fsck", "--strict"]).status == 0)
    }

    @Test("doctor --fix runs gc once there are more than 50 packs; doctor alone only advises")
    func doctorJoinsPacksPastTheThreshold() throws {
        let test = try release()
        defer { test.remove() }
        for round in 0..<52 {
            let version = SemanticVersion(1, 0, round % 2 == 0 ? 1 : 0)
            try test.registry.promote(.version("support-agent", version), to: "canary", traffic: 5, message: "r\(round)", actor: "t")
        }
        let before = packs(test.path).count
        #expect(before > Registry.packThreshold)
        let advice = try CLI.run(["doctor", "--registry", test.path])
        #expect(advice.status == 0, "\(advice.stderr)")
        #expect(advice.stdout.contains("packs: \(before) (more than 50: run 'promptreg gc' or 'doctor --fix')"), "\(advice.stdout)")
        #expect(packs(test.path).count == before)

        let fixed = try CLI.run(["doctor", "--fix", "--json", "--registry", test.path])
        #expect(fixed.status == 0, "\(fixed.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(fixed.stdout.utf8)) as? [String: Any])
        let garbage = try #require(report["garbage_collected"] as? [String: Any])
        #expect(garbage["packs_before"] as? Int == before)
        #expect(garbage["packs_after"] as? Int == 1)
        #expect(packs(test.path).count == 1)
        #expect(try Registry.open(at: test.path).resolve(.channel("support-agent", channel: "canary")).version.description == "1.0.0")
    }

    @Test("gc refuses an age it cannot read, and changes nothing")
    func badPruneAge() throws {
        let test = try release()
        defer { test.remove() }
        let before = test.fingerprint
        let packsBefore = Set(packs(test.path))
        for age in ["3x", "-1d", "", "14 d", "1.5h", "99999999999d"] {
            let result = try CLI.run(["gc", "--prune-after", age, "--registry", test.path])
            #expect(result.status == 64, "\(age): exit \(result.status)")
            #expect(result.stderr.contains("--prune-after"), "\(result.stderr)")
            // An empty value, or one that reads as an option, is refused by the argument parser itself.
            #expect(age.isEmpty || age.hasPrefix("-") || result.stderr.contains("e.g. 14d"), "\(result.stderr)")
        }
        #expect(test.fingerprint == before)
        #expect(Set(packs(test.path)) == packsBefore)
    }
}
