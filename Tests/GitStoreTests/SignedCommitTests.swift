import Foundation
import Testing

@testable import GitStore

/// Signed commits through libgit2, with signatures made by stock `ssh-keygen -Y sign` and checked
/// by stock `git verify-commit`.
@Suite("SignedCommit")
struct SignedCommitTests {
    @Test func commitContentIsWhatCreateCommitWrites() throws {
        let temporary = try TemporaryRepository()
        let repository = temporary.repository
        let parent = try temporary.commit(["a.txt": "one"])
        let tree = try repository.readCommit(try temporary.commit(["a.txt": "two"])).tree
        let content = try repository.commitContent(
            tree: tree, parents: [parent], author: TemporaryRepository.author, message: "second\n")
        let written = try repository.createCommit(
            tree: tree, parents: [parent], author: TemporaryRepository.author, message: "second\n")
        let raw = try Shell.run("git", ["--git-dir=\(temporary.path)", "cat-file", "commit", written.hex])
        #expect(raw.status == 0)
        #expect(raw.output == content)
        #expect(String(decoding: content, as: UTF8.self).hasPrefix("tree \(tree.hex)\nparent \(parent.hex)\nauthor Tess Ter"))
        // Building the bytes writes nothing but what was there.
        #expect(gitError { _ = try repository.commitContent(tree: tree, parents: [ObjectID(hex: String(repeating: "1", count: 40))!], author: TemporaryRepository.author, message: "x") }?.code == .notFound)
    }

    @Test func unsignedCommitsHaveNoSignature() throws {
        let temporary = try TemporaryRepository()
        let plain = try temporary.commit(["a.txt": "one"])
        #expect(try temporary.repository.commitSignature(plain) == nil)
        // A message line that looks like the header is not a signature.
        let lookalike = try temporary.commit(
            ["a.txt": "one"], message: "subject\n\ngpgsig -----BEGIN SSH SIGNATURE-----\n -----END SSH SIGNATURE-----\n")
        #expect(try temporary.repository.commitSignature(lookalike) == nil)
        let missing = try #require(ObjectID(hex: String(repeating: "ab", count: 20)))
        #expect(gitError { _ = try temporary.repository.commitSignature(missing) }?.code == .notFound)
    }

    @Test func signedCommitIsWhatStockGitWritesAndVerifies() throws {
        let temporary = try TemporaryRepository()
        let repository = temporary.repository
        let keys = try KeyFiles()
        let tree = try repository.readCommit(try temporary.commit(["prompt.txt": "hello"])).tree
        let content = try repository.commitContent(tree: tree, parents: [], author: TemporaryRepository.author, message: "signed\n")
        let signature = try keys.sign(content)
        let id = try repository.createSignedCommit(content: content, signature: signature)

        // The header is formatted as git formats it: continuation lines, no empty last line.
        let raw = try Shell.run("git", ["--git-dir=\(temporary.path)", "cat-file", "commit", id.hex])
        let text = String(decoding: raw.output, as: UTF8.self)
        #expect(text.contains("\ngpgsig -----BEGIN SSH SIGNATURE-----\n "))
        #expect(text.contains(" -----END SSH SIGNATURE-----\n\nsigned\n"), "\(text)")

        // Extracted: the signature as signed (less its final newline) and exactly the signed bytes.
        let extracted = try #require(try repository.commitSignature(id))
        #expect(extracted.signature + "\n" == signature)
        #expect(extracted.signedData == content)
        #expect(try repository.readCommit(id).message == "signed\n")

        let verified = try keys.git(temporary.path, ["verify-commit", id.hex])
        #expect(verified.status == 0, "\(verified.text)")
        let log = try keys.git(temporary.path, ["log", "--show-signature", "-1", id.hex])
        #expect(log.text.contains("Good \"git\" signature for tess@example.com"), "\(log.text)")

        // A commit stock git signs (ssh-keygen via `commit-tree -S`), taken apart and written again
        // through libgit2, is the very same object: the header is formatted as git formats it.
        let stock = try keys.git(
            temporary.path, ["-c", "user.signingkey=\(keys.privateKey)", "commit-tree", "-S", tree.hex],
            input: Data("stock\n".utf8),
            environment: [
                "GIT_AUTHOR_NAME": "Tess Ter", "GIT_AUTHOR_EMAIL": "tess@example.com", "GIT_AUTHOR_DATE": "@1700000000 +0000",
                "GIT_COMMITTER_NAME": "Tess Ter", "GIT_COMMITTER_EMAIL": "tess@example.com",
                "GIT_COMMITTER_DATE": "@1700000000 +0000",
            ])
        #expect(stock.status == 0, "\(stock.text)")
        let stockID = try #require(ObjectID(hex: stock.text.trimmingCharacters(in: .whitespacesAndNewlines)))
        let parts = try #require(try repository.commitSignature(stockID))
        #expect(parts.signature.hasPrefix("-----BEGIN SSH SIGNATURE-----\n"))
        #expect(try keys.sign(parts.signedData) == parts.signature + "\n")
        #expect(try repository.createSignedCommit(content: parts.signedData, signature: parts.signature + "\n") == stockID)
    }

