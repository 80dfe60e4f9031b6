import Foundation
import PromptRegistry
import TestSupport
import Testing

@Suite("Channels: promote, rollback, status, log")
struct ChannelTests {
    let names = Fixtures.exampleNames

    /// Three bundles at 1.0.0 on prod, 1.0.1 published; returns the registry.
    private func release() throws -> TestRegistry {
        let registry = try TestRegistry()
        for name in names {
            try registry.registry.promote(.version(name, SemanticVersion(1, 0, 0)), to: "prod", message: "first", actor: "ops")
            #expect(try registry.publishPatch(name, adding: "Release two.") == SemanticVersion(1, 0, 1))
        }
        return registry
    }

    private func prodVersions(_ registry: Registry) throws -> [String: String] {
        Dictionary(uniqueKeysWithValues: try registry.resolve(names.map { .channel($0) }).map { ($0.name, $0.version.description) })
    }

    @Test("a release of three moves to prod in one state commit and rolls back in one")
    func releaseAndRollback() throws {
        let test = try release()
        defer { test.remove() }
        let registry = test.registry
        let before = try registry.resolve(names.map { .channel($0) })
        for name in names {
            try registry.promote(.version(name, SemanticVersion(1, 0, 1)), to: "canary", traffic: 5, message: "canary", actor: "ops")
        }
        let promote = try registry.promote(channel: "canary", to: "prod", message: "release two", actor: "ops")
        #expect(Set(promote.changes.filter { $0.channel == "prod" }.map(\.bundle)) == Set(names))
        #expect(promote.changes.filter { $0.channel == "canary" }.allSatisfy { $0.to?.traffic == 0 })
        #expect(try prodVersions(registry) == Dictionary(uniqueKeysWithValues: names.map { ($0, "1.0.1") }))
        #expect(try registry.log(limit: 1).first?.seq == promote.seq)

        let rollback = try registry.rollback(channel: "prod", message: "bad release", actor: "oncall")
        #expect(rollback.seq == promote.seq + 1)
        #expect(Set(rollback.changes.map(\.bundle)) == Set(names))
        let after = try registry.resolve(names.map { .channel($0) })
        // Every layer of every bundle is back, because the pointer names the whole bundle.
        #expect(after.map(\.digest) == before.map(\.digest))
        #expect(after.map(\.layerDigests) == before.map(\.layerDigests))
        #expect(try registry.status().items.filter { $0.channel == "prod" }.allSatisfy { $0.pointer.actor == "oncall" })
    }

    @Test("a second rollback goes further back and never returns to the version rolled back from")
    func rollbackWalksBack() throws {
        let test = try release()
        defer { test.remove() }
        let registry = test.registry
        let agent = "support-agent"
        try test.publishPatch(agent, adding: "Release three.")
        try registry.promote(.version(agent, SemanticVersion(1, 0, 1)), to: "prod", message: "two", actor: "ops")
        try registry.promote(.version(agent, SemanticVersion(1, 0, 2)), to: "prod", message: "three", actor: "ops")
        try registry.rollback(channel: "prod", message: "undo three", actor: "ops")
        #expect(try registry.resolve(.channel(agent)).version == SemanticVersion(1, 0, 1))
        try registry.rollback(channel: "prod", message: "undo two", actor: "ops")
        #expect(try registry.resolve(.channel(agent)).version == SemanticVersion(1, 0, 0))
        // The next change on record is the very first promote of the last bundle: nothing earlier to go to.
        let before = test.fingerprint
        #expect(throws: PromptRegError.self) { try registry.rollback(channel: "prod", bundles: [agent], message: "again", actor: "ops") }
        #expect(test.fingerprint == before)
        // --to sets an exact version.
        try registry.rollback(channel: "prod", bundles: [agent], to: SemanticVersion(1, 0, 2), message: "pin", actor: "ops")
        #expect(try registry.resolve(.channel(agent)).version == SemanticVersion(1, 0, 2))
    }

