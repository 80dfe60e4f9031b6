import Foundation
import GitStore
import PromptRegistry
import TestSupport
import Testing

/// Ed25519 SSH keys, SSHSIG signatures and allowed_signers, checked against real OpenSSH
/// (`ssh-keygen`) and stock git as processes.
@Suite("SSHSignature")
struct SSHSignatureTests {
    // MARK: Keys

    @Test func ourKeyIsAcceptedBySSHKeygen() throws {
        let directory = try TemporaryDirectory("sshsig")
        defer { directory.remove() }
        let key = SigningKey.generate(comment: "alice@example.com")
        let path = directory.join("id_ed25519")
        try key.write(to: path)
        try key.writePublicKey(to: path + ".pub")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)
        #expect(mode.intValue & 0o777 == 0o600)
        let derived = try Tool.run("ssh-keygen", ["-y", "-f", path])
        #expect(derived.status == 0, "\(derived.errorText)")
        #expect(derived.text.trimmingCharacters(in: .whitespacesAndNewlines) == key.publicKeyLine)
        #expect(key.publicKeyLine.hasPrefix("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA"))
        #expect(key.publicKeyLine.hasSuffix(" alice@example.com"))
        // The fingerprint ssh-keygen prints for the same key.
        let fingerprint = try Tool.run("ssh-keygen", ["-l", "-f", path + ".pub"])
        #expect(fingerprint.text.contains(key.publicKey.fingerprint), "\(fingerprint.text)")
        // Reading it back gives the same key and the same file.
        let read = try SigningKey.read(from: path)
        #expect(read.publicKey == key.publicKey && read.comment == key.comment)
        #expect((try read.openSSHPrivateKey()) == (try key.openSSHPrivateKey()))
        // A key file is never overwritten.
        let error = promptRegError { try SigningKey.generate().write(to: path) }
        #expect(error?.code == .conflict)
        #expect(try SigningKey.read(from: path).publicKey == key.publicKey)
    }

    @Test func sshKeygenKeyIsReadAndSignsAsSSHKeygenDoes() throws {
        let directory = try TemporaryDirectory("sshsig")
        defer { directory.remove() }
        let path = try Tool.generateKey(in: directory, name: "alice", comment: "alice@example.com")
        let key = try SigningKey.read(from: path)
        let publicLine = try String(contentsOfFile: path + ".pub", encoding: .utf8)
        #expect(key.publicKeyLine == publicLine.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(key.comment == "alice@example.com")
        #expect(try SSHPublicKey(line: publicLine) == key.publicKey)
        // Written again, the key is byte for byte the file ssh-keygen wrote.
        #expect((try key.openSSHPrivateKey()) == (try String(contentsOfFile: path, encoding: .utf8)))

        let message = Data("tree 0123\n\nmessage with ünïcode\n".utf8)
        let ours = try SSHSignature.sign(message, with: key, namespace: "git")
        let theirs = try Tool.run("ssh-keygen", ["-Y", "sign", "-n", "git", "-f", path], input: message)
        #expect(theirs.status == 0, "\(theirs.errorText)")
        #if os(Linux)
            // Ed25519 is deterministic (BoringSSL on Linux): the same key and message give the same text.
            #expect(ours.armored == theirs.text)
        #endif
        #expect(try SSHSignature.verify(armored: theirs.text, message: message, namespace: "git") == key.publicKey)
    }

    @Test func protectedAndForeignKeysAreRefusedWithAdvice() throws {
        let directory = try TemporaryDirectory("sshsig")
        defer { directory.remove() }
        let protected = try Tool.generateKey(in: directory, name: "protected", passphrase: "correct horse")
        let passphraseError = promptRegError { _ = try SigningKey.read(from: protected) }
        #expect(passphraseError?.code == .invalidInput)
        #expect(passphraseError?.message.contains("passphrase") == true, "\(String(describing: passphraseError))")
        #expect(passphraseError?.fix?.contains("ssh-keygen -p") == true)

        let rsa = try Tool.generateKey(in: directory, name: "rsa", type: ["-t", "rsa", "-b", "2048"])
        let rsaError = promptRegError { _ = try SigningKey.read(from: rsa) }
        #expect(rsaError?.message.contains("ssh-rsa key; only ssh-ed25519 keys are supported") == true, "\(String(describing: rsaError))")
        #expect(rsaError?.fix?.contains("ssh-keygen -t ed25519 -N \"\"") == true)
        let rsaPublic = try String(contentsOfFile: rsa + ".pub", encoding: .utf8)
        #expect(promptRegError { _ = try SSHPublicKey(line: rsaPublic) }?.message.contains("only ssh-ed25519") == true)

        let pem = try Tool.generateKey(in: directory, name: "pem", type: ["-t", "ecdsa", "-m", "PEM"])
        let pemError = promptRegError { _ = try SigningKey.read(from: pem) }
        #expect(pemError?.message.contains("not in OpenSSH's private key format") == true, "\(String(describing: pemError))")

        #expect(promptRegError { _ = try SigningKey.read(from: directory.join("missing")) }?.code == .notFound)
        #expect(promptRegError { _ = try SigningKey(openSSHPrivateKey: "hello") }?.code == .invalidInput)
    }

    @Test func damagedPrivateKeysAreRefused() throws {
        let key = SigningKey.generate(comment: "c")
        let text = try key.openSSHPrivateKey()
        let lines = text.split(separator: "\n").map(String.init)
        var bytes = try #require(Data(base64Encoded: lines[1..<(lines.count - 1)].joined()))
        // The first check int sits after the magic, "none", "none", "", the key count and the public blob.
        let checkOffset = 15 + 8 + 8 + 4 + 4 + (4 + 51) + 4
        bytes[checkOffset] ^= 0xff
        let damaged = "-----BEGIN OPENSSH PRIVATE KEY-----\n\(bytes.base64EncodedString())\n-----END OPENSSH PRIVATE KEY-----\n"
        let error = promptRegError { _ = try SigningKey(openSSHPrivateKey: damaged) }
        #expect(error?.message.contains("check ints differ") == true, "\(String(describing: error))")
        // Cut short.
        let truncated = "-----BEGIN OPENSSH PRIVATE KEY-----\n\(bytes.prefix(60).base64EncodedString())\n-----END OPENSSH PRIVATE KEY-----\n"
        #expect(promptRegError { _ = try SigningKey(openSSHPrivateKey: truncated) }?.message.contains("truncated") == true)
    }

    // MARK: Signatures and ssh-keygen

    @Test func ourSignatureVerifiesWithSSHKeygen() throws {
        let directory = try TemporaryDirectory("sshsig")
        defer { directory.remove() }
        let key = SigningKey.generate(comment: "alice")
        let message = Data("the content\n".utf8)
        let signature = try SSHSignature.sign(message, with: key, namespace: "git")
        #expect(signature.armored.hasPrefix("-----BEGIN SSH SIGNATURE-----\n"))
        #expect(signature.armored.hasSuffix("\n-----END SSH SIGNATURE-----\n"))
        #expect(signature.armored.split(separator: "\n").allSatisfy { $0.count <= 70 })
        let files = try SignerFiles(directory, signers: "alice@example.com \(key.publicKey.line())\n")
        try files.writeSignature(signature.armored)

        let good = try files.sshVerify(message, principal: "alice@example.com", namespace: "git")
        #expect(good.status == 0, "\(good.errorText)")
        #expect(good.text.contains("Good \"git\" signature for alice@example.com"), "\(good.text)")
        // ssh-keygen refuses a changed message, another namespace and another principal.
        #expect(try files.sshVerify(Data("the c0ntent\n".utf8), principal: "alice@example.com", namespace: "git").status != 0)
        #expect(try files.sshVerify(message, principal: "alice@example.com", namespace: "file").status != 0)
        #expect(try files.sshVerify(message, principal: "bob@example.com", namespace: "git").status != 0)
        // And so does ours.
        #expect(try SSHSignature.verify(armored: signature.armored, message: message, namespace: "git") == key.publicKey)
        #expect(promptRegError { try SSHSignature.verify(armored: signature.armored, message: Data("the c0ntent\n".utf8), namespace: "git") }?.code == .integrity)
    }

    @Test func sshKeygenSignatureVerifiesWithOurs() throws {
        let directory = try TemporaryDirectory("sshsig")
        defer { directory.remove() }
        let path = try Tool.generateKey(in: directory, name: "bob")
        let publicLine = try String(contentsOfFile: path + ".pub", encoding: .utf8)
        let message = Data((0..<3000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        let signed = try Tool.run("ssh-keygen", ["-Y", "sign", "-n", "git", "-f", path], input: message)
        #expect(signed.status == 0, "\(signed.errorText)")
        let signers = try AllowedSigners(parsing: "bob@example.com,robert@example.com \(publicLine)")
        let signer = try signers.verify(armoredSignature: signed.text, message: message, namespace: "git", at: Date())
        #expect(signer.key == (try SSHPublicKey(line: publicLine)))
        #expect(signer.principals == ["bob@example.com", "robert@example.com"])
        let parsed = try SSHSignature(armored: signed.text)
        #expect(parsed.namespace == "git" && parsed.hashAlgorithm == "sha512")
        #expect(parsed.armored == signed.text)

        var changed = message
        changed[1234] ^= 0x01
        let error = promptRegError { _ = try signers.verify(armoredSignature: signed.text, message: changed, namespace: "git", at: Date()) }
        #expect(error?.code == .integrity)
        #expect(error?.message.contains("bad SSH signature") == true, "\(String(describing: error))")
    }

    @Test func wrongNamespaceIsRejected() throws {
        let directory = try TemporaryDirectory("sshsig")
        defer { directory.remove() }
        let key = SigningKey.generate()
        let message = Data("payload".utf8)
        let signature = try SSHSignature.sign(message, with: key, namespace: "file")
        let error = promptRegError { try signature.verify(message, namespace: "git") }
        #expect(error?.code == .integrity)
        #expect(error?.message.contains("namespace \"file\", not \"git\"") == true)
        let files = try SignerFiles(directory, signers: "alice \(key.publicKey.line())\n")
        try files.writeSignature(signature.armored)
        #expect(try files.sshVerify(message, principal: "alice", namespace: "git").status != 0)
        #expect(try files.sshVerify(message, principal: "alice", namespace: "file").status == 0)

        // The namespace is signed: rewriting it inside the signature breaks the signature.
        var bytes = signature.bytes
        let range = try #require(bytes.firstRange(of: Data("file".utf8)))
        bytes.replaceSubrange(range, with: Data("fire".utf8))
        let rewritten = Self.armor(bytes)
        let rewrittenError = promptRegError { try SSHSignature.verify(armored: rewritten, message: message, namespace: "fire") }
        #expect(rewrittenError?.message.contains("bad SSH signature") == true, "\(String(describing: rewrittenError))")
    }

    @Test func malformedSignaturesAreRejected() throws {
        let key = SigningKey.generate()
        let message = Data("m".utf8)
        let signature = try SSHSignature.sign(message, with: key, namespace: "git")
        // An unsupported hash algorithm (same length, so the encoding stays well formed).
        var bytes = signature.bytes
        let range = try #require(bytes.firstRange(of: Data("sha512".utf8)))
        bytes.replaceSubrange(range, with: Data("sha384".utf8))
        let hashError = promptRegError { try SSHSignature.verify(armored: Self.armor(bytes), message: message, namespace: "git") }
        #expect(hashError?.message.contains("hash algorithm \"sha384\"") == true, "\(String(describing: hashError))")
        // Trailing bytes, a cut-off signature, another version, no armor: all integrity errors.
        let cases: [(String, String)] = [
            (Self.armor(signature.bytes + Data([0])), "unexpected bytes"),
            (Self.armor(signature.bytes.prefix(signature.bytes.count - 10)), "truncated"),
            (Self.armor(Data("SSHSIG".utf8) + Data([0, 0, 0, 2]) + signature.bytes.dropFirst(10)), "version 2"),
            ("-----BEGIN PGP SIGNATURE-----\nabc\n-----END PGP SIGNATURE-----\n", "not an SSH signature"),
        ]
        for (armored, text) in cases {
            let error = promptRegError { try SSHSignature.verify(armored: armored, message: message, namespace: "git") }
            #expect(error?.code == .integrity)
            #expect(error?.message.contains(text) == true, "\(String(describing: error)) should mention \(text)")
        }
        #expect(promptRegError { _ = try SSHSignature.sign(message, with: key, namespace: "") }?.code == .usage)
    }

    // MARK: Allowed signers

    @Test func unknownKeysAreRejected() throws {
        let directory = try TemporaryDirectory("sshsig")
        defer { directory.remove() }
        let known = SigningKey.generate()
        let stranger = SigningKey.generate()
        let message = Data("hello".utf8)
        let signature = try SSHSignature.sign(message, with: stranger, namespace: "git")
        let files = try SignerFiles(directory, signers: "alice \(known.publicKey.line())\n")
        try files.writeSignature(signature.armored)
        let signers = try AllowedSigners(contentsOf: files.allowedSigners)
        let error = promptRegError { _ = try signers.verify(armoredSignature: signature.armored, message: message, namespace: "git", at: Date()) }
        #expect(error?.code == .integrity)
        #expect(error?.message.contains("\(stranger.publicKey.fingerprint) is not in \(files.allowedSigners)") == true, "\(String(describing: error))")
        #expect(signers.principals(for: stranger.publicKey, namespace: "git", at: Date()).isEmpty)
        #expect(try files.sshVerify(message, principal: "alice", namespace: "git").status != 0)
    }

    @Test func keysOutsideTheirWindowAreRejectedAsSSHKeygenDoes() throws {
        let directory = try TemporaryDirectory("sshsig")
        defer { directory.remove() }
        let key = SigningKey.generate()
        let message = Data("window".utf8)
        let signature = try SSHSignature.sign(message, with: key, namespace: "git")
        let text = "alice valid-after=\"20240301Z\",valid-before=\"202406301200Z\" \(key.publicKey.line())\n"
        let files = try SignerFiles(directory, signers: text)
        try files.writeSignature(signature.armored)
        let signers = try AllowedSigners(parsing: text)
        let utc = TimeZone(identifier: "UTC")!
        func moment(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0) -> Date {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = utc
            return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))!
        }
        // Both ends of the window are inside it, as ssh-keygen treats them.
        let cases: [(Date, String, Bool)] = [
            (moment(2024, 2, 29, 23, 59, 59), "20240229235959Z", false),
            (moment(2024, 3, 1), "20240301000000Z", true),
            (moment(2024, 5, 1, 8), "20240501080000Z", true),
            (moment(2024, 6, 30, 12), "20240630120000Z", true),
            (moment(2024, 6, 30, 12, 0, 1), "20240630120001Z", false),
        ]
        for (time, stamp, valid) in cases {
            #expect(signers.principals(for: key.publicKey, namespace: "git", at: time) == (valid ? ["alice"] : []), "\(stamp)")
            let stock = try files.sshVerify(message, principal: "alice", namespace: "git", options: ["-O", "verify-time=\(stamp)"])
            #expect((stock.status == 0) == valid, "ssh-keygen at \(stamp): \(stock.errorText)")
        }
        let early = promptRegError { _ = try signers.verify(armoredSignature: signature.armored, message: message, namespace: "git", at: moment(2024, 1, 1)) }
        #expect(early?.message.contains("is not valid yet at 2024-01-01T00:00:00Z (valid-after 2024-03-01T00:00:00Z)") == true, "\(String(describing: early))")
        let late = promptRegError { try signers.authorize(key.publicKey, namespace: "git", at: moment(2025, 1, 1)) }
        #expect(late?.code == .integrity)
        #expect(late?.message.contains("has expired") == true, "\(String(describing: late))")
        #expect(try signers.authorize(key.publicKey, namespace: "git", at: moment(2024, 4, 1)) == ["alice"])
    }

    @Test func allowedSignersLinesAreParsedAsSSHKeygenReadsThem() throws {
        let alice = SigningKey.generate().publicKey
        let bob = SigningKey.generate().publicKey
        let text = """
            # team signers

            alice@example.com,al@example.com namespaces="git,file" \(alice.line()) alice's laptop
              "bob@example.com" NAMESPACES="promptreg-*,!promptreg-test" \(bob.line())
            *@example.com,!mallory@example.com valid-before="20991231" \(bob.line())\r
            """
        let signers = try AllowedSigners(parsing: text, source: "team")
        #expect(signers.entries.map(\.line) == [3, 4, 5])
        let first = signers.entries[0]
        #expect(first.principals == ["alice@example.com", "al@example.com"])
        #expect(first.namespaces == ["git", "file"])
        #expect(first.comment == "alice's laptop")
        #expect(first.key == alice)
        let now = Date()
        #expect(signers.principals(for: alice, namespace: "git", at: now) == ["alice@example.com", "al@example.com"])
        #expect(signers.principals(for: alice, namespace: "email", at: now).isEmpty)
        #expect(signers.principals(for: bob, namespace: "promptreg-state", at: now) == ["bob@example.com", "*@example.com"])
        #expect(signers.principals(for: bob, namespace: "promptreg-test", at: now) == ["*@example.com"])
        #expect(signers.allows("carol@example.com", key: bob, namespace: "git", at: now))
        #expect(!signers.allows("mallory@example.com", key: bob, namespace: "git", at: now))
        #expect(!signers.allows("carol@example.org", key: bob, namespace: "git", at: now))
        #expect(signers.allows("al@example.com", key: alice, namespace: "file", at: now))
        #expect(!signers.allows("bob@example.com", key: alice, namespace: "git", at: now))
        let namespaceError = promptRegError { try signers.authorize(alice, namespace: "email", at: now) }
        #expect(namespaceError?.message.contains("team:3:") == true && namespaceError?.message.contains("namespace \"email\"") == true)
        // Without a Z, a time is read in the zone the caller names (UTC by default).
        let line = "a valid-after=\"20300101\" \(alice.line())"
        let utc = try AllowedSigners(parsing: line).entries[0].validAfter
        let east = try AllowedSigners(parsing: line, unsuffixedTimesIn: TimeZone(secondsFromGMT: 7200)!).entries[0].validAfter
        #expect(try #require(utc).timeIntervalSince(try #require(east)) == 7200)
        #expect(utc?.timeIntervalSince1970 == 1_893_456_000)
        let zulu = try AllowedSigners(parsing: "a valid-after=\"20300101Z\" \(alice.line())", unsuffixedTimesIn: TimeZone(secondsFromGMT: 7200)!)
        #expect(zulu.entries[0].validAfter == utc)
    }

    @Test func unreadableAllowedSignersLinesAreRejectedWithTheirLineNumber() throws {
        let key = SigningKey.generate().publicKey.line()
        let rsa = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7"
        let cases: [(String, String)] = [
            ("alice", "no key after the principals"),
            ("alice bogus=\"x\" \(key)", "unsupported option `bogus`"),
            ("alice cert-authority \(key)", "cert-authority is not supported"),
            ("alice valid-after=\"2024\" \(key)", "valid-after \"2024\" is not a time"),
            ("alice valid-after=\"20241301\" \(key)", "is not a time"),
            ("alice valid-after=20240101 \(key)", "needs a double-quoted value"),
            ("alice namespaces=\"git\",namespaces=\"file\" \(key)", "namespaces is given twice"),
            ("alice valid-after=\"20250101Z\",valid-before=\"20240101Z\" \(key)", "valid-before is not after valid-after"),
            ("\"alice \(key)", "no closing quote"),
            ("alice \(rsa)", "only ssh-ed25519 keys are supported"),
            ("alice ssh-ed25519 !!!!", "not valid base64"),
            ("alice namespaces=\"git \(key)", "not closed"),
        ]
        for (line, problem) in cases {
            let error = promptRegError { _ = try AllowedSigners(parsing: "# header\n\n\(line)\n", source: "signers") }
            #expect(error?.code == .invalidInput)
            #expect(error?.message.hasPrefix("signers:3: ") == true, "\(String(describing: error))")
            #expect(error?.message.contains(problem) == true, "\(String(describing: error)) should mention \(problem)")
            #expect(error?.subject.line == 3)
        }
    }

    // MARK: Commits and stock git

    @Test func commitSignedByUsVerifiesWithStockGit() throws {
        let directory = try TemporaryDirectory("sshsig")
        defer { directory.remove() }
        let key = SigningKey.generate(comment: "alice")
        let files = try SignerFiles(directory, signers: "alice@example.com namespaces=\"git\" \(key.publicKey.line())\n")
        let repository = try GitRepository.initBare(at: directory.join("repo.git"))
        let time = Date(timeIntervalSince1970: 1_700_000_000)
        let content = try Self.commitContent(repository, time: time, message: "signed by promptreg\n")
        let signature = try SSHSignature.sign(content, with: key, namespace: "git")
        let id = try repository.createSignedCommit(content: content, signature: signature.armored)

        let verified = try files.git(repository.path, ["verify-commit", id.hex])
        #expect(verified.status == 0, "\(verified.text)\(verified.errorText)")
        let log = try files.git(repository.path, ["log", "--show-signature", "-1", id.hex])
        #expect(log.status == 0, "\(log.errorText)")
        #expect(log.text.contains("Good \"git\" signature for alice@example.com with ED25519 key \(key.publicKey.fingerprint)"), "\(log.text)")

        // Read back through GitStore, the signature verifies with ours at the commit's time.
        let stored = try #require(try repository.commitSignature(id))
        #expect(stored.signedData == content)
        let signer = try AllowedSigners(contentsOf: files.allowedSigners)
            .verify(armoredSignature: stored.signature, message: stored.signedData, namespace: "git", at: time)
        #expect(signer.key == key.publicKey && signer.principals == ["alice@example.com"])
    }

    @Test func stockGitAndOursRejectChangedContentAndWrongNamespace() throws {
        let directory = try TemporaryDirectory("sshsig")
        defer { directory.remove() }
        let key = SigningKey.generate()
        let files = try SignerFiles(directory, signers: "alice@example.com \(key.publicKey.line())\n")
        let signers = try AllowedSigners(contentsOf: files.allowedSigners)
        let repository = try GitRepository.initBare(at: directory.join("repo.git"))
        let time = Date(timeIntervalSince1970: 1_700_000_000)
        let content = try Self.commitContent(repository, time: time, message: "promote to prod\n")

        // One byte of the commit changed after signing (the message now says "prof").
        let signature = try SSHSignature.sign(content, with: key, namespace: "git")
        var changed = content
        let position = try #require(changed.lastIndex(of: UInt8(ascii: "d")))
        changed[position] = UInt8(ascii: "f")
        let tampered = try repository.createSignedCommit(content: changed, signature: signature.armored)
        let stockTampered = try files.git(repository.path, ["verify-commit", tampered.hex])
        #expect(stockTampered.status != 0, "git accepted changed content")
        let stored = try #require(try repository.commitSignature(tampered))
        #expect(stored.signedData == changed)
        let contentError = promptRegError {
            _ = try signers.verify(armoredSignature: stored.signature, message: stored.signedData, namespace: "git", at: time)
        }
        #expect(contentError?.message.contains("bad SSH signature") == true, "\(String(describing: contentError))")

        // Signed for another namespace.
        let fileSignature = try SSHSignature.sign(content, with: key, namespace: "file")
        let wrongNamespace = try repository.createSignedCommit(content: content, signature: fileSignature.armored)
        #expect(try files.git(repository.path, ["verify-commit", wrongNamespace.hex]).status != 0, "git accepted namespace file")
        let storedFile = try #require(try repository.commitSignature(wrongNamespace))
        let namespaceError = promptRegError {
            _ = try signers.verify(armoredSignature: storedFile.signature, message: storedFile.signedData, namespace: "git", at: time)
        }
        #expect(namespaceError?.message.contains("namespace \"file\"") == true, "\(String(describing: namespaceError))")

        // The untouched commit is good for both.
        let good = try repository.createSignedCommit(content: content, signature: signature.armored)
        #expect(try files.git(repository.path, ["verify-commit", good.hex]).status == 0)
    }

    // MARK: Helpers

    /// The unsigned bytes of a commit with one file, made by alice at `time`.
    private static func commitContent(_ repository: GitRepository, time: Date, message: String) throws -> Data {
        let blob = try repository.writeBlob(Data("prompt: hello\n".utf8))
        let tree = try repository.updateTree(nil, changes: [TreeChange(path: "bundle.yaml", blob: blob)])
        return try repository.commitContent(
            tree: tree, parents: [], author: GitSignature(name: "Alice", email: "alice@example.com", time: time), message: message)
    }

    /// Binary SSHSIG bytes armored as ssh-keygen does.
    private static func armor(_ bytes: Data) -> String {
        "-----BEGIN SSH SIGNATURE-----\n\(bytes.base64EncodedString())\n-----END SSH SIGNATURE-----\n"
    }
}

