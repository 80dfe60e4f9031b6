import Foundation
import Testing

@testable import GitStore

/// Listing objects, reachability, and errors carried through libgit2 callbacks.
@Suite struct MaintenanceTests {
    @Test func allObjectsIncludesWhatNoReferenceReaches() throws {
        let temporary = try TemporaryRepository()
        let repository = temporary.repository
        let root = try temporary.commit(["a/b.txt": "b", "c.txt": "c"])
        let child = try temporary.commit(["a/b.txt": "b2"], parents: [root])
        try repository.updateReference("refs/test/head", to: child, expecting: .absent, logMessage: "create")
        let orphanBlob = try repository.writeBlob(Data("nobody points here".utf8))
        let orphanCommit = try temporary.commit(["z": "z"])

        let all = try repository.allObjects()
        let reachable = try repository.reachableObjects()
        let rootCommit = try repository.readCommit(root)
        let childCommit = try repository.readCommit(child)
        // Writing existing content again returns the id it already has.
        let blobs = try ["b", "b2", "c"].map { try repository.writeBlob(Data($0.utf8)) }
        let expected = Set([root, child, rootCommit.tree, childCommit.tree] + blobs)
        #expect(expected.isSubset(of: reachable))
        // Two commits, their two root trees, their two `a` trees and three blobs.
        #expect(reachable.count == 9)
        #expect(reachable.isSubset(of: all))
        #expect(all.contains(orphanBlob) && all.contains(orphanCommit))
        #expect(!reachable.contains(orphanBlob) && !reachable.contains(orphanCommit))
    }

    @Test func aReferenceToAMissingCommitFailsTheWalk() throws {
        let temporary = try TemporaryRepository()
        let missing = String(repeating: "ef", count: 20)
        try FileManager.default.createDirectory(atPath: "\(temporary.path)/refs/test", withIntermediateDirectories: true)
        try "\(missing)\n".write(toFile: "\(temporary.path)/refs/test/broken", atomically: true, encoding: .utf8)
        // A walk that cannot read a starting point must fail, not return a partial set.
        #expect(gitError { _ = try temporary.repository.reachableObjects() } != nil)
    }

    /// An error of the test's own type, to check it comes back out unchanged.
    struct Stop: Error, Equatable { let after: Int }

    @Test func anErrorThrownInACallbackStopsTheIterationAndComesBackUnchanged() throws {
        let temporary = try TemporaryRepository()
        for index in 0..<10 { _ = try temporary.repository.writeBlob(Data("blob \(index)".utf8)) }
        var seen = 0
        #expect(throws: Stop(after: 3)) {
            try temporary.repository.forEachObject { _ in
                seen += 1
                if seen == 3 { throw Stop(after: 3) }
            }
        }
        #expect(seen == 3)

        // The next call on the same repository starts clean.
        var counted = 0
        try temporary.repository.forEachObject { _ in counted += 1 }
        #expect(counted == 10)
    }

    @Test func aBridgeRethrowsTheCallbacksErrorEvenWhenTheCallReportsSuccess() throws {
        // libgit2 must be initialised before its error functions run: opening a repository does it.
        _ = try TemporaryRepository()
        let bridge = CallbackBridge { (value: Int) throws -> Void in if value == 2 { throw Stop(after: value) } }
        var results: [Int32] = []
        #expect(throws: Stop(after: 2)) {
            try bridge.perform("test call") { payload in
                for value in 1...3 {
                    results.append(CallbackBridge<(Int) throws -> Void>.callback(payload) { try $0(value) })
                }
                return 0
            }
        }
        // The failing callback and every one after it return GIT_EUSER without running.
        #expect(results == [0, -7, -7])
        // A failing C call without a Swift error becomes a GitError for the operation.
        let error = gitError { try CallbackBridge(()).perform("test call") { _ in -1 } }
        #expect(error?.operation == "test call")
        #expect(error?.code == .other(-1))
    }
}
