import Foundation
import Testing

@testable import GitStore

/// One pack per write, and `repack`.
@Suite("Packs: one per write, and repack")
struct PackTests {
    @Test func aWriteStoresItsObjectsAsOnePackAndNoLooseObject() throws {
        let temporary = try TemporaryRepository()
        let commit = try temporary.repository.writingOnePack {
            try temporary.commit(["a.txt": "one", "dir/b.txt": "two", "dir/deeper/c.txt": "three"])
        }
        #expect(try temporary.repository.packCount() == 1)
        #expect(try temporary.repository.looseObjects().isEmpty)
        // 3 blobs, 3 trees, 1 commit: exactly what the write made.
        #expect(try temporary.repository.allObjects().count == 7)
        let tree = try temporary.repository.readCommit(commit).tree
        #expect(try temporary.repository.readFile("dir/deeper/c.txt", inTree: tree) == Data("three".utf8))
        #expect(try Git.run(["fsck", "--strict", "--no-dangling"], in: temporary.path).status == 0)
    }

    @Test func largeAndEmptyObjectsSurviveThePackStreamAndStockGitReadsThem() throws {
        let temporary = try TemporaryRepository()
        // Over two stored deflate blocks (65,535 bytes each), an empty blob, and one byte.
        let large = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        let ids = try temporary.repository.writingOnePack {
            try [large, Data(), Data([0x2a])].map { try temporary.repository.writeBlob($0) }
        }
        #expect(try temporary.repository.packCount() == 1)
        #expect(try GitRepository.open(at: temporary.path).readBlob(ids[0]) == large)
        #expect(try GitRepository.open(at: temporary.path).readBlob(ids[1]) == Data())
        let index = try #require(try temporary.repository.packFiles().first).dropLast(5) + ".idx"
        #expect(try Git.run(["verify-pack", "\(temporary.path)/objects/pack/\(index)"], in: temporary.path).status == 0)
        let shown = try Git.run(["cat-file", "-p", ids[2].hex], in: temporary.path)
        #expect(shown.status == 0 && shown.output == "*")
    }

    @Test func pastThePackLimitAWriteJoinsTheSmallPacksAndKeepsEveryObject() throws {
        let temporary = try TemporaryRepository()
        var written: [ObjectID] = []
        for index in 0...GitRepository.packLimit {
            written.append(try temporary.repository.writeBlob(Data("object \(index)".utf8)))
        }
        let packs = try temporary.repository.packCount()
        #expect(packs < GitRepository.packLimit / 2, "\(packs) packs")
        let reopened = try GitRepository.open(at: temporary.path)
        for id in written { #expect(try reopened.containsObject(id)) }
        #expect(try Git.run(["fsck", "--strict"], in: temporary.path).status == 0)
    }

    @Test func aLongLivedHandleLetsGoOfPacksThatWereJoinedOrCollected() throws {
        let temporary = try TemporaryRepository()
        let other = try GitRepository.open(at: temporary.path)
        var written: [ObjectID] = []
        // Joins happen in this handle's writes; reads keep the packs they touched open.
        for index in 0...(2 * GitRepository.packLimit + 10) {
            let id = try temporary.repository.writeBlob(Data("object \(index)".utf8))
            #expect(try temporary.repository.readBlob(id) == Data("object \(index)".utf8))
            written.append(id)
        }
        // Another handle read everything before a gc elsewhere removes every pack it knew.
        for id in written { _ = try other.readBlob(id) }
        _ = try GitRepository.open(at: temporary.path).repack(keepingUnreachableSince: Date().addingTimeInterval(-60))
        for handle in [other, temporary.repository] {
            try handle.forgetRemovedPacks()
            for id in written.suffix(5) { _ = try handle.readBlob(id) }
        }
        func deletedPacksHeld() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap { fd in
                let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")
                return target.flatMap { $0.hasPrefix(temporary.path) && $0.hasSuffix("(deleted)") ? $0 : nil }
            }
        }
        let held = try deletedPacksHeld()
        #expect(held.isEmpty, "\(held)")
    }

    @Test func aSecondWritePacksOnlyWhatItMade() throws {
        let temporary = try TemporaryRepository()
        let first = try temporary.repository.writingOnePack { try temporary.commit(["a.txt": "one", "dir/b.txt": "two"]) }
        let before = try temporary.repository.allObjects()
        let tree = try temporary.repository.readCommit(first).tree
        let second = try temporary.repository.writingOnePack {
            let changed = try temporary.repository.updateTree(
                tree, changes: [TreeChange(path: "dir/c.txt", blob: try temporary.repository.writeBlob(Data("three".utf8)))])
            return try temporary.repository.createCommit(
                tree: changed, parents: [first], author: TemporaryRepository.author, message: "second\n")
        }
        #expect(try temporary.repository.packCount() == 2)
        // The new blob, the new dir tree, the new root tree and the commit: nothing old again.
        #expect(try temporary.repository.allObjects().subtracting(before).count == 4)
        let newest = try temporary.repository.packFiles().map { "\(temporary.path)/objects/pack/\($0.dropLast(5)).idx" }
        let counts = try newest.map { try Git.run(["verify-pack", "-v", $0], in: temporary.path).output }
        #expect(counts.contains { $0.contains("non delta: 4 objects") }, "\(counts)")
        _ = second
    }

