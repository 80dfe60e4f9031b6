import ArgumentParser
import Foundation
import PromptRegistry

/// `promptreg clone`.
struct CloneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clone",
        abstract: "Make a local registry that tracks a remote registry as its upstream.",
        discussion: """
            Creates PATH (default ./.promptreg) and fetches every version and the state from URL, which becomes remote 'origin' and the upstream every write goes through. URL is a path, file://, git://, http(s):// (smart HTTP), ssh://[user@]host[:port]/path or [user@]host:path (ssh, port 22). ssh keys come from the ssh-agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa (or only $PROMPTREG_SSH_KEY / git config promptreg.sshKey); the host key must be in ~/.ssh/known_hosts unless --accept-new-host-key. https credentials: the URL's, git's credential helpers, then $PROMPTREG_HTTP_TOKEN (user $PROMPTREG_HTTP_USER, default x-access-token). The remote's refs are fetched into refs/promptreg-remotes/origin/ and local refs only move forward. --trust-state pins a minimum: the remote's state must be that state or descend from it.

            Examples:
              promptreg clone git://git.example.com/prompts.git
              promptreg clone https://git.example.com/p.git ./p --trust-state 42:3f2a...
              promptreg clone ssh://git@git.example.com/prompts.git /srv/agent/.promptreg --trust /etc/agent/allowed_signers
            """)

    @Argument(help: ArgumentHelp("The remote registry.", valueName: "url"))
    var url: String

    @Argument(help: ArgumentHelp("Where to create the local registry.", valueName: "path"))
    var path: String = ".promptreg"

    @Option(name: .long, help: ArgumentHelp("Refuse a remote state older than this (SEQ:COMMIT).", valueName: "seq:commit"))
    var trustState: String?

    @OptionGroup var hostKey: HostKeyOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Trust only state this allowed_signers file trusts, now and in every later command on the clone.",
            discussion: "Default: $PROMPTREG_TRUST. Every state commit fetched is replayed and must be signed as the file demands (exit 68, nothing cloned); the file's absolute path is recorded as git config promptreg.trust in the clone.",
            valueName: "file"))
    var trust: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        let minimum = try trustState.map { text -> (seq: Int64, commit: String) in
            let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, let seq = Int64(parts[0]) else {
                throw PromptRegError(
                    .invalidInput, "--trust-state '\(text)' is not SEQ:COMMIT",
                    fix: "give the state sequence number and the 40-digit state commit, e.g. 42:3f2a... (from 'promptreg pull --json')")
            }
            return (seq, parts[1])
        }
        let anchorFile = (trust ?? ProcessInfo.processInfo.environment[RegistryOptions.trustVariable]).flatMap { $0.isEmpty ? nil : $0 }
        let anchorPath = anchorFile.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        let anchor = try anchorPath.map { try AllowedSigners(contentsOf: $0) }
        let (registry, status) = try Registry.clone(
            from: url, to: path, trusting: minimum, anchor: anchor, acceptingNewHostKey: hostKey.acceptNewHostKey)
        if let anchorPath { try registry.setConfiguredTrustPath(anchorPath) }
        if output.json { return try Output.json(status) }
        Output.line("cloned \(RemoteURLs.redacted(url)) into \(registry.path): state \(status.stateSeq) (\(status.stateCommit.prefix(12)))")
    }
}

/// `promptreg pull`.
struct PullCommand: TrustingCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Fetch from a remote and bring the local registry up to date.",
        discussion: """
            Fetches the remote's versions and state into refs/promptreg-remotes/REMOTE/, creates the version refs this registry lacks, and fast-forwards the local state. Local changes not yet pushed are re-applied on top. Every new state commit is replayed first: it must be exactly what its event gives on its parent, by a signer the trust policy in force before it allowed; with a trust anchor (--trust FILE, $PROMPTREG_TRUST or git config promptreg.trust), signed by a key the anchor allows. A remote whose state fails, went backwards or forked, or whose version differs from the local one, is refused (exit 68, naming the first bad commit) and nothing local changes: the host keeps its last trusted state.

            Examples:
              promptreg pull --json
              promptreg pull --trust /etc/promptreg/allowed_signers
            """)

    @Argument(help: ArgumentHelp("The remote (default: the upstream).", valueName: "remote"))
    var remote: String?

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var trustOptions: TrustOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        try SyncPrinter.print(try registry.pull(from: remote), json: output.json)
    }
}

