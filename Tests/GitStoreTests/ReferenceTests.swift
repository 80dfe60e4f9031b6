import Foundation
import Testing

@testable import GitStore

/// Compare-and-swap references against a real repository in a temporary directory.
@Suite struct ReferenceTests {
    @Test func createOnlyAndCompareAndSwap() throws {
        let directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("gitstore-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let repository = try GitRepository.initBare(at: directory)
        let blob = try repository.writeBlob(Data("one".utf8))
        let tree = try repository.updateTree(nil, changes: [TreeChange(path: "a/file", blob: blob)])
        let author = GitSignature(name: "t", email: "t@example.com", time: Date(timeIntervalSince1970: 1_700_000_000))
        let first = try repository.createCommit(tree: tree, parents: [], author: author, message: "first\n")
        let second = try repository.createCommit(tree: tree, parents: [first], author: author, message: "second\n")

        try repository.updateReference("refs/test/x", to: first, expecting: .absent, logMessage: "create")
        #expect(throws: GitError.self) {
            try repository.updateReference("refs/test/x", to: second, expecting: .absent, logMessage: "again")
        }
        do {
            try repository.updateReference("refs/test/x", to: second, expecting: .pointsAt(second), logMessage: "stale")
            Issue.record("a compare-and-swap against the wrong value moved the ref")
        } catch let error as GitError {
            #expect(error.code == .modified)
        }
        try repository.updateReference("refs/test/x", to: second, expecting: .pointsAt(first), logMessage: "move")
        #expect(try repository.referenceTarget("refs/test/x") == second)
        #expect(try repository.readFile("a/file", inTree: tree) == Data("one".utf8))
    }

    @Test func losingExpectationsLeaveTheReferenceUnchanged() throws {
        let temporary = try TemporaryRepository()
        let repository = temporary.repository
        let first = try temporary.commit(["f": "1"])
        let second = try temporary.commit(["f": "2"], parents: [first])
        try repository.updateReference("refs/test/v", to: first, expecting: .absent, logMessage: "create")

        let exists = gitError {
            try repository.updateReference("refs/test/v", to: second, expecting: .absent, logMessage: "again")
        }
        #expect(exists?.code == .exists)
        #expect(exists?.operation == "create reference refs/test/v")
        #expect(
            gitError {
                try repository.updateReference("refs/test/v", to: second, expecting: .pointsAt(second), logMessage: "x")
            }?.code == .modified)
        // Compare-and-swap on a reference that does not exist is a lost race too, not a creation.
        #expect(
            gitError {
                try repository.updateReference("refs/test/none", to: second, expecting: .pointsAt(first), logMessage: "x")
            }?.code == .modified)
        #expect(try repository.referenceTarget("refs/test/v") == first)
        #expect(try repository.referenceTarget("refs/test/none") == nil)
    }

    @Test func aHeldLockFileIsReportedAsLocked() throws {
        let temporary = try TemporaryRepository()
        let repository = temporary.repository
        let first = try temporary.commit(["f": "1"])
        let second = try temporary.commit(["f": "2"], parents: [first])
        try repository.updateReference("refs/test/locked", to: first, expecting: .absent, logMessage: "create")
        let lock = "\(temporary.path)/refs/test/locked.lock"
        #expect(FileManager.default.createFile(atPath: lock, contents: Data()))

        let error = gitError {
            try repository.updateReference("refs/test/locked", to: second, expecting: .pointsAt(first), logMessage: "x")
        }
        #expect(error?.code == .locked)
        #expect(try repository.referenceTarget("refs/test/locked") == first)
        // The lock belongs to someone else: it is still there, and once it goes the update works.
        #expect(FileManager.default.fileExists(atPath: lock))
        try FileManager.default.removeItem(atPath: lock)
        try repository.updateReference("refs/test/locked", to: second, expecting: .pointsAt(first), logMessage: "x")
        #expect(try repository.referenceTarget("refs/test/locked") == second)
    }

    @Test func reflogListsMovesOldestFirst() throws {
        let temporary = try TemporaryRepository()
        let repository = temporary.repository
        let first = try temporary.commit(["f": "1"])
        let second = try temporary.commit(["f": "2"], parents: [first])
        let third = try temporary.commit(["f": "3"], parents: [second])
        try repository.updateReference("refs/test/log", to: first, expecting: .absent, logMessage: "create")
        try repository.updateReference("refs/test/log", to: second, expecting: .pointsAt(first), logMessage: "two")
        try repository.updateReference("refs/test/log", to: third, expecting: .pointsAt(second), logMessage: "three")
        // A refused move writes no entry.
        _ = gitError {
            try repository.updateReference("refs/test/log", to: first, expecting: .pointsAt(first), logMessage: "lost")
        }

        let log = try repository.reflog("refs/test/log")
        #expect(log.map(\.message) == ["create", "two", "three"])
        #expect(log.map(\.old) == [nil, first, second])
        #expect(log.map(\.new) == [first, second, third])
        #expect(try repository.reflog("refs/test/never-written") == [])
    }

    @Test func referencesMatchingAGlob() throws {
        let temporary = try TemporaryRepository()
        let repository = temporary.repository
        let first = try temporary.commit(["f": "1"])
        let second = try temporary.commit(["f": "2"])
        for (name, target) in [
            ("refs/promptreg/versions/a/1.0.0", first), ("refs/promptreg/versions/a/1.1.0", second),
            ("refs/promptreg/versions/b/2.0.0", second), ("refs/promptreg/state", first),
        ] {
            try repository.updateReference(name, to: target, expecting: .absent, logMessage: "create")
        }

        let versions = try repository.references(matching: "refs/promptreg/versions/*")
        #expect(versions.map(\.name).sorted() == [
            "refs/promptreg/versions/a/1.0.0", "refs/promptreg/versions/a/1.1.0", "refs/promptreg/versions/b/2.0.0",
        ])
        #expect(Dictionary(uniqueKeysWithValues: versions.map { ($0.name, $0.target) })["refs/promptreg/versions/a/1.1.0"] == second)
        #expect(try repository.references(matching: "refs/promptreg/versions/a/*").count == 2)
        #expect(try repository.references(matching: "refs/nothing/*").isEmpty)
        // Packed references are listed too (stock git packs them on gc).
        try "\(first.hex) refs/packed/one\n".write(toFile: "\(temporary.path)/packed-refs", atomically: true, encoding: .utf8)
        #expect(try repository.references(matching: "refs/packed/*").map(\.target) == [first])
    }
}