    @Test func aWriteThatThrowsStoresNothing() throws {
        let temporary = try TemporaryRepository()
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try temporary.repository.writingOnePack {
                _ = try temporary.commit(["a.txt": "never stored"])
                throw Stop()
            }
        }
        #expect(try temporary.repository.packCount() == 0)
        #expect(try temporary.repository.allObjects().isEmpty)
    }

    @Test func repackKeepsWhatIsReachableAndIsIdempotent() throws {
        let temporary = try TemporaryRepository()
        var parent: ObjectID?
        for index in 0..<5 {
            let commit = try temporary.repository.writingOnePack {
                try temporary.commit(["f.txt": "version \(index)"], parents: parent.map { [$0] } ?? [])
            }
            try temporary.repository.updateReference(
                "refs/heads/main", to: commit, expecting: parent.map { .pointsAt($0) } ?? .absent, logMessage: "w")
            parent = commit
        }
        let orphan = try temporary.repository.writeBlob(Data("nothing reaches me".utf8))
        let reachable = try temporary.repository.reachableObjects()
        #expect(try temporary.repository.packCount() == 6)

        // A cut-off in the future: the orphan's pack is "old", so the orphan goes.
        let first = try temporary.repository.repack(keepingUnreachableSince: Date().addingTimeInterval(60))
        #expect(first.packsBefore == 6 && first.packsAfter == 1)
        #expect(first.unreachableRemoved == 1 && first.unreachableKept == 0)
        #expect(try temporary.repository.allObjects() == reachable)
        #expect(try !temporary.repository.containsObject(orphan))

        // Again on the one pack: the new pack has the same name as the old; it must survive.
        for _ in 0..<2 {
            let again = try temporary.repository.repack(keepingUnreachableSince: Date().addingTimeInterval(60))
            #expect(again.packsBefore == 1 && again.packsAfter == 1 && again.objectsKept == reachable.count)
            #expect(try GitRepository.open(at: temporary.path).allObjects() == reachable)
        }
        #expect(try Git.run(["fsck", "--strict", "--no-dangling"], in: temporary.path).status == 0)
    }

    @Test func repackKeepsUnreachedObjectsYoungerThanTheCutOffAndPacksLooseOnes() throws {
        let temporary = try TemporaryRepository()
        let commit = try temporary.commit(["f.txt": "kept"])
        try temporary.repository.updateReference("refs/heads/main", to: commit, expecting: .absent, logMessage: "w")
        let young = try temporary.repository.writeBlob(Data("young orphan".utf8))
        // A loose object as stock git writes one.
        let loose = try Git.run(["hash-object", "-w", "--stdin"], in: temporary.path, input: "loose orphan").output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try temporary.repository.looseObjects().count == 1)
        let outcome = try temporary.repository.repack(keepingUnreachableSince: Date().addingTimeInterval(-3600))
        #expect(outcome.looseBefore == 1 && outcome.unreachableKept == 2 && outcome.unreachableRemoved == 0)
        #expect(try temporary.repository.looseObjects().isEmpty)
        #expect(try temporary.repository.packCount() == 1)
        #expect(try temporary.repository.containsObject(young))
        #expect(try temporary.repository.containsObject(try #require(ObjectID(hex: loose))))
    }

    @Test func repackKeepsWhatTheReflogNames() throws {
        let temporary = try TemporaryRepository()
        let first = try temporary.commit(["f.txt": "first"])
        let second = try temporary.commit(["f.txt": "second"])
        try temporary.repository.updateReference("refs/heads/main", to: first, expecting: .absent, logMessage: "one")
        // A forced move: `first` is now reached only by the reflog.
        try temporary.repository.updateReference("refs/heads/main", to: second, expecting: .pointsAt(first), logMessage: "two")
        _ = try temporary.repository.repack(keepingUnreachableSince: Date().addingTimeInterval(60))
        #expect(try temporary.repository.readCommit(first).message == "commit\n")
    }
}

/// Stock git, run on a test repository.
private enum Git {
    /// Runs `git` with `arguments` in `directory`, feeding it `input`; its status and standard output.
    static func run(_ arguments: [String], in directory: String, input: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory] + arguments
        let output = Pipe()
        let feed = Pipe()
        process.standardOutput = output
        process.standardInput = feed
        try process.run()
        feed.fileHandleForWriting.write(Data((input ?? "").utf8))
        try feed.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
