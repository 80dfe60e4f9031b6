import Foundation
import PromptRegistry
import TestSupport
import Testing

/// Races between real processes on one registry.
@Suite("Concurrent writers and readers", .serialized)
struct ConcurrencyTests {
    /// A registry with the examples at 1.0.0 on prod and 1.0.1 and 1.0.2 published.
    private func release() throws -> TestRegistry {
        let test = try TestRegistry()
        for name in Fixtures.exampleNames {
            try test.registry.promote(.version(name, SemanticVersion(1, 0, 0)), to: "prod", message: "one", actor: "setup")
            try test.publishPatch(name, adding: "Two.")
            try test.publishPatch(name, adding: "Three.")
        }
        return test
    }

    @Test("processes promoting different bundles at once all land, retried")
    func differentBundles() throws {
        let test = try release()
        defer { test.remove() }
        let before = try test.registry.log(limit: 1)[0].seq
        for round in 0..<4 {
            let version = round % 2 == 0 ? "1.0.1" : "1.0.2"
            let running = try Fixtures.exampleNames.map { name in
                try CLI.start([
                    "promote", "\(name)@\(version)", "canary", "--traffic", "\(round + 1)", "--registry", test.path, "--actor", name,
                ])
            }
            for result in running.map({ $0.finish() }) { #expect(result.status == 0, "\(result.stderr)") }
            let canary = try test.registry.status().items.filter { $0.channel == "canary" }
            #expect(
                canary.count == 3
                    && canary.allSatisfy { $0.pointer.version.description == version && $0.pointer.traffic == Double(round + 1) })
        }
        let events = try test.registry.log(limit: 100)
        #expect(events[0].seq == before + 12)
        #expect(events.prefix(12).allSatisfy { $0.action == .promote && $0.changes.count == 1 })
    }

    @Test("processes moving the same channel from the same base lose no update, and the log shows both in order")
    func sameChannel() throws {
        let test = try release()
        defer { test.remove() }
        for _ in 0..<4 {
            let running = try ["1.0.1", "1.0.2"].map { version in
                try CLI.start(["promote", "support-agent@\(version)", "prod", "--registry", test.path, "--actor", "writer-\(version)"])
            }
            let results = running.map { $0.finish() }
            let winners = results.filter { $0.status == 0 }
            // Both intents are valid whatever the order, so both land; a refusal would only be "already points".
            for result in results where result.status != 0 { #expect(result.status == 67, "\(result.stderr)") }
            let events = try test.registry.log(channel: "prod", limit: winners.count)
            #expect(events.count == winners.count)
            // The chain is unbroken: each event's "from" is the previous event's "to".
            if events.count == 2 {
                #expect(events[0].changes[0].from?.version == events[1].changes[0].to?.version)
                #expect(events[0].seq == events[1].seq + 1)
            }
            let prod = try test.registry.resolve(.channel("support-agent"))
            #expect(prod.version == events[0].changes[0].to?.version)
            try test.registry.promote(.version("support-agent", SemanticVersion(1, 0, 0)), to: "prod", message: "reset", actor: "setup")
        }
    }

    @Test("a reader resolving while releases and rollbacks run never sees a mix, and every bundle verifies")
    func readerNeverSeesAMix() throws {
        let test = try release()
        defer { test.remove() }
        let names = Fixtures.exampleNames
        for name in names {
            try test.registry.promote(.version(name, SemanticVersion(1, 0, 1)), to: "canary", message: "stage", actor: "setup")
        }
        let expected = try Dictionary(
            grouping: names.flatMap { name in
                try ["1.0.0", "1.0.1"].map { try test.registry.show(.version(name, SemanticVersion(parsing: $0))) }
            }, by: \.version.description
        ).mapValues { bundles in Dictionary(uniqueKeysWithValues: bundles.map { ($0.name, $0.layerDigests) }) }

        // The writer: one process that releases and rolls back, over and over.
        let script = """
            for i in $(seq 1 15); do
              "$0" promote canary prod --registry "$1" -m "release $i" >/dev/null || exit 1
              "$0" rollback prod --registry "$1" -m "rollback $i" >/dev/null || exit 1
            done
            """
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/sh")
        writer.arguments = ["-c", script, CLI.binary, test.path]
        try writer.run()
        var reads = 0
        var seen = Set<String>()
        while writer.isRunning || reads < 20 {
            // A fresh open each time, as an agent starting up.
            let release = try Registry.open(at: test.path).resolve(names.map { .channel($0) })
            let versions = Set(release.map(\.version.description))
            #expect(versions.count == 1, "mixed release: \(release.map { "\($0.name)@\($0.version)" })")
            if let version = versions.first {
                seen.insert(version)
                for bundle in release { #expect(bundle.layerDigests == expected[version]?[bundle.name]) }
            }
            reads += 1
        }
        writer.waitUntilExit()
        #expect(writer.terminationStatus == 0)
        #expect(reads > 20)
        #expect(seen == ["1.0.0", "1.0.1"], "the reader should have seen both releases")
        #expect(try test.registry.verify().ok)
    }
}