/// `promptreg push`.
struct PushCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Send local versions and state that a remote lacks.",
        discussion: """
            Pulls first (so local changes are re-applied on top of the remote's newest state), creates the missing version refs on the remote (create-only), then moves the remote's state with compare-and-swap against the value just read. A server that refuses (a hook) is exit 76 with its message.

            Example:
              promptreg push origin
            """)

    @Argument(help: ArgumentHelp("The remote (default: the upstream).", valueName: "remote"))
    var remote: String?

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        try SyncPrinter.print(try registry.push(to: remote), json: output.json)
    }
}

/// Prints what a pull or a push did.
enum SyncPrinter {
    static func print(_ result: SyncResult, json: Bool) throws {
        if json { return try Output.json(result) }
        var line = "\(result.remote): \(result.outcome); state \(result.stateSeq) (\(result.stateCommit.prefix(12)))"
        if result.versions > 0 { line += ", \(result.versions) version ref(s)" }
        if result.reapplied > 0 { line += ", \(result.reapplied) local change(s) re-applied" }
        Output.line(line)
    }
}

/// `promptreg remote`.
struct RemoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote",
        abstract: "Add, list and remove remotes, and choose the upstream.",
        discussion: """
            Examples:
              promptreg remote add origin git://git.example.com/prompts.git
              promptreg remote set-upstream origin
              promptreg remote list --json
            """,
        subcommands: [RemoteAddCommand.self, RemoteListCommand.self, RemoteRemoveCommand.self, RemoteSetUpstreamCommand.self])
}

/// `promptreg remote add`.
struct RemoteAddCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a remote.",
        discussion: """
            Example:
              promptreg remote add origin https://git.example.com/prompts.git
            """)

    @Argument(help: ArgumentHelp("The remote's name.", valueName: "name"))
    var name: String

    @Argument(help: ArgumentHelp("Where it is: a path, file://, git://, http(s):// or ssh:// URL.", valueName: "url"))
    var url: String

    @OptionGroup var hostKey: HostKeyOptions
    @OptionGroup var registryOptions: RegistryOptions

    func run(on registry: Registry) throws {
        try registry.addRemote(name, url: url, acceptingNewHostKey: hostKey.acceptNewHostKey)
        Output.line("remote \(name) added: \(RemoteURLs.redacted(url)) (make it the upstream with 'promptreg remote set-upstream \(name)')")
    }
}

/// `--accept-new-host-key`: the explicit opt-in to trust an ssh server's host key on first use.
struct HostKeyOptions: ParsableArguments {
    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Trust an ssh server's host key that is not known yet, and add it to known_hosts.",
            discussion: "Check the fingerprint first. A key that differs from a known one is always refused. Without this flag (or git config promptreg.acceptNewHostKey true) an unknown key is refused with its fingerprint and the line to add."))
    var acceptNewHostKey = false
}

/// `promptreg remote list`.
struct RemoteListCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the remotes and which one is the upstream.",
        discussion: """
            Example:
              promptreg remote list --json
            """)

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run(on registry: Registry) throws {
        let remotes = try registry.remotes()
        if output.json { return try Output.json(remotes) }
        Output.table(["REMOTE", "URL", "UPSTREAM"], remotes.map { [$0.name, $0.url, $0.upstream ? "yes" : ""] })
    }
}

/// `promptreg remote remove`.
struct RemoteRemoveCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove a remote and what was fetched from it.",
        discussion: """
            Example:
              promptreg remote remove origin
            """)

    @Argument(help: ArgumentHelp("The remote's name.", valueName: "name"))
    var name: String

    @OptionGroup var registryOptions: RegistryOptions

    func run(on registry: Registry) throws {
        try registry.removeRemote(name)
        Output.line("remote \(name) removed")
    }
}

/// `promptreg remote set-upstream`.
struct RemoteSetUpstreamCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-upstream", abstract: "Make a remote the upstream every write goes through.",
        discussion: """
            Example:
              promptreg remote set-upstream origin
            """)

    @Argument(help: ArgumentHelp("The remote's name.", valueName: "name"))
    var name: String

    @OptionGroup var registryOptions: RegistryOptions

    func run(on registry: Registry) throws {
        try registry.setUpstream(name)
        Output.line("upstream: \(name); every write now goes through it (--offline writes locally only)")
    }
}
