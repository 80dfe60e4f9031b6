import Crypto
import Foundation
import PromptRegistry

/// A directory under the system temporary directory, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    /// Its path.
    public let path: String

    /// Creates a fresh, empty directory.
    public init(_ label: String = "promptreg-test") throws {
        let base = (NSTemporaryDirectory() as NSString).appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        path = base
    }

    /// `path/relative`.
    public func join(_ relative: String) -> String { (path as NSString).appendingPathComponent(relative) }

    /// Deletes the directory and everything in it.
    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The example bundles in `registry/` and ways to make edited copies of them.
public enum Fixtures {
    /// The package root (where Package.swift is).
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// The names of the example bundles.
    public static let exampleNames = ["support-triage", "support-agent", "reply-verifier"]

    /// Path of an example bundle.
    public static func example(_ name: String) -> String { "\(packageRoot)/registry/\(name)" }

    /// Copies example `name` into `directory/copyName` and returns the copy's path.
    public static func copy(_ name: String, into directory: TemporaryDirectory, as copyName: String? = nil) throws -> String {
        let destination = directory.join(copyName ?? name)
        try FileManager.default.copyItem(atPath: example(name), toPath: destination)
        return destination
    }

    /// Replaces `old` by `new` in `file` (which must contain it).
    public static func edit(_ file: String, replacing old: String, with new: String) throws {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        precondition(text.contains(old), "\(file) does not contain \(old)")
        try text.replacingOccurrences(of: old, with: new).write(toFile: file, atomically: true, encoding: .utf8)
    }

    /// Writes `text` to `file`.
    public static func write(_ text: String, to file: String) throws {
        try text.write(toFile: file, atomically: true, encoding: .utf8)
    }
}

/// Every file of a directory tree with the SHA-256 of its bytes: equal fingerprints mean the tree
/// is byte-for-byte unchanged (same refs, same objects, same config).
public enum Fingerprint {
    /// The fingerprint of the tree at `path`.
    public static func of(_ path: String) -> [String: String] {
        var result: [String: String] = [:]
        guard let enumerator = FileManager.default.enumerator(atPath: path) else { return result }
        while let relative = enumerator.nextObject() as? String {
            let full = (path as NSString).appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            let data = FileManager.default.contents(atPath: full) ?? Data()
            result[relative] = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        }
        return result
    }
}

/// A registry in a temporary directory with the example release published once.
public struct TestRegistry {
    /// The temporary directory holding the registry and any bundle copies.
    public let directory: TemporaryDirectory
    /// The registry.
    public let registry: Registry

    /// Creates an empty registry, and publishes the examples when `publishExamples` is true.
    public init(publishExamples: Bool = true) throws {
        directory = try TemporaryDirectory()
        registry = try Registry.create(at: directory.join("registry.git"), actor: "tester")
        if publishExamples {
            for name in Fixtures.exampleNames {
                _ = try registry.publish(directory: Fixtures.example(name), message: "first release", actor: "tester")
            }
        }
    }

    /// The registry's path.
    public var path: String { registry.path }

    /// Removes everything.
    public func remove() { directory.remove() }
}

extension TestRegistry {
    /// Publishes a patch release of example `name` whose system prompt gains `line`; returns its version.
    @discardableResult
    public func publishPatch(_ name: String, adding line: String) throws -> SemanticVersion {
        let copy = try Fixtures.copy(name, into: directory, as: "\(name)-\(UUID().uuidString.prefix(6))")
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let system = "\(copy)/prompts/system.mustache"
        try Fixtures.write(try String(contentsOfFile: system, encoding: .utf8) + line + "\n", to: system)
        return try registry.publish(directory: copy, message: line, actor: "tester").version
    }

    /// The `PromptReg` state ref and every version ref, for "state unchanged" checks.
    public var fingerprint: [String: String] { Fingerprint.of(path) }
}

/// Where git keeps a loose object.
public enum GitObjectPath {
    /// The git object id (SHA-1) of a blob holding `data`.
    public static func blobID(_ data: Data) -> String {
        Insecure.SHA1.hash(data: Data("blob \(data.count)\0".utf8) + data).map { String(format: "%02x", $0) }.joined()
    }
}
