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
        /// Signed with this key, then the commit's author changed: a signature that does not match.
        case tampered(SigningKey)
    }

    /// Writes a state commit on top of the state head and moves the state ref to it (from the
    /// head, as `git update-ref NEW OLD`). Its tree is the head's with `files` (path to bytes)
    /// written and `removing` removed; its event is the head's (without the head's own document,
    /// channel, undo entry and proposal) with the next sequence number, actor `mallory` and time
    /// `time` (the commit's too), edited by `edit` (a JSON object: action, changes, signed_by...),
    /// its bytes then rewritten by `rewriteEvent`. Returns the commit id.
    @discardableResult
    public static func onState(
        _ registry: String, files: [String: Data] = [:], removing: [String] = [], signature: Signature, time: Date = Date(),
        rewriteEvent: (Data) -> Data = { $0 }, edit: (inout [String: Any]) -> Void
    ) throws -> String {
        let scratch = try TemporaryDirectory("forge")
        defer { scratch.remove() }
        let head = try git(registry, ["rev-parse", "refs/promptreg/state"])
        var event = try headEvent(registry)
        for key in ["document", "channel", "undo_seq", "proposal", "gate_override", "signed_by"] { event.removeValue(forKey: key) }
        event["seq"] = (event["seq"] as? Int ?? 0) + 1
        event["time"] = timestamp(time)
        event["actor"] = "mallory"
        edit(&event)
        var files = files
        files["event.json"] = try canonical(event)
        // The commit message promptreg gives the event, as a careful forger writes it.
        let message = (try? JSONDecoder().decode(StateEvent.self, from: files["event.json"]!))?.commitMessage ?? "forged\n"
        files["event.json"] = rewriteEvent(files["event.json"]!)
        // The head's tree with the files written, through a scratch index.
        let index = ["GIT_INDEX_FILE": scratch.join("index")]
        try git(registry, ["read-tree", "\(head)^{tree}"], environment: index)
        for path in removing {
            let entry = scratch.join(UUID().uuidString)
            try Data("0 0000000000000000000000000000000000000000\t\(path)\n".utf8).write(to: URL(fileURLWithPath: entry))
            try git(registry, ["update-index", "--index-info"], environment: index, input: entry)
        }
        for (path, bytes) in files.sorted(by: { $0.key < $1.key }) {
            let file = scratch.join(UUID().uuidString)
            try bytes.write(to: URL(fileURLWithPath: file))
            let blob = try git(registry, ["hash-object", "-w", file])
            try git(registry, ["update-index", "--add", "--cacheinfo", "100644,\(blob),\(path)"], environment: index)
        }
        let tree = try git(registry, ["write-tree"], environment: index)
        let commit: String
        let seconds = Int(time.timeIntervalSince1970)
        switch signature {
        case .none:
            let dates = ["GIT_COMMITTER_DATE": "\(seconds) +0000", "GIT_AUTHOR_DATE": "\(seconds) +0000"]
            let messageFile = scratch.join("message")
            try Data(message.utf8).write(to: URL(fileURLWithPath: messageFile))
            commit = try git(registry, ["commit-tree", tree, "-p", head, "-F", messageFile], environment: dates)
        case .key(let key), .tampered(let key):
            let stamp = "mallory <mallory@example.com> \(seconds) +0000"
            let headers = "tree \(tree)\nparent \(head)\nauthor \(stamp)\ncommitter \(stamp)\n"
            let signed = try SSHSignature.sign(Data((headers + "\n" + message).utf8), with: key, namespace: SSHSignature.gitNamespace)
            var armored = Substring(signed.armored)
            while armored.hasSuffix("\n") { armored = armored.dropLast() }
            // Tampered: the author changed after signing, so the signature no longer matches.
            let written = if case .tampered = signature { headers.replacingOccurrences(of: "author mallory", with: "author eve") } else { headers }
            let object = written + "gpgsig " + armored.replacingOccurrences(of: "\n", with: "\n ") + "\n\n" + message
            let file = scratch.join("commit")
            try Data(object.utf8).write(to: URL(fileURLWithPath: file))
            commit = try git(registry, ["hash-object", "-t", "commit", "-w", file])
        }
        try git(registry, ["update-ref", "refs/promptreg/state", commit, head])
        return commit
    }

    /// A forged move of `channel` of `bundle` to `version` (with `digest` and, on the canary,
    /// `traffic`), written exactly as promptreg writes one (the pointer stamped with the event, an
    /// undo entry for a promote, the event listing the change), so that only its signature and
    /// what it is allowed to do can be wrong. Returns the commit id.
    @discardableResult
    public static func move(
        _ registry: String, channel: String, bundle: String, to version: String, digest: String, traffic: Double? = nil,
        action: String = "promote", signature: Signature, time: Date = Date(), edit: (inout [String: Any]) -> Void = { _ in },
        rewriteEvent: (Data) -> Data = { $0 }
    ) throws -> String {
        let path = pointerPath(channel, bundle)
        let head = try git(registry, ["rev-parse", "refs/promptreg/state"])
        let old = try? JSONSerialization.jsonObject(with: Data(try git(registry, ["cat-file", "blob", "\(head):\(path)"]).utf8)) as? [String: Any]
        let seq = (try headEvent(registry)["seq"] as? Int ?? 0) + 1
        var pointer: [String: Any] = ["format": "promptreg.pointer/v1", "version": version, "digest": digest, "seq": seq, "time": timestamp(time), "actor": "mallory"]
        if let traffic { pointer["traffic"] = traffic }
        var files = [path: try canonical(pointer)]
        if action == "promote" || action == "approve" {
            var move: [String: Any] = ["bundle": bundle, "to": pointer]
            if let old { move["from"] = old }
            let padded = String(repeating: "0", count: 12 - String(seq).count) + String(seq)
            files["channels/\(channel)/undo/\(padded)"] = try canonical(["format": "promptreg.undo/v1", "seq": seq, "moves": [move]])
        }
        return try onState(registry, files: files, signature: signature, time: time, rewriteEvent: rewriteEvent) { event in
            event["action"] = action
            var change: [String: Any] = ["bundle": bundle, "channel": channel, "to": target(pointer)]
            if let old { change["from"] = target(old) }
            event["changes"] = [change]
            edit(&event)
        }
    }

    /// A pointer's version, digest and traffic, as a change names them.
    private static func target(_ pointer: [String: Any]) -> [String: Any] {
        pointer.filter { ["version", "digest", "traffic"].contains($0.key) }
    }

    /// The state head's event, as JSON.
    public static func headEvent(_ registry: String) throws -> [String: Any] {
        try require(try JSONSerialization.jsonObject(with: Data(try git(registry, ["cat-file", "blob", "refs/promptreg/state:event.json"]).utf8)) as? [String: Any])
    }

    /// `object` in promptreg's canonical JSON (sorted keys, no whitespace, slashes unescaped).
    public static func canonical(_ object: Any) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// `date` as promptreg stores times: `2026-12-04T10:00:00Z`.
    public static func timestamp(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    /// The file of `bundle`'s pointer on `channel` in a state tree (see README "Storage layout").
    public static func pointerPath(_ channel: String, _ bundle: String) -> String {
        let digits = String(format: "%02x", Array(SHA256.hash(data: Data(bundle.utf8)))[0])
        return "channels/\(channel)/pointers/\(digits.prefix(1))/\(digits.suffix(1))/\(bundle)"
    }

    /// `git --git-dir=<registry> arguments...` (standard input from the file `input`); its standard
    /// output trimmed, or an error with its output.
    @discardableResult
    public static func git(_ registry: String, _ arguments: [String], environment: [String: String] = [:], input: String? = nil) throws -> String {
        let process = Process()
        if let input { process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: input)) }
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
