import ArgumentParser
import Foundation
import PromptRegistry

/// `--registry`: where the registry is, for every command that uses one. Accepted before the
/// subcommand too (`promptreg --registry R list`), as with git and kubectl.
public struct RegistryOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Path of the registry (a bare git repository).",
            discussion: "Default: $PROMPTREG_REGISTRY, else the nearest .promptreg directory here or in a parent.",
            valueName: "path"))
    var registry: String?

    /// No registry named yet (the parser fills it in).
    public init() {}

    /// The registry path these options or the environment name; nil when neither does.
    func explicitPath() -> String? {
        if let registry { return registry }
        if let fromEnvironment = ProcessInfo.processInfo.environment["PROMPTREG_REGISTRY"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return nil
    }

    /// The registry path: explicit, else the nearest `.promptreg` here or above.
    public func registryPath() throws -> String {
        if let explicit = explicitPath() { return explicit }
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
            fix: "create one, or name an existing one", remedy: .createRegistry(path: nil))
    }

    /// Opens the registry.
    func open() throws -> Registry { try open(trust: nil) }
}

/// `--message` and `--actor`: what every write records.
struct WriteOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("Why (recorded in the audit log).", valueName: "text"))
    var message: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Who is recorded as making this change.",
            discussion: "Default: $PROMPTREG_ACTOR, else the git identity (user.name <user.email>), else the OS user.",
            valueName: "name"))
    var actor: String?

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Write this registry only, even when it has an upstream.", discussion: "A later 'promptreg push' sends the change."))
    var offline = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Sign the commits this write makes with this ed25519 private key (OpenSSH format).",
            discussion: "Default: $PROMPTREG_SIGNING_KEY, else the registry's git config promptreg.signingKey; with none, commits are unsigned. 'promptreg key generate' makes a key. A public key file (KEY.pub) signs through the ssh-agent at $SSH_AUTH_SOCK, which must hold its private half, so the key can stay encrypted.",
            valueName: "file"))
    var signWith: String?

    /// Sets `registry` to write offline when asked and to sign with the key given, and returns who
    /// the write is recorded as: --actor, $PROMPTREG_ACTOR, else the registry's git identity or
    /// the OS user.
    func prepare(_ registry: Registry) throws -> String {
        registry.offline = offline
        if let path = signingKeyPath(registry) {
            registry.signingKey = try Self.signingKey(at: (path as NSString).expandingTildeInPath)
        }
        if let actor, !actor.isEmpty { return actor }
        if let fromEnvironment = ProcessInfo.processInfo.environment["PROMPTREG_ACTOR"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return registry.defaultActor()
    }

    /// The key at `path`: a private key file, or a public key file (`KEY.pub`) whose private half
    /// the ssh-agent at `$SSH_AUTH_SOCK` holds.
    static func signingKey(at path: String) throws -> SigningKey {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), text.hasPrefix(SSHPublicKey.keyType + " ") else {
            return try SigningKey.read(from: path)
        }
        guard let socket = ProcessInfo.processInfo.environment["SSH_AUTH_SOCK"], !socket.isEmpty else {
            throw PromptRegError(
                .invalidInput, "\(path) is a public key: signing with it needs the ssh-agent that holds its private half, and SSH_AUTH_SOCK is not set",
                fix: "start the agent and add the key (eval \"$(ssh-agent)\"; ssh-add KEYFILE), or sign with the private key file")
        }
        return try SigningKey.agentHeld(publicKeyLine: text.trimmingCharacters(in: .whitespacesAndNewlines), socket: socket)
    }

    /// The message given, or `fallback`.
    func message(or fallback: String) -> String { message ?? fallback }

    /// --sign-with, else $PROMPTREG_SIGNING_KEY, else the registry's `promptreg.signingKey`.
    private func signingKeyPath(_ registry: Registry) -> String? {
        if let signWith, !signWith.isEmpty { return signWith }
        if let fromEnvironment = ProcessInfo.processInfo.environment["PROMPTREG_SIGNING_KEY"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return registry.configuredSigningKeyPath()
    }
}

/// `--json`: machine-readable output, on standard output and, for errors, on standard error.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of text (errors too, on standard error).")
    var json = false
}

/// A command that works on an opened registry: it gets the registry and never opens one itself.
protocol RegistryCommand: ParsableCommand {
    /// Where the registry is.
    var registryOptions: RegistryOptions { get }
    /// Runs the command on the opened registry.
    func run(on registry: Registry) throws
}

extension RegistryCommand {
    func run() throws { try run(on: registryOptions.open()) }
}
