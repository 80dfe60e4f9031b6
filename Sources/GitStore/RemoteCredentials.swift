import CLibGit2
import Foundation

/// What a remote operation offers a server that asks for credentials, one source at a time.
///
/// libgit2 asks again each time the server refuses what was offered; every source is offered at
/// most once, and once all were refused the next request throws `.auth` naming what was tried, so
/// an operation never loops. ssh: the agent's keys, then the key files (`RemoteSettings`); the user
/// name from the URL, else the local user. http(s): the URL's `user:password` (libgit2 sends those
/// itself, before asking), then git's credential helpers (`get`; `store` once the server took
/// their answer, `erase` when it refused it), then the token from the environment.
final class RemoteCredentials {
    private let url: RemoteURL
    private let settings: RemoteSettings
    /// What this operation offered, in order, for the error that says so (no secrets).
    private var tried: [String] = []
    private var sshOffers: [SSHOffer]?
    private var httpOffers: [HTTPOffer]?
    /// The http(s) answer the server has now, until it is accepted or refused.
    private var pending: HTTPAnswer?

    /// Credentials for `url` found through `settings`.
    init(url: RemoteURL, settings: RemoteSettings) {
        self.url = url
        self.settings = settings
    }

    /// Makes the next credential of a type in `allowed` (libgit2's `GIT_CREDENTIAL_*` bits) in
    /// `out`, for the user named by the URL (`usernameFromURL`). Throws `.auth` for `operation`
    /// when nothing is left to offer.
    func next(
        _ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>?, usernameFromURL: String?, allowed: UInt32, _ operation: String
    ) throws {
        let user = usernameFromURL ?? url.user
        if allowed & GIT_CREDENTIAL_SSH_KEY.rawValue != 0 {
            try nextSSH(out, user: user ?? Self.localUser, operation)
        } else if allowed & GIT_CREDENTIAL_USERNAME.rawValue != 0 {
            try check(git_credential_username_new(out, user ?? Self.localUser), operation)
        } else if allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue != 0 {
            try nextHTTP(out, user: user, operation)
        } else {
            throw GitError(
                code: .auth, message: "the server asks for a kind of credentials promptreg cannot give (types \(allowed))",
                operation: operation)
        }
    }

    /// After the server accepted the operation's credentials: a helper's answer is stored back
    /// (`store`), as git does.
    func accepted() {
        defer { pending = nil }
        guard let pending, pending.fromHelper else { return }
        runHelpers("store", pending.fields)
    }

    /// After the server refused the operation's last credentials: a helper's answer is erased
    /// (`erase`), as git does.
    func refused() {
        defer { pending = nil }
        guard let pending, pending.fromHelper else { return }
        runHelpers("erase", pending.fields)
    }

    /// What was tried, for messages: e.g. `the ssh-agent's keys, the key /root/.ssh/id_ed25519`.
    var triedDescription: String { tried.isEmpty ? "nothing (no credentials found)" : tried.joined(separator: ", ") }

    // MARK: ssh

    private enum SSHOffer {
        case agent
        case file(String)
    }

    private func nextSSH(_ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>?, user: String, _ operation: String) throws {
        if sshOffers == nil {
            sshOffers = (settings.agentSocket == nil ? [] : [.agent]) + settings.sshKeyFiles.map(SSHOffer.file)
        }
        guard let offer = sshOffers?.first else {
            let server = "the ssh server \(url.hostName(bracketed: false) ?? "")"
            throw GitError(
                code: .auth,
                message: tried.isEmpty
                    ? "\(server) asks for a key for user '\(user)' and there is none to offer: no ssh-agent is running "
                        + "and no key file was found (~/.ssh/id_ed25519, id_ecdsa or id_rsa, or the one configured)"
                    : "\(server) accepted none of the ssh keys offered for user '\(user)'; tried: \(triedDescription)",
                operation: operation)
        }
        sshOffers?.removeFirst()
        switch offer {
        case .agent:
            tried.append("the ssh-agent's keys")
            try check(git_credential_ssh_key_from_agent(out, user), operation)
        case .file(let file):
            guard let contents = FileManager.default.contents(atPath: file) else {
                tried.append("the key \(file) (missing or unreadable)")
                return try nextSSH(out, user: user, operation)
            }
            // libssh2 would stop the whole login at a key it cannot decrypt, before the next one.
            guard !Self.isEncrypted(contents) else {
                tried.append("the key \(file) (passphrase-protected: not read; add it to the ssh-agent)")
                return try nextSSH(out, user: user, operation)
            }
            tried.append("the key \(file)")
            let publicKey = file + ".pub"
            try check(
                git_credential_ssh_key_new(
                    out, user, FileManager.default.fileExists(atPath: publicKey) ? publicKey : nil, file, nil),
                operation)
        }
    }

