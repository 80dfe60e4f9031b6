import Foundation
import PromptRegistry
import TestSupport
import Testing

// https credentials end to end: lighttpd with TLS and HTTP basic authentication in front of
// `git http-backend`; promptreg finds the user and password as git would (credential helpers,
// then a token from the environment; the URL's own first), stores and erases them through the
// helper as git does, and never prints a secret (README "Across machines", https).

@Suite("HTTPS credentials: git's credential helpers, an environment token, 401s, and no secret in any output", .serialized)
struct HTTPSCredentialTests {
    static let user = "alice"
    static let password = "pa55-Tok3n-s3cret-91c4"
    /// A user the server knows and refuses access (403).
    static let deniedUser = "bob"
    static let deniedPassword = "b0b-Tok3n-8d21"

    /// An HTTPS world whose server requires `user`/`password`, and promptreg's home directory
    /// (its global git config).
    final class World {
        let https: HTTPSWorld
        let home: String

        init() throws {
            https = try HTTPSWorld(
                basicAuth: (HTTPSCredentialTests.user, HTTPSCredentialTests.password),
                deniedUser: (HTTPSCredentialTests.deniedUser, HTTPSCredentialTests.deniedPassword))
            home = https.world.directory.join("home")
            do {
                try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
                try gitConfig([])
            } catch {
                https.remove()
                throw error
            }
        }

        /// Writes promptreg's global git config: the server's CA and `http` (`key = value` in
        /// `[http]`), then `lines` (in `[credential]`).
        func gitConfig(_ lines: [String], http: [String] = []) throws {
            var text = "[http]\n\tsslCAInfo = \(https.certificate.certificatePath)\n" + http.map { "\t\($0)\n" }.joined()
            if !lines.isEmpty { text += "[credential]\n" + lines.map { "\t\($0)\n" }.joined() }
            try Fixtures.write(text, to: "\(home)/.gitconfig")
        }

        /// `host:port` as git's credential protocol names the server.
        var host: String { "127.0.0.1:\(https.server.port)" }

        /// Runs the built `promptreg arguments...` with `HOME` at `home` and no token unless
        /// `environment` sets one, and expects exit `status`.
        @discardableResult
        func promptreg(
            _ arguments: [String], environment: [String: String] = [:], expect status: Int32 = 0,
            sourceLocation: SourceLocation = #_sourceLocation
        ) throws -> CLI.Result {
            let result = try CLI.run(arguments, environment: self.environment(environment))
            #expect(
                result.status == status,
                "promptreg \(arguments.joined(separator: " ")): exit \(result.status), expected \(status)\n\(result.stdout)\n\(result.stderr)",
                sourceLocation: sourceLocation)
            return result
        }

        /// promptreg's environment: `HOME` here, no CA or token from the test runner's, then `extra`.
        func environment(_ extra: [String: String] = [:]) -> [String: String] {
            [
                "HOME": home, "XDG_CONFIG_HOME": "\(home)/.config", "GIT_SSL_CAINFO": "", "PROMPTREG_HTTP_TOKEN": "",
                "PROMPTREG_HTTP_USER": "", "PROMPTREG_ACTOR": "https-tester",
            ].merging(extra) { _, new in new }
        }

        /// Clones over https and promotes through it (write-through): both reach the server.
        func cloneAndPromote(_ url: String? = nil, environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation)
            throws -> String
        {
            let clone = https.world.directory.join("clone-\(UUID().uuidString.prefix(6))")
            try promptreg(["clone", url ?? https.url, clone], environment: environment, sourceLocation: sourceLocation)
            #expect(try Sync.stateCommit(clone) == Sync.stateCommit(https.world.upstream), sourceLocation: sourceLocation)
            try promptreg(
                ["promote", "reply-verifier@1.0.1", "prod", "-m", "over https", "--registry", clone], environment: environment,
                sourceLocation: sourceLocation)
            #expect(try Sync.stateCommit(https.world.upstream) == Sync.stateCommit(clone), sourceLocation: sourceLocation)
            return clone
        }

