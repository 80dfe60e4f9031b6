import Foundation
import GitStore
import PromptRegistry
import TestSupport
import Testing

/// Version records and digest index entries sharded within a bundle, and registries written
/// before 0.3 (flat records) still read, verified and published to.
@Suite("Sharded version records, and the flat layout before 0.3")
struct ShardedLayoutTests {
    /// Every file path under the tree `tree`, recursively.
    private func files(_ repository: GitRepository, _ tree: ObjectID, under prefix: String = "") throws -> [String] {
        try repository.listTree(prefix, inTree: tree).flatMap { name -> [String] in
            let path = prefix.isEmpty ? name : "\(prefix)/\(name)"
            if try repository.fileID(path, inTree: tree) != nil { return [path] }
            return try files(repository, tree, under: path)
        }
    }

    @Test("300 versions of one bundle: no tree under it holds more than a shard's share")
    func treesStaySmall() throws {
        let test = try TestRegistry(publishExamples: false)
        defer { test.remove() }
        _ = try test.registry.publish(directory: Fixtures.example("reply-verifier"), message: "first", actor: "t")
        for index in 1..<300 { try test.publishPatch("reply-verifier", adding: "Line \(index).") }
        let repository = try GitRepository.open(at: test.path)
        let tree = try repository.readCommit(try #require(try repository.referenceTarget("refs/promptreg/state"))).tree
        let all = try files(repository, tree)
        let records = all.filter { $0.hasPrefix("versions/") }
        let digests = all.filter { $0.hasPrefix("digests/") }
        #expect(records.count == 300 && digests.count == 300)
        // Each file sits one shard below its bundle, and no directory holds more than ~a quarter.
        let largest = Dictionary(grouping: records + digests) { ($0 as NSString).deletingLastPathComponent }.values.map(\.count).max()
        #expect((largest ?? 0) <= 12, "largest shard: \(largest ?? 0)")
        #expect(try test.registry.show(.latest("reply-verifier")).version == SemanticVersion(1, 0, 299))
        #expect(try test.registry.versions(of: "reply-verifier").items.count == 300)
        #expect(try test.registry.verify().ok)
    }

    /// Rewrites the registry's whole state history into the flat layout promptreg wrote before 0.3
    /// (records and index entries straight in the bundle's directory, no `highest`), and removes
    /// the accepted-state mark and the state ref's reflog, which name the commits replaced, and
    /// gives every event the format before 0.4: the result is what the old promptreg would have written.
    private func flatten(_ path: String) throws {
        let repository = try GitRepository.open(at: path)
        var chain: [ObjectID] = []
        var next = try repository.referenceTarget("refs/promptreg/state")
        while let id = next {
            chain.append(id)
            next = try repository.readCommit(id).parents.first
        }
        var rewritten: ObjectID?
        for id in chain.reversed() {
            let commit = try repository.readCommit(id)
            var changes: [TreeChange] = []
            for file in try files(repository, commit.tree) {
                let parts = file.split(separator: "/").map(String.init)
                let blob = try repository.fileID(file, inTree: commit.tree)
                if (parts[0] == "versions" || parts[0] == "digests") && parts.count == 6 {
                    changes.append(TreeChange(path: file, blob: nil))
                    changes.append(TreeChange(path: (parts[0..<4] + [parts[5]]).joined(separator: "/"), blob: blob))
                } else if parts[0] == "highest" {
                    changes.append(TreeChange(path: file, blob: nil))
                } else if file == "event.json", let data = try repository.readFile(file, inTree: commit.tree),
                    var event = try JSONSerialization.jsonObject(with: data) as? [String: Any]
                {
                    // The old promptreg's events: format v1, without the documents and version commits.
                    event["format"] = "promptreg.event/v1"
                    for key in ["channel", "document", "undo_seq", "proposal"] { event.removeValue(forKey: key) }
                    event["changes"] = (event["changes"] as? [[String: Any]])?.map { $0.filter { $0.key != "commit" } }
                    let bytes = try JSONSerialization.data(withJSONObject: event, options: [.sortedKeys, .withoutEscapingSlashes])
                    changes.append(TreeChange(path: file, blob: try repository.writeBlob(bytes)))
                }
            }
            let tree = try repository.updateTree(commit.tree, changes: changes)
            rewritten = try repository.createCommit(
                tree: tree, parents: rewritten.map { [$0] } ?? [], author: commit.author, message: commit.message)
        }
        try repository.updateReference(
            "refs/promptreg/state", to: try #require(rewritten), expecting: .pointsAt(chain[0]), logMessage: "flatten")
        try FileManager.default.removeItem(atPath: "\(path)/promptreg-accepted-state.json")
        try FileManager.default.removeItem(atPath: "\(path)/logs/refs/promptreg/state")
    }

    @Test("a registry with flat records (before 0.3) reads, verifies, refuses identical content, and publishes sharded")
    func flatRegistriesStillWork() throws {
        let test = try TestRegistry()
        defer { test.remove() }
        try test.publishPatch("support-agent", adding: "Two.")
        try test.registry.promote(.version("support-agent", SemanticVersion(1, 0, 0)), to: "prod", message: "ship", actor: "t")
        try flatten(test.path)
        let repository = try GitRepository.open(at: test.path)
        let flatTree = try repository.readCommit(try #require(try repository.referenceTarget("refs/promptreg/state"))).tree
        #expect(
            try files(repository, flatTree).allSatisfy {
                !$0.hasPrefix("highest/") && (!($0.hasPrefix("versions/") || $0.hasPrefix("digests/")) || $0.split(separator: "/").count == 5)
            })

        let registry = try Registry.open(at: test.path)
        let report = try registry.verify()
        #expect(report.ok, "\(report.problems)")
        #expect(try registry.show(.latest("support-agent")).version == SemanticVersion(1, 0, 1))
        #expect(try registry.resolve(.channel("support-agent")).version == SemanticVersion(1, 0, 0))
        #expect(try registry.versions(of: "support-agent").items.map(\.version.description) == ["1.0.0", "1.0.1"])
        // The flat digest index still finds published content.
        #expect(throws: PromptRegError.self) {
            try registry.publish(directory: Fixtures.example("support-agent"), message: "again", actor: "t")
        }
        let copy = try Fixtures.copy("support-agent", into: test.directory, as: "support-agent-three")
        try Fixtures.edit("\(copy)/prompts/system.mustache", replacing: "Be brief", with: "Be very brief")
        let published = try registry.publish(directory: copy, message: "three", actor: "t")
        #expect(published.version == SemanticVersion(1, 0, 2))
        let tree = try repository.readCommit(try #require(try repository.referenceTarget("refs/promptreg/state"))).tree
        let all = try files(repository, tree)
        #expect(all.contains { $0.hasPrefix("highest/") })
        #expect(all.filter { $0.hasPrefix("versions/") && $0.hasSuffix("/1.0.2") }.allSatisfy { $0.split(separator: "/").count == 6 })
        #expect(try registry.verify().ok)
        #expect(try registry.show(.latest("support-agent")).version == SemanticVersion(1, 0, 2))
    }

    @Test("a highest file that names a lower version than the records is reported by verify")
    func highestOutOfStepIsReported() throws {
        let test = try TestRegistry()
        defer { test.remove() }
        try test.publishPatch("support-agent", adding: "Two.")
        let repository = try GitRepository.open(at: test.path)
        let head = try #require(try repository.referenceTarget("refs/promptreg/state"))
        let commit = try repository.readCommit(head)
        let highest = try #require(try files(repository, commit.tree).first { $0.hasPrefix("highest/") && $0.hasSuffix("/support-agent") })
        let tree = try repository.updateTree(
            commit.tree, changes: [TreeChange(path: highest, blob: try repository.writeBlob(Data("\"1.0.0\"".utf8)))])
        // Amend the head in place (the event is unchanged), as a hand edit would.
        let forged = try repository.createCommit(tree: tree, parents: commit.parents, author: commit.author, message: commit.message)
        try repository.updateReference("refs/promptreg/state", to: forged, expecting: .pointsAt(head), logMessage: "edit")
        try FileManager.default.removeItem(atPath: "\(test.path)/promptreg-accepted-state.json")
        let report = try Registry.open(at: test.path).verify()
        #expect(report.problems.contains { $0.subject == "support-agent" && $0.message.contains("highest version is 1.0.0") }, "\(report.problems)")
    }
}