    /// True for a private key file that needs a passphrase: a PEM key with an `ENCRYPTED` header,
    /// or an OpenSSH key (`openssh-key-v1`) whose cipher is not `none`.
    static func isEncrypted(_ contents: Data) -> Bool {
        let text = String(decoding: contents, as: UTF8.self)
        if text.contains("ENCRYPTED") { return true }
        let begin = "-----BEGIN OPENSSH PRIVATE KEY-----"
        guard let start = text.range(of: begin), let end = text.range(of: "-----END", range: start.upperBound..<text.endIndex),
            let body = Data(base64Encoded: text[start.upperBound..<end.lowerBound].filter { !$0.isWhitespace })
        else { return false }
        // The magic "openssh-key-v1\0", then the cipher's name as a length-prefixed string.
        let bytes = [UInt8](body)
        let magic = 15
        guard bytes.count > magic + 4 else { return false }
        let length = bytes[magic..<(magic + 4)].reduce(0) { $0 << 8 | Int($1) }
        guard magic + 4 + length <= bytes.count else { return false }
        return String(decoding: bytes[(magic + 4)..<(magic + 4 + length)], as: UTF8.self) != "none"
    }

    /// The user this process runs as: ssh's default login name.
    private static var localUser: String {
        ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? NSUserName()
    }

    // MARK: http(s)

    private enum HTTPOffer {
        case helpers
        case token
    }

    /// A user name and password offered to an http(s) server, with the helper protocol's fields.
    private struct HTTPAnswer {
        let user: String
        let password: String
        let fromHelper: Bool
        let base: [(String, String)]
        var fields: [(String, String)] { base + [("username", user), ("password", password)] }
    }

    private func nextHTTP(_ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>?, user: String?, _ operation: String) throws {
        if tried.isEmpty, let urlUser = url.user, url.password != nil {
            // libgit2 sent the URL's own user and password first: the server refused them.
            tried.append("user '\(urlUser)' with the password from the URL")
        }
        // Asked again while the server had our last answer: it refused that answer.
        if pending != nil { refused() }
        if httpOffers == nil {
            httpOffers = (settings.credentialHelpers.isEmpty ? [] : [.helpers]) + (settings.httpToken == nil ? [] : [.token])
        }
        while let offer = httpOffers?.first {
            httpOffers?.removeFirst()
            let answer: HTTPAnswer?
            switch offer {
            case .helpers:
                answer = askHelpers(user: user)
                let names = settings.credentialHelpers.map(Self.name(ofHelper:)).joined(separator: ", ")
                tried.append(
                    "git's credential helper\(settings.credentialHelpers.count == 1 ? "" : "s") \(names)"
                        + (answer.map { ": user '\($0.user)'" } ?? ": no answer"))
            case .token:
                let tokenUser = settings.httpToken?.user ?? user ?? "x-access-token"
                answer = settings.httpToken.map { HTTPAnswer(user: tokenUser, password: $0.token, fromHelper: false, base: []) }
                tried.append("the token from the environment as user '\(tokenUser)'")
            }
            guard let answer else { continue }
            pending = answer
            try check(git_credential_userpass_plaintext_new(out, answer.user, answer.password), operation)
            return
        }
        throw GitError(
            code: .auth,
            message: tried.isEmpty
                ? "the server asks for credentials (HTTP 401) and none were found; tried: \(triedDescription)"
                : "the server refused the credentials (HTTP 401); tried: \(triedDescription)",
            operation: operation)
    }

    /// The fields git's credential protocol describes this URL with.
    private var protocolFields: [(String, String)] {
        var fields = [("protocol", url.scheme ?? "https"), ("host", url.hostName(bracketed: false) ?? "")]
        if settings.credentialsUseHTTPPath, !url.path.isEmpty { fields.append(("path", url.path)) }
        return fields
    }

    /// The first user name and password a helper gives (`get`), as git asks them in turn.
    private func askHelpers(user: String?) -> HTTPAnswer? {
        let question = protocolFields + (user.map { [("username", $0)] } ?? [])
        for helper in settings.credentialHelpers {
            let reply = Self.run(helper: helper, "get", question)
            if let password = reply["password"], let answered = reply["username"] ?? user {
                return HTTPAnswer(user: answered, password: password, fromHelper: true, base: protocolFields)
            }
        }
        return nil
    }

    private func runHelpers(_ action: String, _ fields: [(String, String)]) {
        for helper in settings.credentialHelpers { _ = Self.run(helper: helper, action, fields) }
    }

    /// How a helper is named in messages: its first word (`store`, `cache`, a program's path), or
    /// "a shell command" for a `!` one (whose text may hold a secret).
    private static func name(ofHelper helper: String) -> String {
        helper.hasPrefix("!") ? "(a shell command)" : "'\(helper.split(separator: " ").first.map(String.init) ?? helper)'"
    }

    /// Runs credential helper `helper` with `action` as git does (`!command` through the shell, an
    /// absolute path as it is, else `git credential-NAME`), writes `fields` on its standard input
    /// and returns the `key=value` lines it printed. A helper that fails answers nothing.
    private static func run(helper: String, _ action: String, _ fields: [(String, String)]) -> [String: String] {
        let command =
            helper.hasPrefix("!") ? String(helper.dropFirst()) : helper.hasPrefix("/") ? helper : "git credential-\(helper)"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(command) \(action)"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return [:]
        }
        let text = fields.map { "\($0.0)=\($0.1)\n" }.joined() + "\n"
        try? input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
        try? input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return [:] }
        var reply: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            reply[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return reply
    }
}
