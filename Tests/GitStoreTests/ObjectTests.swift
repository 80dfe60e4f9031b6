import Foundation
import Testing

@testable import GitStore

/// Blobs, trees and commits written and read back through libgit2.
@Suite struct ObjectTests {
    @Test func blobsRoundTripAndShareIdsByContent() throws {
        let temporary = try TemporaryRepository()
        let repository = temporary.repository
        let text = Data("héllo\u{0}world".utf8)
        let id = try repository.writeBlob(text)
        #expect(try repository.readBlob(id) == text)
        #expect(try repository.writeBlob(text) == id)
        // The ids stock git gives the same content (`git hash-object`).
        #expect(try repository.writeBlob(Data("hello\n".utf8)).hex == "ce013625030ba8dba906f756967f9e9ca394464a")
        let empty = try repository.writeBlob(Data())
        #expect(empty.hex == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391")
        #expect(try repository.readBlob(empty) == Data())
    }

    @Test func missingObjectsAreNotFound() throws {
        let temporary = try TemporaryRepository()
        let repository = temporary.repository
        let missing = try #require(ObjectID(hex: String(repeating: "ab", count: 20)))
        #expect(gitError { _ = try repository.readBlob(missing) }?.code == .notFound)
        #expect(gitError { _ = try repository.readCommit(missing) }?.code == .notFound)
        #expect(gitError { _ = try repository.listTree("", inTree: missing) }?.code == .notFound)
        let error = gitError { _ = try repository.updateTree(missing, changes: []) }
        #expect(error?.code == .notFound)
        #expect(error?.operation == "read tree \(missing.hex)")
    }

    @Test func objectIDParsing() {
        let hex = "0123456789abcdef0123456789abcdef01234567"
        #expect(ObjectID(hex: hex)?.hex == hex)
        #expect(ObjectID(hex: hex.uppercased())?.hex == hex)
        #expect(ObjectID(hex: String(hex.dropLast())) == nil)
        #expect(ObjectID(hex: String(hex.dropLast()) + "g") == nil)
        #expect(ObjectID(hex: hex)?.bytes.first == 0x01)
        #expect(ObjectID(hex: String(repeating: "0", count: 40))?.isZero == true)
    }

    @Test func nestedTreeUpdatesAndRemovals() throws {
        let temporary = try TemporaryRepository()
        let repository = temporary.repository
        let one = try repository.writeBlob(Data("one".utf8))
        let two = try repository.writeBlob(Data("two".utf8))
        let first = try repository.updateTree(
            nil,
            changes: [
                TreeChange(path: "a/b/c.txt", blob: one), TreeChange(path: "a/d.txt", blob: two),
                TreeChange(path: "top.txt", blob: one),
            ])
        #expect(try repository.listTree("", inTree: first) == ["a", "top.txt"])
        #expect(try repository.listTree("a", inTree: first) == ["b", "d.txt"])
        #expect(try repository.listTree("a/b", inTree: first) == ["c.txt"])
        #expect(try repository.readFile("a/b/c.txt", inTree: first) == Data("one".utf8))
        #expect(try repository.readFile("a/d.txt", inTree: first) == Data("two".utf8))
        // A subtree is not a file, a file is not a subtree, and missing paths are simply absent.
        #expect(try repository.readFile("a/b", inTree: first) == nil)
        #expect(try repository.listTree("top.txt", inTree: first) == [])
        #expect(try repository.readFile("a/missing", inTree: first) == nil)
        #expect(try repository.listTree("nope/deeper", inTree: first) == [])

        // Replace one file, remove another: the untouched parts keep their content.
        let second = try repository.updateTree(
            first, changes: [TreeChange(path: "a/d.txt", blob: one), TreeChange(path: "top.txt", blob: nil)])
        #expect(try repository.listTree("", inTree: second) == ["a"])
        #expect(try repository.readFile("a/d.txt", inTree: second) == Data("one".utf8))
        #expect(try repository.readFile("a/b/c.txt", inTree: second) == Data("one".utf8))
        // The base tree itself is unchanged.
        #expect(try repository.readFile("top.txt", inTree: first) == Data("one".utf8))

        // Removing the last entry of a subtree removes the subtree.
        let third = try repository.updateTree(second, changes: [TreeChange(path: "a/b/c.txt", blob: nil)])
        #expect(try repository.listTree("a", inTree: third) == ["d.txt"])
        // The same content gives the same tree id, however it was built.
        let direct = try repository.updateTree(nil, changes: [TreeChange(path: "a/d.txt", blob: one)])
        #expect(direct == third)
    }

    @Test func commitsRecordTreeParentsAuthorAndMessage() throws {
        let temporary = try TemporaryRepository()
        let repository = temporary.repository
        let root = try temporary.commit(["f": "1"], message: "root\n")
        let side = try temporary.commit(["f": "2"], message: "side\n")
        let merge = try temporary.commit(["f": "3"], parents: [side, root], message: "merge\n\nbody\n")

        let read = try repository.readCommit(merge)
        #expect(read.id == merge)
        #expect(read.parents == [side, root])
        #expect(read.message == "merge\n\nbody\n")
        #expect(read.author == TemporaryRepository.author)
        #expect(try repository.readFile("f", inTree: read.tree) == Data("3".utf8))
        #expect(try repository.readCommit(root).parents == [])
        // A commit id names the whole content: same inputs, same id.
        #expect(try temporary.commit(["f": "3"], parents: [side, root], message: "merge\n\nbody\n") == merge)
        // A parent that does not exist is refused before anything is written.
        let missing = try #require(ObjectID(hex: String(repeating: "cd", count: 20)))
        #expect(gitError { _ = try temporary.commit(["f": "4"], parents: [root, missing]) }?.code == .notFound)
    }

    @Test func configuredIdentityComesFromTheRepositoryConfig() throws {
        let temporary = try TemporaryRepository()
        try temporary.repository.setConfig("user.name", to: "Con Fig")
        try temporary.repository.setConfig("user.email", to: "con@example.com")
        let identity = try #require(temporary.repository.configuredIdentity())
        #expect(identity.name == "Con Fig" && identity.email == "con@example.com")
        #expect(GitRepository.isRepository(at: temporary.path))
        #expect(!GitRepository.isRepository(at: temporary.path + "-missing"))
        #expect(gitError { _ = try GitRepository.open(at: temporary.path + "-missing") }?.code == .notFound)
    }
}
