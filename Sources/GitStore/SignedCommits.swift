import CLibGit2
import Foundation

/// A commit's signature and the bytes it signs, as git checks them: the commit object without
/// its signature header.
package struct CommitSignature: Sendable, Equatable {
    /// The signature header's value with its continuation lines joined (for SSH signatures the
    /// armored `-----BEGIN SSH SIGNATURE-----` text, without a final newline).
    package let signature: String
    /// The signed bytes: the raw commit object with the signature header left out.
    package let signedData: Data
}

/// Signed commits, built in two steps as git builds them: the unsigned commit's bytes, then the
/// commit object with a signature of those bytes in a header (`gpgsig` for git).
extension GitRepository {
    /// The raw bytes of the commit `createCommit` would write for the same arguments (the author
    /// is also the committer), without writing anything. These are the bytes git signs.
    package func commitContent(
        tree treeID: ObjectID, parents: [ObjectID], author: GitSignature, message: String
    ) throws -> Data {
        try withCommitParts(tree: treeID, parents: parents, author: author) { tree, parentCommits, signature in
            var buffer = git_buf()
            defer { git_buf_dispose(&buffer) }
            var parentPointers = parentCommits
            try parentPointers.withUnsafeMutableBufferPointer { pointers in
                try check(
                    git_commit_create_buffer(
                        &buffer, handle, signature, signature, "UTF-8", message, tree, pointers.count, pointers.baseAddress),
                    "build commit")
            }
            guard let bytes = buffer.ptr else { return Data() }
            return Data(bytes: bytes, count: buffer.size)
        }
    }

    /// Writes the commit whose unsigned bytes are `content` (from `commitContent`) with `signature`
    /// in the header `field` (git's is `gpgsig`) and returns its id; no reference is moved. Final
    /// newlines of `signature` are dropped, as git writes the header; its other lines become the
    /// header's continuation lines.
    package func createSignedCommit(content: Data, signature: String, field: String = "gpgsig") throws -> ObjectID {
        let operation = "write signed commit"
        guard !content.contains(0) else {
            throw GitError(code: .other(GIT_EINVALID.rawValue), message: "commit content holds a NUL byte", operation: operation)
        }
        var trimmed = Substring(signature)
        while trimmed.hasSuffix("\n") { trimmed = trimmed.dropLast() }
        guard !trimmed.isEmpty, !trimmed.contains("\0") else {
            throw GitError(code: .other(GIT_EINVALID.rawValue), message: "the signature is empty or holds a NUL byte", operation: operation)
        }
        guard !field.isEmpty, !field.contains(where: { $0 == " " || $0 == "\n" || $0 == "\0" }) else {
            throw GitError(code: .other(GIT_EINVALID.rawValue), message: "bad header field name \"\(field)\"", operation: operation)
        }
        // The bytes exactly as signed (not re-encoded), NUL-terminated for libgit2.
        let text = Array(content) + [0]
        return try writingObject {
            var oid = git_oid()
            try text.withUnsafeBufferPointer { bytes in
                try bytes.withMemoryRebound(to: CChar.self) { characters in
                    try check(
                        git_commit_create_with_signature(&oid, handle, characters.baseAddress, String(trimmed), field),
                        operation)
                }
            }
            return ObjectID(oid)
        }
    }

    /// The signature in header `field` (git's is `gpgsig`) of commit `id` and the bytes it signs;
    /// nil when the commit has no such header. Throws when there is no commit `id`.
    package func commitSignature(_ id: ObjectID, field: String = "gpgsig") throws -> CommitSignature? {
        // libgit2's extraction also looks for the field in the message; only a real header counts.
        let hasHeader = try withCommit(id) { commit in
            var header = git_buf()
            defer { git_buf_dispose(&header) }
            let result = git_commit_header_field(&header, commit, field)
            if result == GIT_ENOTFOUND.rawValue {
                git_error_clear()
                return false
            }
            try check(result, "read header \(field) of commit \(id)")
            return true
        }
        guard hasHeader else { return nil }
        var signature = git_buf()
        var signedData = git_buf()
        defer {
            git_buf_dispose(&signature)
            git_buf_dispose(&signedData)
        }
        var oid = id.oid
        try check(git_commit_extract_signature(&signature, &signedData, handle, &oid, field), "read signature of commit \(id)")
        return CommitSignature(
            signature: signature.ptr.map { String(decoding: Data(bytes: $0, count: signature.size), as: UTF8.self) } ?? "",
            signedData: signedData.ptr.map { Data(bytes: $0, count: signedData.size) } ?? Data())
    }
}
