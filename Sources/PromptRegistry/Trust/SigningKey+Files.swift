import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Key files on disk: the private key readable by its owner only (mode 0600, as `ssh` demands),
/// the public key line beside it.
extension SigningKey {
    /// Reads the OpenSSH private key file at `path`.
    public static func read(from path: String) throws -> SigningKey {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw PromptRegError(.notFound, "cannot read the private key \(path): \(error.localizedDescription)", fix: SSHKeyAdvice.generate)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PromptRegError(.invalidInput, "\(path): not an OpenSSH private key (not text)", fix: SSHKeyAdvice.generate)
        }
        return try SigningKey(openSSHPrivateKey: text, source: path)
    }

    /// Writes the key in OpenSSH's private key format to a new file at `path` with mode 0600.
    /// Never replaces an existing file (a private key may be the only copy); the file appears
    /// complete or not at all.
    public func write(to path: String) throws {
        try Self.createFile(at: path, contents: Data(try openSSHPrivateKey().utf8), mode: 0o600, what: "private key")
    }

    /// Writes the public key line (and a newline) to a new file at `path` with mode 0644, as
    /// `ssh-keygen` writes `KEYFILE.pub`. Never replaces an existing file.
    public func writePublicKey(to path: String) throws {
        try Self.createFile(at: path, contents: Data((publicKeyLine + "\n").utf8), mode: 0o644, what: "public key")
    }

    /// Writes `contents` to a temporary file created with `mode` beside `path`, then links it to
    /// `path`, which fails rather than replace an existing file.
    private static func createFile(at path: String, contents: Data, mode: mode_t, what: String) throws {
        let temporary = "\(path).tmp-\(UUID().uuidString.prefix(8))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard descriptor >= 0 else { throw fileError(what, path, errno) }
        defer { unlink(temporary) }
        var failure: Int32 = 0
        // The umask may have taken bits away; never adds any: set the mode exactly.
        if fchmod(descriptor, mode) != 0 { failure = errno }
        if failure == 0 {
            failure = contents.withUnsafeBytes { raw -> Int32 in
                var offset = 0
                while offset < raw.count {
                    let written = writeBytes(descriptor, raw.baseAddress! + offset, raw.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return errno
                    }
                    offset += written
                }
                return 0
            }
        }
        if failure == 0, fsync(descriptor) != 0 { failure = errno }
        close(descriptor)
        guard failure == 0 else { throw fileError(what, path, failure) }
        guard link(temporary, path) == 0 else {
            let error = errno
            if error == EEXIST {
                throw PromptRegError(
                    .conflict, "\(path) already exists; promptreg does not overwrite a \(what) file",
                    fix: "choose another path, or move the existing file away first")
            }
            throw fileError(what, path, error)
        }
    }

    /// The error for a failed write of a key file.
    private static func fileError(_ what: String, _ path: String, _ code: Int32) -> PromptRegError {
        PromptRegError(
            .storage, "cannot write the \(what) \(path): \(String(cString: strerror(code)))",
            fix: "check that the directory exists and is writable")
    }
}

/// POSIX `write(2)` (named apart from `SigningKey.write(to:)`).
private func writeBytes(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