    @Test func changedContentFailsStockVerification() throws {
        let temporary = try TemporaryRepository()
        let repository = temporary.repository
        let keys = try KeyFiles()
        let tree = try repository.readCommit(try temporary.commit(["prompt.txt": "hello"])).tree
        let content = try repository.commitContent(tree: tree, parents: [], author: TemporaryRepository.author, message: "v1\n")
        let signature = try keys.sign(content)
        let changed = try repository.commitContent(tree: tree, parents: [], author: TemporaryRepository.author, message: "v2\n")
        let forged = try repository.createSignedCommit(content: changed, signature: signature)
        #expect(try keys.git(temporary.path, ["verify-commit", forged.hex]).status != 0)
        #expect(try repository.commitSignature(forged)?.signedData == changed)
        // A signature in another header is not git's signature.
        let elsewhere = try repository.createSignedCommit(content: content, signature: signature, field: "x-signature")
        #expect(try repository.commitSignature(elsewhere) == nil)
        #expect(try repository.commitSignature(elsewhere, field: "x-signature")?.signedData == content)
        #expect(try keys.git(temporary.path, ["verify-commit", elsewhere.hex]).status != 0)
    }

    @Test func badSignedCommitInputsAreRefused() throws {
        let temporary = try TemporaryRepository()
        let repository = temporary.repository
        let tree = try repository.readCommit(try temporary.commit(["a": "b"])).tree
        let content = try repository.commitContent(tree: tree, parents: [], author: TemporaryRepository.author, message: "m\n")
        #expect(gitError { _ = try repository.createSignedCommit(content: content, signature: "\n") } != nil)
        #expect(gitError { _ = try repository.createSignedCommit(content: content, signature: "sig", field: "bad field") } != nil)
        #expect(gitError { _ = try repository.createSignedCommit(content: content + Data([0]), signature: "sig") } != nil)
        // libgit2 checks that the content is a commit.
        #expect(gitError { _ = try repository.createSignedCommit(content: Data("not a commit\n".utf8), signature: "sig") } != nil)
    }
}

/// An ed25519 key made by `ssh-keygen`, an allowed_signers file naming it for tess@example.com,
/// and stock git configured to check SSH signatures against it; removed on deinit.
private final class KeyFiles {
    let directory: String
    let privateKey: String
    let allowedSigners: String

    init() throws {
        directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("signed-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: directory + "/home", withIntermediateDirectories: true)
        privateKey = directory + "/key"
        allowedSigners = directory + "/allowed_signers"
        let made = try Shell.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "tess", "-f", privateKey])
        guard made.status == 0 else { throw Shell.Failure(message: made.errors) }
        let publicKey = try String(contentsOfFile: privateKey + ".pub", encoding: .utf8)
        try "tess@example.com \(publicKey)".write(toFile: allowedSigners, atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// `ssh-keygen -Y sign -n git` of `content`: the armored signature.
    func sign(_ content: Data) throws -> String {
        let signed = try Shell.run("ssh-keygen", ["-Y", "sign", "-n", "git", "-f", privateKey], input: content)
        guard signed.status == 0 else { throw Shell.Failure(message: signed.errors) }
        return String(decoding: signed.output, as: UTF8.self)
    }

    /// Stock git on `repository`, checking SSH signatures against the allowed_signers file.
    func git(_ repository: String, _ arguments: [String], input: Data = Data(), environment: [String: String] = [:]) throws
        -> (status: Int32, text: String)
    {
        let result = try Shell.run(
            "git",
            ["--git-dir=\(repository)", "-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile=\(allowedSigners)"] + arguments,
            input: input,
            environment: ["HOME": directory + "/home", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null"]
                .merging(environment) { $1 })
        return (result.status, String(decoding: result.output, as: UTF8.self) + result.errors)
    }
}

/// Stock tools as processes, with standard input, output and error in temporary files.
private enum Shell {
    struct Failure: Error { let message: String }

    static func run(_ tool: String, _ arguments: [String], input: Data = Data(), environment: [String: String] = [:]) throws
        -> (status: Int32, output: Data, errors: String)
    {
        let base = (NSTemporaryDirectory() as NSString).appendingPathComponent("shell-\(UUID().uuidString)")
        let paths = [base + ".in", base + ".out", base + ".err"]
        defer { paths.forEach { try? FileManager.default.removeItem(atPath: $0) } }
        try input.write(to: URL(fileURLWithPath: paths[0]))
        for path in paths.dropFirst() { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: paths[0]))
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: paths[1]))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: paths[2]))
        try process.run()
        process.waitUntilExit()
        let output = try Data(contentsOf: URL(fileURLWithPath: paths[1]))
        let errors = String(decoding: try Data(contentsOf: URL(fileURLWithPath: paths[2])), as: UTF8.self)
        return (process.terminationStatus, output, errors)
    }
}
