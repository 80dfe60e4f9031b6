import Foundation
import PromptRegistry
import TestSupport
import Testing

// HTTPS remotes end to end: the seeded upstream of `SyncWorld` served over HTTPS by lighttpd
// (mod_openssl) with a self-signed certificate made at run time. promptreg refuses the server
// until its certificate is trusted as git trusts one (`http.sslCAInfo` in the registry's or the
// global git config, `GIT_SSL_CAINFO`), and a process that does not talk HTTPS never opens the
// system CA bundle (README "HTTPS remotes and certificates").

/// A `SyncWorld` whose upstream is also served over HTTPS with a fresh self-signed certificate.
final class HTTPSWorld {
    let world: SyncWorld
    /// The server's certificate: the CA file that trusts it.
    let certificate: SelfSignedCertificate
    let server: SmartHTTPServer

    /// With `basicAuth`, the server requires that user and password (HTTP basic authentication;
    /// `deniedUser` logs in and gets 403);
    /// the certificate has the subject alternative `names` given, or the default ones.
    init(
        basicAuth: (user: String, password: String)? = nil, deniedUser: (user: String, password: String)? = nil,
        names: [String]? = nil
    ) throws {
        world = try SyncWorld(label: "https")
        do {
            let directory = world.directory.join("tls")
            certificate = try names.map { try SelfSignedCertificate.generate(in: directory, names: $0) }
                ?? SelfSignedCertificate.generate(in: directory)
            server = try SmartHTTPServer(
                basePath: world.served, certificate: certificate, basicAuth: basicAuth, deniedUser: deniedUser)
        } catch {
            world.remove()
            throw error
        }
    }

    /// The upstream's https:// URL.
    var url: String { server.url(for: "upstream.git") }

    /// A clone of the upstream by path with remote `tls` at the https:// URL.
    func cloneWithTLSRemote() throws -> String {
        let clone = try world.freshClone()
        try Sync.run(["remote", "add", "tls", url], registry: clone)
        return clone
    }

    /// Moves the upstream one state ahead (support-agent 1.0.1 to prod, written through from the seed).
    func advanceUpstream() throws {
        try Sync.run(["promote", "support-agent@1.0.1", "prod", "-m", "ahead"], registry: world.seed)
    }

    /// Stops the server and removes everything.
    func remove() {
        server.stop()
        world.remove()
    }
}

@Suite("HTTPS remotes: certificates are verified, and the CA bundle is read only for HTTPS", .serialized)
struct HTTPSRemoteTests {
    @Test("an untrusted certificate is refused (69) saying so and naming the fix; nothing local changes")
    func untrustedCertificateIsRefused() throws {
        let https = try HTTPSWorld()
        defer { https.remove() }

        let target = https.world.directory.join("refused-clone")
        Self.expectUntrusted(try Self.promptreg(["clone", https.url, target], expect: 69))
        #expect(!FileManager.default.fileExists(atPath: target), "a refused clone left \(target)")

        let clone = try https.cloneWithTLSRemote()
        try https.advanceUpstream()
        let before = try Sync.fingerprint(clone, tracking: true)
        Self.expectUntrusted(try Self.promptreg(["pull", "tls", "--registry", clone], expect: 69))
        #expect(try Sync.fingerprint(clone, tracking: true) == before, "a refused pull changed the registry")
        #expect(try Sync.stateCommit(clone) != Sync.stateCommit(https.world.upstream))
    }

    @Test("http.sslCAInfo in the registry's git config trusts the certificate: pull lands the upstream's state")
    func trustedThroughRegistryConfig() throws {
        let https = try HTTPSWorld()
        defer { https.remove() }
        let clone = try https.cloneWithTLSRemote()
        try https.advanceUpstream()
        try Sync.git(clone, ["config", "http.sslCAInfo", https.certificate.certificatePath])
        try Self.promptreg(["pull", "tls", "--registry", clone])
        #expect(try Sync.stateCommit(clone) == Sync.stateCommit(https.world.upstream))
    }