/// Runs `body` and returns the `PromptRegError` it threw; records an issue when it threw none.
private func promptRegError(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> PromptRegError? {
    do {
        try body()
        Issue.record("expected a PromptRegError, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as PromptRegError {
        return error
    } catch {
        Issue.record("expected a PromptRegError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// An allowed_signers file and a signature file in a directory, and the stock tools that read them.
private struct SignerFiles {
    let allowedSigners: String
    let signature: String
    let home: String

    init(_ directory: TemporaryDirectory, signers: String) throws {
        allowedSigners = directory.join("allowed_signers")
        signature = directory.join("message.sig")
        home = directory.join("home")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        try signers.write(toFile: allowedSigners, atomically: true, encoding: .utf8)
    }

    func writeSignature(_ armored: String) throws {
        try armored.write(toFile: signature, atomically: true, encoding: .utf8)
    }

    /// `ssh-keygen -Y verify` of `message` against the signature file.
    func sshVerify(_ message: Data, principal: String, namespace: String, options: [String] = []) throws -> Tool.Result {
        try Tool.run(
            "ssh-keygen", ["-Y", "verify", "-f", allowedSigners, "-I", principal, "-n", namespace, "-s", signature] + options,
            input: message)
    }

    /// Stock git on `repository` with SSH signatures checked against the allowed_signers file,
    /// and no user or system configuration.
    func git(_ repository: String, _ arguments: [String]) throws -> Tool.Result {
        try Tool.run(
            "git",
            ["--git-dir=\(repository)", "-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile=\(allowedSigners)"] + arguments,
            environment: ["HOME": home, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null"])
    }
}

/// Stock tools as processes.
private enum Tool {
    struct Result {
        let status: Int32
        let text: String
        let errorText: String
    }

    /// Runs `tool` (found on PATH) with `arguments`, feeding it `input`.
    static func run(_ tool: String, _ arguments: [String], input: Data = Data(), environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        (process.standardInput, process.standardOutput, process.standardError) = (stdin, stdout, stderr)
        try process.run()
        // Drain stderr on another thread so a chatty tool cannot block on a full pipe.
        let errors = Locked(Data())
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let data = stderr.fileHandleForReading.readDataToEndOfFile()
            errors.withLock { $0 = data }
            drained.signal()
        }
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        drained.wait()
        return Result(
            status: process.terminationStatus, text: String(decoding: output, as: UTF8.self),
            errorText: String(decoding: errors.withLock { $0 }, as: UTF8.self))
    }

    /// `ssh-keygen -q -N passphrase -C comment -f directory/name` with `type`; returns the key's path.
    static func generateKey(
        in directory: TemporaryDirectory, name: String, comment: String = "", passphrase: String = "",
        type: [String] = ["-t", "ed25519"]
    ) throws -> String {
        let path = directory.join(name)
        let result = try run("ssh-keygen", ["-q"] + type + ["-N", passphrase, "-C", comment, "-f", path])
        guard result.status == 0 else { throw ToolError(message: "ssh-keygen failed: \(result.errorText)") }
        return path
    }

    struct ToolError: Error { let message: String }
}
