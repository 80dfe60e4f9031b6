import Crypto
import Foundation
import PromptRegistry

/// State commits forged as someone with write access to a registry's repository would forge
/// them: with stock git only (`hash-object`, `update-index`, `write-tree`, `commit-tree`,
/// `update-ref`), signed (or not) with a key of the forger's choosing.
public enum ForgedCommit {
    /// How the forged commit is signed.
    public enum Signature: Sendable {
        /// No signature (`git commit-tree`).
        case none
        /// Signed with this key over the commit's bytes, as git signs.
        case key(SigningKey)
        /// Signed with this key, then the commit's message changed: a signature that does not match.
        case tampered(SigningKey)
    }

    /// Writes a state commit on top of the state head and moves the state ref to it (from the
    /// head, as `git update-ref NEW OLD`). Its tree is the head's with `files` (path to bytes)
    /// written; its event is the head's with the next sequence number, edited by `edit` (a JSON
    /// object: action, changes, signed_by...). Returns the commit id.
    @discardableResult
    public static func onState(
        _ registry: String, files: [String: Data] = [:], signature: Signature, edit: (inout [String: Any]) -> Void
    ) throws -> String {
        let scratch = try TemporaryDirectory("forge")
        defer { scratch.remove() }
        let head = try git(registry, ["rev-parse", "refs/promptreg/state"])
        var event = try require(try JSONSerialization.jsonObject(with: Data(try git(registry, ["cat-file", "blob", "\(head):event.json"]).utf8)) as? [String: Any])
        event["seq"] = (event["seq"] as? Int ?? 0) + 1
        event["time"] = ISO8601DateFormatter().string(from: Date())
        event["actor"] = "mallory"
        edit(&event)
        var files = files
        files["event.json"] = try JSONSerialization.data(withJSONObject: event, options: [.sortedKeys])
        // The head's tree with the files written, through a scratch index.
        let index = ["GIT_INDEX_FILE": scratch.join("index")]
        try git(registry, ["read-tree", "\(head)^{tree}"], environment: index)
        for (path, bytes) in files.sorted(by: { $0.key < $1.key }) {
            let file = scratch.join(UUID().uuidString)
            try bytes.write(to: URL(fileURLWithPath: file))
            let blob = try git(registry, ["hash-object", "-w", file])
            try git(registry, ["update-index", "--add", "--cacheinfo", "100644,\(blob),\(path)"], environment: index)
        }
        let tree = try git(registry, ["write-tree"], environment: index)
        let commit: String
        switch signature {
        case .none:
            commit = try git(registry, ["commit-tree", tree, "-p", head, "-m", "forged"])
        case .key(let key), .tampered(let key):
            let stamp = "mallory <mallory@example.com> \(Int(Date().timeIntervalSince1970)) +0000"
            let headers = "tree \(tree)\nparent \(head)\nauthor \(stamp)\ncommitter \(stamp)\n"
            let signed = try SSHSignature.sign(Data((headers + "\nforged\n").utf8), with: key, namespace: SSHSignature.gitNamespace)
            var armored = Substring(signed.armored)
            while armored.hasSuffix("\n") { armored = armored.dropLast() }
            let message = if case .tampered = signature { "forged, then changed\n" } else { "forged\n" }
            let object = headers + "gpgsig " + armored.replacingOccurrences(of: "\n", with: "\n ") + "\n\n" + message
            let file = scratch.join("commit")
            try Data(object.utf8).write(to: URL(fileURLWithPath: file))
            commit = try git(registry, ["hash-object", "-t", "commit", "-w", file])
        }
        try git(registry, ["update-ref", "refs/promptreg/state", commit, head])
        return commit
    }

    /// The file of `bundle`'s pointer on `channel` in a state tree (see README "Storage layout").
    public static func pointerPath(_ channel: String, _ bundle: String) -> String {
        let digits = String(format: "%02x", Array(SHA256.hash(data: Data(bundle.utf8)))[0])
        return "channels/\(channel)/pointers/\(digits.prefix(1))/\(digits.suffix(1))/\(bundle)"
    }

    /// `git --git-dir=<registry> arguments...`; its standard output trimmed, or an error with its output.
    @discardableResult
    public static func git(_ registry: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "--git-dir=\(registry)"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ForgeryError(message: "git \(arguments.joined(separator: " ")): \(String(decoding: errors, as: UTF8.self))")
        }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A stock git step that failed.
    public struct ForgeryError: Error, CustomStringConvertible {
        /// What failed.
        public let message: String
        public var description: String { message }
    }

    /// `value` or a `ForgeryError` when it is nil.
    private static func require<T>(_ value: T?) throws -> T {
        guard let value else { throw ForgeryError(message: "the state head's event.json is not a JSON object") }
        return value
    }
}