        func remove() { https.remove() }
    }

    @Test("credential.helper 'store --file=...' answers: clone and a write-through promote over https; every helper gets store")
    func storeHelper() throws {
        let world = try World()
        defer { world.remove() }
        let store = world.https.world.directory.join("git-credentials")
        let log = world.https.world.directory.join("helper.log")
        try Fixtures.write("https://\(Self.user):\(Self.password)@\(world.host)\n", to: store)
        try world.gitConfig([
            "helper = store --file=\(store)",
            "helper = \"!f() { echo \\\"action=$1\\\" >> \(log); cat >> \(log); }; f\"",
        ])
        _ = try world.cloneAndPromote()
        let helperLog = try String(contentsOfFile: log, encoding: .utf8)
        Sync.expectContains(helperLog, "action=store", "the second helper's log")
        #expect(!helperLog.contains("action=get"), "the second helper was asked although the first answered")
        #expect(!helperLog.contains("action=erase"))
    }

    @Test("PROMPTREG_HTTP_TOKEN (with PROMPTREG_HTTP_USER) answers when no helper does")
    func environmentToken() throws {
        let world = try World()
        defer { world.remove() }
        _ = try world.cloneAndPromote(environment: ["PROMPTREG_HTTP_TOKEN": Self.password, "PROMPTREG_HTTP_USER": Self.user])
    }

    @Test("a wrong password from a helper and a wrong token: exit 69 saying the server refused them (401), the helper got erase")
    func wrongCredentials() throws {
        let world = try World()
        defer { world.remove() }
        let log = world.https.world.directory.join("helper.log")
        let wrong = "wr0ng-Pa55-77f1"
        try world.gitConfig([
            "helper = \"!f() { echo \\\"action=$1\\\" >> \(log); cat >> \(log); echo username=\(Self.user); echo password=\(wrong); }; f\""
        ])
        let target = world.https.world.directory.join("refused")
        let result = try world.promptreg(
            ["clone", world.https.url, target], environment: ["PROMPTREG_HTTP_TOKEN": "not-the-token-5e2"], expect: 69)
        for part in [
            "refused the credentials (HTTP 401)", "user '\(Self.user)'", "credential helper", "the token from the environment",
            world.https.url,
        ] {
            Sync.expectContains(result.stderr, part, "the refusal")
        }
        for secret in [wrong, "not-the-token-5e2"] {
            #expect(!(result.stdout + result.stderr).contains(secret), "a secret was printed: \(result.stderr)")
        }
        let helperLog = try String(contentsOfFile: log, encoding: .utf8)
        Sync.expectContains(helperLog, "action=get", "the helper's log")
        Sync.expectContains(helperLog, "action=erase", "the helper's log")
        Sync.expectContains(helperLog, "host=\(world.host)", "the helper's log")
        Sync.expectContains(helperLog, "password=\(wrong)", "what erase was given")
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test("a user the server knows but refuses (HTTP 403): exit 69 saying so and naming the user, not the token")
    func forbiddenUser() throws {
        let world = try World()
        defer { world.remove() }
        let result = try world.promptreg(
            ["clone", world.https.url, world.https.world.directory.join("refused")],
            environment: ["PROMPTREG_HTTP_TOKEN": Self.deniedPassword, "PROMPTREG_HTTP_USER": Self.deniedUser], expect: 69)
        for part in ["HTTP 403", "user '\(Self.deniedUser)'", world.https.url] {
            Sync.expectContains(result.stderr, part, "the refusal")
        }
        #expect(!result.stderr.contains(Self.deniedPassword))
    }

    @Test(
        "a session with the token in the URL prints it nowhere: clone, remote list (text and JSON), publish, promote, pull with the server down, follow, serve --follow"
    )
    func noSecretInAnyOutput() throws {
        let world = try World()
        defer { world.remove() }
        let url = world.https.url.replacingOccurrences(of: "https://", with: "https://\(Self.user):\(Self.password)@")
        var outputs: [(String, String)] = []
        func record(_ label: String, _ result: CLI.Result) { outputs.append((label, result.stdout + result.stderr)) }

        let clone = world.https.world.directory.join("clone")
        record("clone", try world.promptreg(["clone", url, clone]))
        #expect(try Sync.git(clone, ["config", "remote.origin.url"]) == url, "the stored URL is not the one given")
        record("remote list", try world.promptreg(["remote", "list", "--registry", clone]))
        record("remote list --json", try world.promptreg(["remote", "list", "--json", "--registry", clone]))
        Sync.expectContains(outputs.last!.1, "\(Self.user):***@", "remote list --json")
        record("remote add", try world.promptreg(["remote", "add", "second", url, "--registry", clone]))
        let bundle = try Sync.editedCopy("support-agent", in: world.https.world.directory, note: "Redaction note.")
        record("publish", try world.promptreg(["publish", bundle, "-m", "redacted", "--registry", clone]))
        record("promote", try world.promptreg(["promote", "reply-verifier@1.0.1", "prod", "-m", "redacted", "--registry", clone]))
        record("pull --json", try world.promptreg(["pull", "--json", "--registry", clone]))

        world.https.server.stop()
        record("pull, server down", try world.promptreg(["pull", "--registry", clone], expect: 69))
        record("pull --json, server down", try world.promptreg(["pull", "--json", "--registry", clone], expect: 69))
        record(
            "promote, server down",
            try world.promptreg(["promote", "support-agent@1.0.0", "prod", "-m", "down", "--registry", clone], expect: 69))
        Sync.expectContains(outputs.last!.1, "\(Self.user):***@", "the outage error")

        for json in [false, true] {
            let follow = try CLI.start(
                ["follow", "support-agent", "--interval", "1", "--registry", clone] + (json ? ["--json"] : []),
                environment: world.environment())
            defer { Self.stop(follow) }
            Thread.sleep(forTimeInterval: 3.5)
            let result = Self.stop(follow)
            Sync.expectContains(result.stderr, "stale", "follow's stale lines")
            record("follow\(json ? " --json" : "")", result)
        }

        let port = try GitServers.freeLoopbackPort()
        let serve = try CLI.start(
            ["serve", "--port", "\(port)", "--follow", "origin", "--interval", "1", "--registry", clone], environment: world.environment())
        defer { Self.stop(serve) }
        let deadline = Date().addingTimeInterval(20)
        while !GitServers.acceptsConnections(port: port) && Date() < deadline { usleep(50_000) }
        Thread.sleep(forTimeInterval: 2.5)
        let health = try GitServers.tool("curl", ["-s", "http://127.0.0.1:\(port)/healthz"]).output
        let metrics = try GitServers.tool("curl", ["-s", "http://127.0.0.1:\(port)/metrics"]).output
        record("serve", Self.stop(serve))
        outputs.append(("healthz", health))
        outputs.append(("metrics", metrics))
        Sync.expectContains(health, "***", "healthz's last error")

        for (label, text) in outputs {
            #expect(!text.contains(Self.password), "\(label) printed the token:\n\(text)")
        }
    }

    /// Stops a started promptreg by its process id (SIGTERM, then SIGKILL after 5 s) and returns
    /// what it printed; does nothing more when it has exited already.
    @discardableResult
    private static func stop(_ running: CLI.RunningProcess) -> CLI.Result {
        let process = running.process
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        return running.finish()
    }
}

