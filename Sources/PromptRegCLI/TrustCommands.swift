import ArgumentParser
import Foundation
import PromptRegistry

/// `promptreg key`: signing keys.
struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Make an Ed25519 signing key (OpenSSH format) for signed writes.",
        discussion: """
            Writes are signed with --sign-with FILE, else $PROMPTREG_SIGNING_KEY, else the registry's git config promptreg.signingKey. An existing ~/.ssh/id_ed25519 without a passphrase works too.

            Examples:
              promptreg key generate ~/.ssh/promptreg_ed25519 --comment alice@example.com
              git --git-dir .promptreg config promptreg.signingKey ~/.ssh/promptreg_ed25519
            """,
        subcommands: [KeyGenerateCommand.self])
}

/// `promptreg key generate`.
struct KeyGenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Write a new key pair: PATH (private, mode 0600) and PATH.pub.",
        discussion: """
            Never overwrites a file. The public line (PATH.pub) is what a trust policy's signers list.

            Example:
              promptreg key generate ~/.ssh/promptreg_ed25519 --comment alice@example.com
            """)

    @Argument(help: ArgumentHelp("Where to write the private key.", valueName: "path"))
    var path = "~/.ssh/promptreg_ed25519"

    @Option(name: .long, help: ArgumentHelp("The comment on the public key line, e.g. your e-mail address.", valueName: "text"))
    var comment = ""

    @OptionGroup var output: OutputOptions

    func run() throws {
        let file = (path as NSString).expandingTildeInPath
        let key = SigningKey.generate(comment: comment)
        if FileManager.default.fileExists(atPath: file + ".pub") {
            throw PromptRegError(.conflict, "\(file).pub exists already; nothing was written", fix: "choose another path, or remove the old pair first")
        }
        try key.write(to: file)
        try key.writePublicKey(to: file + ".pub")
        if output.json {
            return try Output.json(["private_key": file, "public_key": file + ".pub", "line": key.publicKeyLine, "fingerprint": key.publicKey.fingerprint])
        }
        Output.line("wrote \(file) and \(file).pub (\(key.publicKey.fingerprint))")
        Output.line(key.publicKeyLine)
    }
}

/// `promptreg policy`: the trust policy.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Show or set the trust policy: signers, admins, protected channels, approvals, rollback signers.",
        discussion: """
            See README "Trust and approvals". The first policy may be set by anyone who can write the registry; a later one must be signed by an admin of the current one.

            Examples:
              promptreg policy set trust.yaml --sign-with ~/.ssh/promptreg_ed25519 -m "protect prod"
              promptreg policy show --json
            """,
        subcommands: [PolicyShowCommand.self, PolicySetCommand.self])
}

/// `promptreg policy show`.
struct PolicyShowCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show the trust policy in force.",
        discussion: """
            With --allowed-signers, prints the signers as an OpenSSH allowed_signers file (for git's gpg.ssh.allowedSignersFile and for resolve --trust).

            Examples:
              promptreg policy show --json
              promptreg policy show --allowed-signers
            """)

    @Flag(name: .long, help: "Print the signers as an allowed_signers file.")
    var allowedSigners = false

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        guard let policy = try registry.trustPolicy() else {
            throw PromptRegError(.notFound, "this registry has no trust policy: anyone who can write it may move any channel", fix: "set one with 'promptreg policy set FILE -m ...'")
        }
        if allowedSigners { return Output.raw(policy.allowedSignersText) }
        if output.json { return try Output.json(policy) }
        Output.line("signers:")
        for signer in policy.signers {
            let window = [signer.validAfter.map { "after \($0)" }, signer.validBefore.map { "before \($0)" }].compactMap { $0 }.joined(separator: ", ")
            let fingerprint = (try? SSHPublicKey(line: signer.key).fingerprint) ?? "unreadable key"
            Output.line("  \(signer.principal)  \(fingerprint)\(window.isEmpty ? "" : "  (\(window))")")
        }
        Output.line("admins: \(policy.admins.joined(separator: ", "))")
        for (channel, rule) in policy.channels.sorted(by: { $0.key < $1.key }) {
            Output.line(
                "\(channel): \(rule.protected ? "protected, \(rule.approvals) approval(s)" : "not protected"); rollback signers: \(rule.rollbackSigners.isEmpty ? "none" : rule.rollbackSigners.joined(separator: ", "))")
        }
    }
}

/// `promptreg policy set`.
struct PolicySetCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Set the trust policy from a YAML file (one signed, audited state commit).",
        discussion: """
            FILE holds signers (principal, key, optional valid_after / valid_before as YYYYMMDD[HHMM[SS]][Z]), admins, and channels with protected, approvals and rollback_signers. The whole file is checked before anything is written. Schema: schemas/trust-policy.schema.json.

            Example:
              promptreg policy set trust.yaml --sign-with ~/.ssh/promptreg_ed25519 -m "protect prod"
            """)

    @Argument(help: ArgumentHelp("The policy file (YAML or JSON).", valueName: "file"))
    var file: String

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw PromptRegError(.notFound, "cannot read \(file)", fix: "give the path of the policy file", subject: .init(file: file))
        }
        let policy = try TrustPolicy.read(yaml: String(decoding: data, as: UTF8.self), file: file)
        let event = try registry.setTrustPolicy(policy, message: write.message(or: "set trust policy"), actor: try write.prepare(registry))
        if output.json { return try Output.json(event) }
        Output.line("trust policy set (seq \(event.seq)): \(policy.signers.count) signer(s), admins \(policy.admins.joined(separator: ", "))")
    }
}