    @Test("http.sslCAInfo in the global git config (~/ expanded) trusts the certificate for a clone")
    func trustedThroughGlobalConfig() throws {
        let https = try HTTPSWorld()
        defer { https.remove() }
        let home = https.world.directory.join("home")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: https.certificate.certificatePath, toPath: "\(home)/trusted-ca.pem")
        try Fixtures.write("[http]\n\tsslCAInfo = ~/trusted-ca.pem\n", to: "\(home)/.gitconfig")
        let target = https.world.directory.join("trusted-clone")
        try Self.promptreg(["clone", https.url, target], environment: ["HOME": home, "XDG_CONFIG_HOME": "\(home)/.config"])
        #expect(try Sync.stateCommit(target) == Sync.stateCommit(https.world.upstream))
    }

    @Test("GIT_SSL_CAINFO trusts the certificate: clone, then a write-through promote pushes over HTTPS")
    func trustedThroughEnvironment() throws {
        let https = try HTTPSWorld()
        defer { https.remove() }
        let trusted = ["GIT_SSL_CAINFO": https.certificate.certificatePath]
        let target = https.world.directory.join("env-clone")
        try Self.promptreg(["clone", https.url, target], environment: trusted)
        try Self.promptreg(["promote", "reply-verifier@1.0.1", "prod", "-m", "over https", "--registry", target], environment: trusted)
        #expect(try Sync.stateCommit(https.world.upstream) == Sync.stateCommit(target))
        #expect(try Sync.event(https.world.upstream)["message"] as? String == "over https")
    }

    @Test("only HTTPS opens a CA file: resolve and a write-through over a path never do; pull over https opens the one it trusts")
    func caBundleIsOpenedOnlyForHTTPS() throws {
        let bundle = try Self.libgit2DefaultCAFile()
        let https = try HTTPSWorld()
        defer { https.remove() }
        let clone = try https.cloneWithTLSRemote()
        let trace = https.world.directory.join("openat.trace")

        for command in [["resolve", "support-agent", "--json"], ["promote", "support-agent@1.0.1", "prod", "-m", "local"]] {
            let (status, opened) = try Self.traced(command + ["--registry", clone], trace: trace)
            #expect(status == 0, "\(command.joined(separator: " ")): exit \(status)")
            #expect(opened.contains { $0.contains("libgit2.so") }, "the trace shows no libgit2 load: \(opened)")
            #expect(!opened.contains(bundle), "\(command.joined(separator: " ")) opened \(bundle)")
        }

        let (refused, untrustedOpens) = try Self.traced(["pull", "tls", "--registry", clone], trace: trace)
        #expect(refused == 69)
        #expect(untrustedOpens.contains(bundle), "pull over https without a CA file of its own did not open \(bundle)")

        let (pulled, trustedOpens) = try Self.traced(
            ["pull", "tls", "--registry", clone], trace: trace,
            environment: ["GIT_SSL_CAINFO": https.certificate.certificatePath])
        #expect(pulled == 0)
        #expect(trustedOpens.contains(https.certificate.certificatePath))
        #expect(!trustedOpens.contains(bundle), "with GIT_SSL_CAINFO set, pull still opened \(bundle)")
    }

    @Test("a certificate that names 127.0.0.1 only as an IP address: the refusal says the name does not match and why")
    func nameMismatchSaysSo() throws {
        let https = try HTTPSWorld(names: ["IP:127.0.0.1"])
        defer { https.remove() }
        let result = try Self.promptreg(
            ["clone", https.url, https.world.directory.join("clone")], environment: ["GIT_SSL_CAINFO": https.certificate.certificatePath],
            expect: 69)
        for part in ["does not name 127.0.0.1", "DNS names only", "fix:"] {
            Sync.expectContains(result.stderr, part, "the refusal")
        }
        #expect(!result.stderr.contains("not trusted"), "a name mismatch was reported as an untrusted CA: \(result.stderr)")
    }

    @Test("the CA message says where the CA file came from: GIT_SSL_CAINFO, or http.sslCAInfo in which config")
    func caSourceIsNamed() throws {
        let https = try HTTPSWorld()
        defer { https.remove() }
        let other = try SelfSignedCertificate.generate(in: https.world.directory.join("other-ca"))
        let clone = try https.cloneWithTLSRemote()
        let fromEnvironment = try Self.promptreg(["pull", "tls", "--registry", clone], environment: ["GIT_SSL_CAINFO": other.certificatePath], expect: 69)
        for part in ["not trusted", other.certificatePath, "GIT_SSL_CAINFO in the environment", "wins over"] {
            Sync.expectContains(fromEnvironment.stderr, part, "the refusal")
        }
        try Sync.git(clone, ["config", "http.sslCAInfo", other.certificatePath])
        let fromConfig = try Self.promptreg(["pull", "tls", "--registry", clone], expect: 69)
        for part in ["not trusted", other.certificatePath, "http.sslCAInfo in the registry's git config"] {
            Sync.expectContains(fromConfig.stderr, part, "the refusal")
        }
    }

    /// Runs the built `promptreg arguments...` with `environment` over this process's, but with
    /// `GIT_SSL_CAINFO` empty (unset for promptreg, as for git) unless `environment` sets it, and
    /// expects exit `status`.
    @discardableResult
    private static func promptreg(
        _ arguments: [String], environment: [String: String] = [:], expect status: Int32 = 0,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> CLI.Result {
        let env = ["GIT_SSL_CAINFO": "", "PROMPTREG_ACTOR": "https-tester"].merging(environment) { _, new in new }
        let result = try CLI.run(arguments, environment: env)
        #expect(
            result.status == status,
            "promptreg \(arguments.joined(separator: " ")): exit \(result.status), expected \(status)\n\(result.stderr)",
            sourceLocation: sourceLocation)
        return result
    }

    /// Expects a refusal that says the certificate is not trusted and how to trust it.
    private static func expectUntrusted(_ result: CLI.Result, sourceLocation: SourceLocation = #_sourceLocation) {
        for part in ["not trusted", "http.sslCAInfo", "GIT_SSL_CAINFO"] {
            Sync.expectContains(result.stderr, part, "the refusal", sourceLocation: sourceLocation)
        }
    }

    /// The CA file compiled into libgit2 (its `GIT_DEFAULT_CERT_LOCATION`), as libgit2 finds it:
    /// the first existing absolute path naming certificates among the strings of the libgit2 the
    /// built `promptreg` loads (`ldd`).
    private static func libgit2DefaultCAFile() throws -> String {
        let linked = try GitServers.tool("ldd", [CLI.binary]).output
        let library = try #require(
            linked.split(separator: "\n").first { $0.contains("libgit2.so") }?.split(separator: " ")
                .first { $0.hasPrefix("/") }.map(String.init),
            "promptreg does not load libgit2: \(linked)")
        let strings = try Data(contentsOf: URL(fileURLWithPath: library)).split(separator: 0)
            .map { String(decoding: $0, as: UTF8.self) }
        return try #require(
            strings.first { $0.hasPrefix("/") && $0.contains("cert") && FileManager.default.fileExists(atPath: $0) },
            "no CA file path in \(library)")
    }

    /// Runs the built `promptreg arguments...` under `strace -f -e trace=open,openat` (trace written
    /// to `trace`): its exit status and every path it (or a child) tried to open.
    private static func traced(
        _ arguments: [String], trace: String, environment: [String: String] = [:]
    ) throws -> (status: Int32, opened: Set<String>) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["strace", "-f", "-qq", "-e", "trace=open,openat", "-o", trace, CLI.binary] + arguments
        var env = ProcessInfo.processInfo.environment
        env["PROMPTREG_REGISTRY"] = nil
        env["GIT_SSL_CAINFO"] = nil
        env["PROMPTREG_ACTOR"] = "https-tester"
        env.merge(environment) { _, new in new }
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let lines = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
        let opened = lines.compactMap { line -> String? in
            guard line.contains("open"), let start = line.firstIndex(of: "\"") else { return nil }
            let rest = line[line.index(after: start)...]
            return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
        }
        return (process.terminationStatus, Set(opened))
    }
}
