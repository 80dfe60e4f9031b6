import ArgumentParser
import Foundation
import PromptRegistry

/// `--registry`: where the registry is, for every command that uses one.
struct RegistryOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Path of the registry (a bare git repository).",
            discussion: "Default: $PROMPTREG_REGISTRY, else the nearest .promptreg directory here or in a parent.",
            valueName: "path"))
    var registry: String?

    /// The registry path these options and the environment name.
    func registryPath() throws -> String {
        if let registry { return registry }
        if let fromEnvironment = ProcessInfo.processInfo.environment["PROMPTREG_REGISTRY"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        var directory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL
        while true {
            let candidate = directory.appendingPathComponent(".promptreg").path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), isDirectory.boolValue {
                return candidate
            }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { break }
            directory = parent
        }
        throw PromptRegError(
            .notFound, "no registry: no --registry, no PROMPTREG_REGISTRY and no .promptreg directory here or above",
            fix: "create one with 'promptreg init', or pass --registry PATH")
    }

    /// Opens the registry.
    func open() throws -> Registry { try Registry.open(at: registryPath()) }
}

/// `--actor`: who is recorded for a write.
struct ActorOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Who is recorded as making this change.",
            discussion: "Default: $PROMPTREG_ACTOR, else the git identity (user.name <user.email>), else the OS user.",
            valueName: "name"))
    var actor: String?

    /// The actor for a write to `registry` (whose git config may name an identity).
    func resolve(for registry: Registry?) -> String {
        if let actor, !actor.isEmpty { return actor }
        if let fromEnvironment = ProcessInfo.processInfo.environment["PROMPTREG_ACTOR"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        if let identity = registry?.configuredIdentity() { return identity }
        if let user = getpwuid(getuid())?.pointee.pw_name { return String(cString: user) }
        return ProcessInfo.processInfo.environment["USER"] ?? "unknown"
    }
}

/// `--json`: machine-readable output.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false
}

/// Writing results to standard output.
enum Output {
    /// Prints `value` as pretty, key-sorted JSON.
    static func json(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    /// Prints rows as columns padded to their widest cell.
    static func table(_ header: [String], _ rows: [[String]]) {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        for row in all {
            let cells = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            print(cells.joined(separator: "  "))
        }
    }
}
