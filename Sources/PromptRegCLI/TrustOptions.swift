import ArgumentParser
import Foundation
import PromptRegistry

/// `--trust FILE`: the trust anchor of a host (README "Trust anchors"): the allowed_signers file
/// whose keys every state it reads, resolves, pulls, follows or serves must be signed by.
public struct TrustOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Refuse state this allowed_signers file does not trust (exit 68).",
            discussion:
                "Default: $PROMPTREG_TRUST, else git config promptreg.trust in the registry. Every state commit up to the one read must be signed by a key the file allows (the first trust policy's signed commit vouches for the history before it), be exactly what its event gives on its parent state, and be a change the trust policy in force before it let that signer make. Write the file with 'promptreg policy show --allowed-signers'.",
            valueName: "file"))
    public var trust: String?

    /// No file named yet (the parser fills it in).
    public init() {}
}

extension RegistryOptions {
    /// The environment variable that names a host's trust anchor.
    static let trustVariable = "PROMPTREG_TRUST"

    /// Opens the registry trusting `file` (an allowed_signers file), else the file
    /// `$PROMPTREG_TRUST` names, else the one the registry's git config `promptreg.trust` names;
    /// with none, as the registry's own trust policy says.
    func open(trust file: String?) throws -> Registry {
        let path = try registryPath()
        let named = file ?? ProcessInfo.processInfo.environment[Self.trustVariable].flatMap { $0.isEmpty ? nil : $0 }
        if let named { return try Registry.open(at: path, trusting: try AllowedSigners(contentsOf: named)) }
        let registry = try Registry.open(at: path)
        guard let configured = registry.configuredTrustPath() else { return registry }
        return try Registry.open(at: path, trusting: try AllowedSigners(contentsOf: configured))
    }

    /// The trust anchor `open(trust:)` would open the registry with, if any.
    public func trustAnchor(_ file: String?) throws -> AllowedSigners? {
        try open(trust: file).trustAnchor
    }
}

/// A command that reads with a host's trust anchor: `--trust`, else the environment or config.
protocol TrustingCommand: RegistryCommand {
    /// The `--trust` option.
    var trustOptions: TrustOptions { get }
}

extension TrustingCommand {
    func run() throws { try run(on: registryOptions.open(trust: trustOptions.trust)) }
}