    @Test("log lists publishes and moves newest first, filtered by bundle and channel")
    func log() throws {
        let test = try release()
        defer { test.remove() }
        let registry = test.registry
        try registry.createChannel("staging", message: "declare", actor: "ops")
        try registry.promote(channel: "prod", to: "staging", message: "copy", actor: "ops")
        let all = try registry.log(limit: 100)
        #expect(all.map(\.seq) == all.map(\.seq).sorted(by: >))
        #expect(all.last?.action == .initialise && all.last?.seq == 0)
        let agent = try registry.log(bundle: "support-agent", limit: 100)
        #expect(agent.allSatisfy { $0.changes.allSatisfy { $0.bundle == "support-agent" } })
        #expect(agent.map(\.action) == [.promote, .publish, .promote, .publish])
        let staging = try registry.log(channel: "staging", limit: 100)
        #expect(staging.count == 1 && staging[0].changes.count == 3)
        #expect(try registry.log(limit: 2).count == 2)
    }

    /// Each bad input: the right error code and a state left byte-for-byte unchanged.
    @Test("bad input is refused and the state is unchanged")
    func badInput() throws {
        let test = try release()
        defer { test.remove() }
        let registry = test.registry
        let cases: [(PromptRegError.Code, () throws -> Void)] = [
            (.notFound, { try registry.promote(.version("nope", SemanticVersion(1, 0, 0)), to: "prod", message: "m", actor: "a") }),
            (
                .notFound,
                { try registry.promote(.version("support-agent", SemanticVersion(7, 0, 0)), to: "prod", message: "m", actor: "a") }
            ),
            (
                .invalidInput,
                { try registry.promote(.version("support-agent", SemanticVersion(1, 0, 0)), to: "Prod!", message: "m", actor: "a") }
            ),
            (
                .invalidInput,
                {
                    try registry.promote(
                        .version("support-agent", SemanticVersion(1, 0, 1)), to: "canary", traffic: 100.5, message: "m", actor: "a")
                }
            ),
            (
                .invalidInput,
                {
                    try registry.promote(
                        .version("support-agent", SemanticVersion(1, 0, 1)), to: "canary", traffic: -1, message: "m", actor: "a")
                }
            ),
            (
                .invalidInput,
                {
                    try registry.promote(
                        .version("support-agent", SemanticVersion(1, 0, 1)), to: "prod", traffic: 5, message: "m", actor: "a")
                }
            ),
            (
                .conflict,
                { try registry.promote(.version("support-agent", SemanticVersion(1, 0, 0)), to: "prod", message: "m", actor: "a") }
            ),
            (.notFound, { try registry.promote(channel: "canary", to: "prod", message: "m", actor: "a") }),
            (.conflict, { try registry.rollback(channel: "canary", message: "m", actor: "a") }),
            (.notFound, { try registry.rollback(channel: "staging", message: "m", actor: "a") }),
            (.notFound, { _ = try registry.resolve(.channel("support-agent", channel: "staging")) }),
            (.notFound, { _ = try registry.resolve(.channel("ghost")) }),
            (
                .integrity,
                {
                    _ = try registry.resolve(
                        .pinFile(
                            "support-agent",
                            PinFile(
                                channel: "prod",
                                bundles: [
                                    .init(name: "support-agent", version: SemanticVersion(1, 0, 0), digest: Digest(of: [0]))
                                ])))
                }
            ),
            (.notFound, { _ = try registry.resolve(.pinFile("support-triage", PinFile(channel: "prod", bundles: []))) }),
        ]
        for (index, (code, call)) in cases.enumerated() {
            let before = test.fingerprint
            do {
                try call()
                Issue.record("case \(index) was accepted")
            } catch let error as PromptRegError {
                #expect(error.code == code, "case \(index): \(error)")
            }
            #expect(test.fingerprint == before, "case \(index) changed the registry")
        }
    }

