import Foundation
import GitStore
import PromptRegistry
import TestSupport
import Testing

/// Tampering with a registry behind promptreg's back: `verify` reports it and a fresh `resolve`
/// refuses with the integrity code.
@Suite("Tampering")
struct TamperingTests {
    /// A registry with the examples published and on prod.
    private func registry() throws -> TestRegistry {
        let test = try TestRegistry()
        for name in Fixtures.exampleNames {
            try test.registry.promote(.version(name, SemanticVersion(1, 0, 0)), to: "prod", message: "live", actor: "ops")
        }
        return test
    }

    private func expectIntegrityFailure(
        _ test: TestRegistry, _ request: ResolveRequest, mentioning text: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            _ = try Registry.open(at: test.path).resolve(request)
            Issue.record("resolve accepted a tampered registry", sourceLocation: sourceLocation)
        } catch let error as PromptRegError {
            #expect(error.code == .integrity, "\(error)", sourceLocation: sourceLocation)
            #expect(error.message.contains(text), "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Writes a state commit on top of the current one, as a tamperer with git access would:
    /// `edit` changes the files (path -> bytes) and the event; `parent` false drops the parent.
    private func forgeStateCommit(
        _ test: TestRegistry, parent: Bool = true, edit: (inout [String: Data], inout StateEvent) throws -> Void
    ) throws {
        let repository = try GitRepository.open(at: test.path)
        let head = try #require(try repository.referenceTarget("refs/promptreg/state"))
        let tree = try repository.readCommit(head).tree
        var event = try JSONDecoder().decode(StateEvent.self, from: try #require(try repository.readFile("event.json", inTree: tree)))
        event.seq += 1
        var files: [String: Data] = [:]
        try edit(&files, &event)
        files["event.json"] = try JSONEncoder().encode(event)
        let changes = try files.map { TreeChange(path: $0.key, blob: try repository.writeBlob($0.value)) }
        let forged = try repository.createCommit(
            tree: try repository.updateTree(tree, changes: changes), parents: parent ? [head] : [],
            author: GitSignature(name: "mallory", email: "m@example.com", time: Date()), message: "forged")
        try repository.updateReference("refs/promptreg/state", to: forged, expecting: .pointsAt(head), logMessage: "forged")
    }

    @Test("a layer object whose bytes changed")
    func layerChanged() throws {
        let test = try registry()
        defer { test.remove() }
        let stored = try test.registry.show(.latest("reply-verifier"))
        let id = GitObjectPath.blobID(Data(stored.layerDocuments[.tools]!))
        let repository = try GitRepository.open(at: test.path)
        let other = try repository.writeBlob(Data(#"{"tools":[]}"#.utf8))
        // Replace the object with a valid loose object of other content under the same name.
        let path = try GitObjectPath.looseFile(id, in: test.path)
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: "\(test.path)/objects/\(other.hex.prefix(2))/\(other.hex.dropFirst(2))", toPath: path)
        // A fresh open: the fixture's handle still maps the pack the object was unpacked from.
        let report = try Registry.open(at: test.path).verify()
        #expect(report.problems.contains { $0.subject == "reply-verifier@1.0.0" && $0.layer == "tools" })
        expectIntegrityFailure(test, .channel("reply-verifier"), mentioning: "reply-verifier@1.0.0")
    }

    @Test("a version ref moved to other content")
    func versionRefMoved() throws {
        let test = try registry()
        defer { test.remove() }
        let repository = try GitRepository.open(at: test.path)
        let agent = try #require(try repository.referenceTarget("refs/promptreg/versions/support-agent/1.0.0"))
        let triage = try #require(try repository.referenceTarget("refs/promptreg/versions/support-triage/1.0.0"))
        try repository.updateReference(
            "refs/promptreg/versions/support-agent/1.0.0", to: triage, expecting: .pointsAt(agent), logMessage: "tamper")
        #expect(try test.registry.verify().problems.contains { $0.subject == "support-agent@1.0.0" && $0.message.contains("moved") })
        expectIntegrityFailure(test, .pinned(.version("support-agent", SemanticVersion(1, 0, 0))), mentioning: "version ref was moved")
        expectIntegrityFailure(test, .channel("support-agent"), mentioning: "version ref was moved")
    }

    @Test("a state history whose sequence numbers jump")
    func sequenceBroken() throws {
        let test = try registry()
        defer { test.remove() }
        try forgeStateCommit(test) { _, event in event.seq += 5 }
        #expect(try test.registry.verify().problems.contains { $0.subject == "state" })
        expectIntegrityFailure(test, .channel("support-agent"), mentioning: "rewritten or truncated")
    }

    @Test("a state history cut off below the head")
    func historyTruncated() throws {
        let test = try registry()
        defer { test.remove() }
        try forgeStateCommit(test, parent: false) { _, _ in }
        #expect(try test.registry.verify().problems.contains { $0.message.contains("truncated") })
        expectIntegrityFailure(test, .channel("support-agent"), mentioning: "rewritten or truncated")
    }

    @Test("a state ref rewound to an older state is reported by verify from the reflog")
    func historyRewound() throws {
        let test = try registry()
        defer { test.remove() }
        let repository = try GitRepository.open(at: test.path)
        let head = try #require(try repository.referenceTarget("refs/promptreg/state"))
        let older = try repository.readCommit(try repository.readCommit(head).parents[0]).parents[0]
        try repository.updateReference("refs/promptreg/state", to: older, expecting: .pointsAt(head), logMessage: "rewind")
        let report = try test.registry.verify()
        #expect(report.problems.contains { $0.message.contains("went backwards") }, "\(report.problems)")
        // The accepted-state mark refuses the older state for every read and write too.
        expectIntegrityFailure(test, .channel("support-agent"), mentioning: "went backwards")
        #expect(throws: PromptRegError.self) {
            try test.registry.promote(.version("support-agent", SemanticVersion(1, 0, 0)), to: "canary", message: "m", actor: "a")
        }
    }

    @Test("a state ref rewound with no reflog entry (ref file edited) is refused by the accepted-state mark")
    func rewoundWithoutReflog() throws {
        let test = try registry()
        defer { test.remove() }
        let repository = try GitRepository.open(at: test.path)
        let head = try #require(try repository.referenceTarget("refs/promptreg/state"))
        let older = try repository.readCommit(head).parents[0]
        try FileManager.default.removeItem(atPath: "\(test.path)/logs/refs/promptreg/state")
        try (older.hex + "\n").write(toFile: "\(test.path)/refs/promptreg/state", atomically: true, encoding: .utf8)
        expectIntegrityFailure(test, .channel("support-agent"), mentioning: "went backwards")
        let report = try test.registry.verify()
        #expect(report.problems.contains { $0.message.contains("went backwards") }, "\(report.problems)")
        #expect(!report.warnings.contains { $0.message.contains("publishing the same content again") }, "\(report.warnings)")
    }

    @Test("a forged state commit whose event lists no change but whose tree moves a pointer fails verify")
    func eventHidesPointerMove() throws {
        let test = try registry()
        defer { test.remove() }
        let repository = try GitRepository.open(at: test.path)
        let tree = try repository.readCommit(try #require(try repository.referenceTarget("refs/promptreg/state"))).tree
        let pointerPath = try #require(try findFile(named: "support-agent", under: "channels/prod/pointers", in: tree, repository))
        var pointer = try JSONDecoder().decode(ChannelPointer.self, from: try #require(try repository.readFile(pointerPath, inTree: tree)))
        pointer.traffic = nil
        pointer.actor = "mallory"
        try forgeStateCommit(test) { files, event in
            files[pointerPath] = try JSONEncoder().encode(pointer)
            event.changes = []
            event.message = "nothing to see"
        }
        let report = try test.registry.verify()
        #expect(report.problems.contains { $0.message.contains("does not follow from its parent state") && $0.message.contains(pointerPath) }, "\(report.problems)")
    }

    @Test("verify accepts a fast-forward of several state commits made by stock git fetch")
    func stockFetchFastForward() throws {
        let test = try registry()
        defer { test.remove() }
        let mirror = test.directory.join("mirror.git")
        #expect(try StockGit.run(test.path, ["clone", "--quiet", "--mirror", test.path, mirror]).status == 0)
        for traffic in [5.0, 10, 20] {
            try test.registry.promote(.version("support-agent", SemanticVersion(1, 0, 0)), to: "canary", traffic: traffic, message: "ramp", actor: "ops")
        }
        try StockGit.run(mirror, ["config", "core.logAllRefUpdates", "always"])
        #expect(try Registry.open(at: mirror).verify().ok)
        let fetched = try StockGit.run(mirror, ["fetch", "--quiet", test.path, "+refs/promptreg/*:refs/promptreg/*"])
        #expect(fetched.status == 0, "\(fetched.output)")
        let report = try Registry.open(at: mirror).verify()
        #expect(report.ok, "\(report.problems)")
    }

    @Test("a channel pointing at a version with another digest than it was promoted with")
    func pointerDigestChanged() throws {
        let test = try registry()
        defer { test.remove() }
        let triage = try test.registry.show(.latest("support-triage")).digest
        let repository = try GitRepository.open(at: test.path)
        let tree = try repository.readCommit(try #require(try repository.referenceTarget("refs/promptreg/state"))).tree
        let pointerPath = try #require(try findFile(named: "support-agent", under: "channels/prod/pointers", in: tree, repository))
        var pointer = try JSONDecoder().decode(ChannelPointer.self, from: try #require(try repository.readFile(pointerPath, inTree: tree)))
        pointer.digest = triage
        try forgeStateCommit(test) { files, _ in files[pointerPath] = try JSONEncoder().encode(pointer) }
        #expect(try test.registry.verify().problems.contains { $0.subject == "support-agent@1.0.0" && $0.message.contains("channel prod") })
        expectIntegrityFailure(test, .channel("support-agent"), mentioning: "was published as")
    }

    private func findFile(named name: String, under directory: String, in tree: ObjectID, _ repository: GitRepository) throws -> String? {
        for entry in try repository.listTree(directory, inTree: tree) {
            let path = "\(directory)/\(entry)"
            if entry == name, try repository.readFile(path, inTree: tree) != nil { return path }
            if let found = try findFile(named: name, under: path, in: tree, repository) { return found }
        }
        return nil
    }
}
