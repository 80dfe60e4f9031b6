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

    /// The loose file of object `id` in the registry at `registry`, after turning every pack there
    /// into loose objects (promptreg writes packs), so a test can damage that one object's file.
    public static func looseFile(_ id: String, in registry: String) throws -> String {
        try unpackAll(in: registry)
        return "\(registry)/objects/\(id.prefix(2))/\(id.dropFirst(2))"
    }

    /// Replaces every pack of the repository at `registry` with loose objects: each pack is moved
    /// out of `objects/pack` (stock git skips objects it already has) and fed to `git unpack-objects`.
    public static func unpackAll(in registry: String) throws {
        let packDirectory = "\(registry)/objects/pack"
        let packs = (try FileManager.default.contentsOfDirectory(atPath: packDirectory)).filter { $0.hasSuffix(".pack") }
        for pack in packs {
            let moved = NSTemporaryDirectory() + "unpack-\(UUID().uuidString).pack"
            try FileManager.default.moveItem(atPath: "\(packDirectory)/\(pack)", toPath: moved)
            try FileManager.default.removeItem(atPath: "\(packDirectory)/\(pack.dropLast(5)).idx")
            defer { try? FileManager.default.removeItem(atPath: moved) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["git", "-C", registry, "unpack-objects", "-q"]
            process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: moved))
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: moved])
            }
        }
    }
}

/// Runs the built `promptreg` executable as a real process.
public enum CLI {
    /// What a finished process left.
    public struct Result: Sendable {
        /// Exit status.
        public let status: Int32
        /// Standard output.
        public let stdout: String
        /// Standard error.
        public let stderr: String
    }

    /// The executable: $PROMPTREG_BIN, else `promptreg` beside the test bundle in the build directory.
    public static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["PROMPTREG_BIN"] { return path }
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL.deletingLastPathComponent(),
            Bundle.main.bundleURL,
        ].map { $0.appendingPathComponent("promptreg").path }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            fatalError("promptreg not built; looked at \(candidates)")
        }
        return found
    }()

    /// Starts `promptreg arguments...` without waiting; output goes to files read by `finish`.
    public static func start(
        _ arguments: [String], environment: [String: String] = [:], directory: String? = nil
    ) throws -> RunningProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["PROMPTREG_REGISTRY"] = nil
        env["PROMPTREG_ACTOR"] = nil
        env.merge(environment) { _, new in new }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return RunningProcess(process: process, out: out, err: err)
    }

    /// Runs `promptreg arguments...` to completion.
    public static func run(
        _ arguments: [String], environment: [String: String] = [:], directory: String? = nil
    ) throws -> Result {
        try start(arguments, environment: environment, directory: directory).finish()
    }

    /// A started process.
    public final class RunningProcess: @unchecked Sendable {
        /// The process.
        public let process: Process
        let out: Pipe
        let err: Pipe

        init(process: Process, out: Pipe, err: Pipe) {
            self.process = process
            self.out = out
            self.err = err
        }

        /// Waits for the process and returns what it left.
        public func finish() -> Result {
            let stdout = out.fileHandleForReading.readDataToEndOfFile()
            let stderr = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return Result(
                status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                stderr: String(decoding: stderr, as: UTF8.self))
        }
    }
}

/// Runs stock `git` (only to check that a registry is a plain git repository).
public enum StockGit {
    /// `git --git-dir=<registry> arguments...`: status and combined output.
    public static func run(_ registry: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "--git-dir=\(registry)"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// A small seeded random generator (SplitMix64), so a failing fuzz or stress run can be replayed.
public struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    /// A generator starting from `seed`.
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random edits of text, for fuzzing parsers.
public enum Mutation {
    /// Characters that matter to YAML, JSON and Mustache, plus a few hostile ones.
    static let interesting: [String] = [
        "&", "*", "[", "]", "{", "}", ":", "-", "!", "|", ">", "%", "@", "`", "\"", "'", "#", "\n", "\t", " ", ",", "\\",
        "\u{0}", "\u{202E}", "{{", "}}", "{{#x}}", "{{/x}}", "&a ", "*a", "!!binary ", "~", "null", "1e999", "-1", "..", "é",
    ]

    /// `text` with one to four random edits: a flipped byte, a deleted or duplicated range, or an
    /// inserted token.
    public static func mutate(_ text: String, using random: inout SeededRandom) -> String {
        var bytes = Array(text.utf8)
        for _ in 0..<Int.random(in: 1...4, using: &random) where !bytes.isEmpty {
            let position = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<4, using: &random) {
            case 0: bytes[position] ^= UInt8(1 << Int.random(in: 0..<8, using: &random))
            case 1: bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...16, using: &random)))
            case 2:
                let end = min(bytes.count, position + Int.random(in: 1...32, using: &random))
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            default: bytes.insert(contentsOf: Array(interesting.randomElement(using: &random)!.utf8), at: position)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A value shared between threads, guarded by a lock.
public final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    /// Wraps `value`.
    public init(_ value: Value) { self.value = value }

    /// Runs `body` with exclusive access to the value.
    public func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