@Suite("Proxies: http.proxy and https_proxy as git honours them, no_proxy skips them (tinyproxy on loopback)", .serialized)
struct ProxyTests {
    @Test("http.proxy in git config: clone and a write-through promote over https go through the proxy, with a token")
    func configuredProxy() throws {
        let world = try HTTPSCredentialTests.World()
        defer { world.remove() }
        let proxy = try HTTPProxy()
        defer { proxy.stop() }
        try world.gitConfig([], http: ["proxy = \(proxy.url)"])
        _ = try world.cloneAndPromote(
            environment: ["PROMPTREG_HTTP_TOKEN": HTTPSCredentialTests.password, "PROMPTREG_HTTP_USER": HTTPSCredentialTests.user])
        #expect(proxy.tunnels().contains(world.host), "the proxy relayed \(proxy.tunnels()), not \(world.host)")
    }

    @Test("https_proxy from the environment is used; a host no_proxy names connects directly")
    func environmentProxyAndNoProxy() throws {
        let world = try HTTPSCredentialTests.World()
        defer { world.remove() }
        let proxy = try HTTPProxy()
        defer { proxy.stop() }
        let token = ["PROMPTREG_HTTP_TOKEN": HTTPSCredentialTests.password, "PROMPTREG_HTTP_USER": HTTPSCredentialTests.user]
        let clone = world.https.world.directory.join("clone")
        try world.promptreg(["clone", world.https.url, clone], environment: token.merging(["https_proxy": proxy.url]) { $1 })
        let relayed = proxy.tunnels().count
        #expect(relayed > 0, "https_proxy was not used")
        try world.promptreg(
            ["pull", "--registry", clone], environment: token.merging(["https_proxy": proxy.url, "no_proxy": "127.0.0.1"]) { $1 })
        #expect(proxy.tunnels().count == relayed, "no_proxy did not skip the proxy: \(proxy.tunnels())")
    }
}
