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
}