    @Test("a lock file pins exactly what prod ran when it was written")
    func lockFile() throws {
        let test = try release()
        defer { test.remove() }
        let registry = test.registry
        let lock = try registry.pins(names)
        try registry.createChannel("previous", message: "declare", actor: "ops")
        try registry.promote(channel: "prod", to: "previous", message: "keep", actor: "ops")
        for name in names {
            try registry.promote(.version(name, SemanticVersion(1, 0, 1)), to: "prod", message: "two", actor: "ops")
            let locked = try registry.resolve(.pinFile(name, lock))
            #expect(locked.version == SemanticVersion(1, 0, 0))
            #expect(locked.digest == lock.bundles.first { $0.name == name }?.digest)
        }
    }

    @Test("resolve refuses a corrupted layer object with the integrity code")
    func corruptedObject() throws {
        let test = try release()
        defer { test.remove() }
        let registry = test.registry
        let bundle = try registry.resolve(.channel("support-agent"))
        // Corrupt the zlib stream of the object that holds the prompt layer (unpacked to a loose file).
        let promptBytes = Data(bundle.bundle.layerDocuments[.prompt]!)
        let objectID = GitObjectPath.blobID(promptBytes)
        let path = try GitObjectPath.looseFile(objectID, in: test.path)
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[data.count / 2] ^= 0xff
        try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        try data.write(to: URL(fileURLWithPath: path))
        let before = test.fingerprint
        do {
            // A fresh open, as an agent starting up: this process's cache of verified bundles is empty.
            _ = try Registry.open(at: test.path).resolve(.channel("support-agent"))
            Issue.record("a corrupted bundle was resolved")
        } catch let error as PromptRegError {
            #expect(error.code == .integrity, "\(error)")
            #expect(error.message.contains("support-agent@1.0.0"))
        }
        #expect(test.fingerprint == before)
        #expect(!(try Registry.open(at: test.path).verify().ok))
    }

    @Test("a repeated resolve in one process sees a channel move made elsewhere at once")
    func repeatedResolveSeesMoves() throws {
        let test = try release()
        defer { test.remove() }
        let agent = test.registry
        #expect(try agent.resolve(.channel("support-agent")).version == SemanticVersion(1, 0, 0))
        #expect(try agent.resolve(.channel("support-agent")).version == SemanticVersion(1, 0, 0))
        let other = try Registry.open(at: test.path)
        try other.promote(.version("support-agent", SemanticVersion(1, 0, 1)), to: "prod", message: "elsewhere", actor: "ops")
        #expect(try agent.resolve(.channel("support-agent")).version == SemanticVersion(1, 0, 1))
        try other.rollback(channel: "prod", message: "back", actor: "ops")
        #expect(try agent.resolve(.channel("support-agent")).version == SemanticVersion(1, 0, 0))
    }

    @Test("a channel keeps its last 100 changes for rollback")
    func undoLimit() throws {
        let test = try release()
        defer { test.remove() }
        let registry = test.registry
        try registry.createChannel("staging", message: "declare", actor: "ops")
        for round in 0..<105 {
            let version = SemanticVersion(1, 0, round % 2 == 0 ? 1 : 0)
            try registry.promote(.version("support-agent", version), to: "staging", message: "round \(round)", actor: "ops")
        }
        for _ in 0..<99 { try registry.rollback(channel: "staging", message: "back", actor: "ops") }
        // The 100th entry on record is the oldest kept; its move has an earlier version to return to.
        try registry.rollback(channel: "staging", message: "back", actor: "ops")
        do {
            try registry.rollback(channel: "staging", message: "beyond", actor: "ops")
            Issue.record("rolled back past the 100 changes kept")
        } catch let error as PromptRegError {
            #expect(error.code == .conflict && error.message.contains("nothing to roll back"), "\(error)")
        }
    }
}
