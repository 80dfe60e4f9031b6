import Foundation

/// Where a remote operation finds what it offers a server and what it trusts, read from git config
/// and the environment when the operation starts (README "Across machines").
struct RemoteSettings {
    /// The ssh-agent's socket (`SSH_AUTH_SOCK`) when it names one that exists.
    let agentSocket: String?
    /// The ssh key files to offer after the agent: the one `PROMPTREG_SSH_KEY` or git config
    /// `promptreg.sshKey` names, else those of ssh's defaults (`~/.ssh/id_ed25519`, `id_ecdsa`,
    /// `id_rsa`) that exist.
    let sshKeyFiles: [String]
    /// The known_hosts files: git config `promptreg.knownHosts` (where new lines go) when set, then
    /// `~/.ssh/known_hosts`.
    let knownHosts: KnownHosts
    /// True when an unknown host key may be trusted on first use and recorded (the operation asked
    /// for it, or git config `promptreg.acceptNewHostKey` is true); a changed one never is.
    let acceptsNewHostKey: Bool
    /// git's `credential.helper` values in git's order, after the last empty one (which resets the list).
    let credentialHelpers: [String]
    /// git's `credential.useHttpPath`: helpers are told the URL's path too.
    let credentialsUseHTTPPath: Bool
    /// A token for http(s) from the environment (`PROMPTREG_HTTP_TOKEN`), with the user name to
    /// send it as (`PROMPTREG_HTTP_USER`; nil for the URL's, else `x-access-token`).
    let httpToken: (user: String?, token: String)?

    /// Reads the settings that apply to `repository`'s remotes; `acceptingNewHostKey` opts this
    /// operation in to trusting an unknown ssh host key.
    init(_ repository: GitRepository, acceptingNewHostKey: Bool = false) throws {
        let environment = ProcessInfo.processInfo.environment
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        let nonEmpty: (String) -> String? = { key in environment[key].flatMap { $0.isEmpty ? nil : $0 } }

        agentSocket = nonEmpty("SSH_AUTH_SOCK").flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
        if let named = try nonEmpty("PROMPTREG_SSH_KEY").map({ Self.expand($0, home: home) }) ?? repository.configPath("promptreg.sshKey") {
            sshKeyFiles = [named]
        } else {
            sshKeyFiles = ["id_ed25519", "id_ecdsa", "id_rsa"].map { "\(home)/.ssh/\($0)" }
                .filter { FileManager.default.fileExists(atPath: $0) }
        }
        let configured = try repository.configPath("promptreg.knownHosts")
        knownHosts = KnownHosts(files: (configured.map { [$0] } ?? []) + ["\(home)/.ssh/known_hosts"])
        acceptsNewHostKey = try acceptingNewHostKey || repository.configFlag("promptreg.acceptNewHostKey") == true
        let helpers = try repository.configValues("credential.helper")
        credentialHelpers = Array(helpers.split(separator: "", omittingEmptySubsequences: false).last ?? [])
        credentialsUseHTTPPath = try repository.configFlag("credential.useHttpPath") == true
        httpToken = nonEmpty("PROMPTREG_HTTP_TOKEN").map { (nonEmpty("PROMPTREG_HTTP_USER"), $0) }
    }

    /// `path` with a leading `~/` replaced by `home`.
    private static func expand(_ path: String, home: String) -> String {
        path.hasPrefix("~/") ? home + path.dropFirst() : path
    }
}
