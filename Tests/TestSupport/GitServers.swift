import Foundation

#if canImport(Glibc)
    import Glibc
#endif

// Git servers on 127.0.0.1 for end-to-end tests of remotes: `git daemon` (git://), lighttpd
// running stock git's `git http-backend` (smart HTTP, or HTTPS with a self-signed certificate
// made by `openssl` at run time, optionally behind basic authentication) and OpenSSH's `sshd`
// (ssh, key-only), with an `ssh-agent` and a tinyproxy HTTP proxy beside them. Each listens on a
// free port chosen at run time (sshd on port 22 of another loopback address for scp-like URLs),
// runs in its own process group (so stopping it also stops the connection handlers, hooks
// and CGI programs it forked) and is stopped with SIGKILL: processes started from the test
// runner's threads may inherit a signal mask that blocks SIGTERM.

/// A git server serving the bare repositories under `basePath` on 127.0.0.1, pushes allowed.
public protocol GitServer: AnyObject {
    /// The directory whose bare repositories are served.
    var basePath: String { get }
    /// The loopback port it listens on (the same across `restart()`).
    var port: Int { get }
    /// The URL of repository `name` (a path relative to `basePath`, e.g. `upstream.git`).
    func url(for name: String) -> String
    /// Stops the server (and everything it started) and waits for it to exit. Does nothing when stopped.
    func stop()
    /// Starts the server again on the same port (after `stop()`, for outage tests), waiting until it
    /// accepts connections. Stops it first when it is running.
    func restart() throws
    /// True while the server process runs.
    var isRunning: Bool { get }
}

/// A server could not be started, or a helper command failed.
public struct GitServerError: Error, CustomStringConvertible {
    /// What went wrong.
    public let message: String
    /// Creates the error.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// `git daemon` serving `basePath` over git:// with receive-pack enabled:
/// `git daemon --reuseaddr --export-all --enable=receive-pack --base-path=BASE --listen=127.0.0.1 --port=PORT BASE`.
///
/// ```swift
/// let daemon = try GitDaemonServer(basePath: base)
/// defer { daemon.stop() }
/// let url = daemon.url(for: "upstream.git")      // git://127.0.0.1:PORT/upstream.git
/// ```
public final class GitDaemonServer: GitServer, @unchecked Sendable {
    public let basePath: String
    public let port: Int
    /// The daemon's output (stdout and stderr, appended across restarts).
    public let logPath: String
    private let lock = NSLock()
    private var process: ServerProcess?

    /// Starts the daemon on a free loopback port (or `port`) and waits (at most `timeout` seconds)
    /// until it accepts connections.
    public init(basePath: String, port: Int? = nil, timeout: TimeInterval = 10) throws {
        self.basePath = basePath
        self.port = try port ?? GitServers.freeLoopbackPort()
        logPath = (NSTemporaryDirectory() as NSString).appendingPathComponent("git-daemon-\(self.port)-\(UUID().uuidString.prefix(8)).log")
        try start(timeout: timeout)
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: logPath)
    }

    public func url(for name: String) -> String { "git://127.0.0.1:\(port)/\(name)" }

    public var isRunning: Bool { lock.withLock { process?.isRunning ?? false } }

    public func stop() {
        lock.withLock {
            process?.stop()
            process = nil
        }
    }

    public func restart() throws {
        stop()
        try start(timeout: 10)
    }

    private func start(timeout: TimeInterval) throws {
        // The daemon program itself rather than the `git` wrapper, so the process we watch is the
        // one that listens.
        let executable = "\(try GitServers.gitExecPath())/git-daemon"
        let arguments = [
            "--reuseaddr", "--export-all", "--enable=receive-pack", "--informative-errors",
            "--base-path=\(basePath)", "--listen=127.0.0.1", "--port=\(port)", basePath,
        ]
        let started = try ServerProcess.startListening(
            executable: executable, arguments: arguments, environment: [:], logPath: logPath, port: port, timeout: timeout,
            name: "git daemon")
        lock.withLock { process = started }
    }
}

/// lighttpd on 127.0.0.1 running stock git's `git http-backend` as a CGI program for the bare
/// repositories under `basePath` (smart HTTP, `GIT_PROJECT_ROOT=BASE`, `GIT_HTTP_EXPORT_ALL=1`),
/// over HTTPS when given a certificate (lighttpd's mod_openssl: Debian's `lighttpd-mod-openssl`).
/// Pushes need no authentication beyond `basicAuth` when given: `http.receivepack=true` is given to every `git http-backend` it
/// runs through git's `GIT_CONFIG_COUNT` environment (the same as setting it in each served
/// repository's config, without touching any repository), so a repository created after the
/// server started, or copied with stock git, is served read-write too.
///
/// ```swift
/// let http = try SmartHTTPServer(basePath: base)
/// defer { http.stop() }
/// let url = http.url(for: "upstream.git")        // http://127.0.0.1:PORT/git/upstream.git
///
/// let tls = try SmartHTTPServer(basePath: base, certificate: try SelfSignedCertificate.generate(in: dir))
/// let secure = tls.url(for: "upstream.git")     // https://127.0.0.1:PORT/git/upstream.git
/// ```
public final class SmartHTTPServer: GitServer, @unchecked Sendable {
    public let basePath: String
    public let port: Int
    /// The certificate it serves HTTPS with; nil for plain HTTP.
    public let certificate: SelfSignedCertificate?
    /// The user name and password HTTP basic authentication requires of every request; nil for none.
    public let basicAuth: (user: String, password: String)?
    /// A second user whose login is accepted and then refused access (403); nil for none.
    public let deniedUser: (user: String, password: String)?
    /// The directory holding lighttpd's configuration, error log (where `git http-backend`'s
    /// standard error goes too) and request-body spool; removed on deinit.
    public let configDirectory: String
    /// lighttpd's configuration file.
    public var configPath: String { "\(configDirectory)/lighttpd.conf" }
    /// lighttpd's error log, with `git http-backend`'s standard error.
    public var errorLogPath: String { "\(configDirectory)/error.log" }
    private let lock = NSLock()
    private var process: ServerProcess?

    /// Writes the configuration, starts lighttpd on a free loopback port (or `port`) in the
    /// foreground (`lighttpd -D -f CONF`) and waits (at most `timeout` seconds) until it accepts
    /// connections. With `certificate` it serves HTTPS only; with `basicAuth` every request needs
    /// that user and password (lighttpd's mod_auth, plain user file), else gets 401; `deniedUser`
    /// (with `basicAuth`) logs in and gets 403 (mod_access).
    public init(
        basePath: String, port: Int? = nil, certificate: SelfSignedCertificate? = nil,
        basicAuth: (user: String, password: String)? = nil, deniedUser: (user: String, password: String)? = nil,
        timeout: TimeInterval = 10
    ) throws {
        self.basePath = basePath
        self.port = try port ?? GitServers.freeLoopbackPort()
        self.certificate = certificate
        self.basicAuth = basicAuth
        self.deniedUser = deniedUser
        configDirectory = (NSTemporaryDirectory() as NSString).appendingPathComponent(
            "lighttpd-\(self.port)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: "\(configDirectory)/uploads", withIntermediateDirectories: true)
        let users = [basicAuth, deniedUser].compactMap { $0 }
        if !users.isEmpty {
            try users.map { "\($0.user):\($0.password)\n" }.joined()
                .write(toFile: "\(configDirectory)/users", atomically: true, encoding: .utf8)
        }
        try Self.configuration(
            basePath: basePath, port: self.port, directory: configDirectory,
            backend: try GitServers.gitExecPath() + "/git-http-backend", certificate: certificate,
            usersFile: users.isEmpty ? nil : "\(configDirectory)/users",
            deniedAuthorization: deniedUser.map { "Basic " + Data("\($0.user):\($0.password)".utf8).base64EncodedString() }
        )
        .write(toFile: configPath, atomically: true, encoding: .utf8)
        do {
            try start(timeout: timeout)
        } catch {
            try? FileManager.default.removeItem(atPath: configDirectory)
            throw error
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: configDirectory)
    }

    public func url(for name: String) -> String { "\(certificate == nil ? "http" : "https")://127.0.0.1:\(port)/git/\(name)" }

    public var isRunning: Bool { lock.withLock { process?.isRunning ?? false } }

    public func stop() {
        lock.withLock {
            process?.stop()
            process = nil
        }
    }

    public func restart() throws {
        stop()
        try start(timeout: 10)
    }

    /// The lighttpd binary: `$LIGHTTPD`, else the usual places, else `PATH`.
    public static func lighttpdExecutable() throws -> String {
        var candidates = ["/usr/sbin/lighttpd", "/usr/bin/lighttpd", "/usr/local/sbin/lighttpd", "/usr/local/bin/lighttpd"]
        if let explicit = ProcessInfo.processInfo.environment["LIGHTTPD"] { candidates.insert(explicit, at: 0) }
        candidates += (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/lighttpd" }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw GitServerError("lighttpd is not installed (run scripts/install-deps.sh, or apt-get install lighttpd)")
        }
        return found
    }

    /// The lighttpd configuration: mod_alias maps `/git` to the backend, mod_cgi runs it, mod_setenv
    /// gives it the project root; with `certificate`, mod_openssl serves the port over TLS; with
    /// `usersFile` (`user:password` lines), mod_auth requires basic authentication for `/git`; a
    /// request whose `Authorization` header is `deniedAuthorization` gets 403 (mod_access).
    static func configuration(
        basePath: String, port: Int, directory: String, backend: String, certificate: SelfSignedCertificate?,
        usersFile: String? = nil, deniedAuthorization: String? = nil
    ) -> String {
        func quoted(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        let tls = certificate.map {
            """
            server.modules += ( "mod_openssl" )
            ssl.engine = "enable"
            ssl.pemfile = \(quoted($0.certificatePath))
            ssl.privkey = \(quoted($0.keyPath))

            """
        } ?? ""
        let auth = usersFile.map {
            """
            auth.backend = "plain"
            auth.backend.plain.userfile = \(quoted($0))
            auth.require = ( "/git" => ( "method" => "basic", "realm" => "git", "require" => "valid-user" ) )
            \(deniedAuthorization.map { "$REQUEST_HEADER[\"Authorization\"] == \(quoted($0)) { url.access-deny = ( \"\" ) }" } ?? "")

            """
        } ?? ""
        return """
            server.modules = ( \(usersFile == nil ? "" : "\"mod_auth\", \"mod_authn_file\", \"mod_access\", ")"mod_alias", "mod_setenv", "mod_cgi" )
            server.bind = "127.0.0.1"
            server.port = \(port)
            server.document-root = \(quoted(basePath))
            server.errorlog = \(quoted("\(directory)/error.log"))
            server.upload-dirs = ( \(quoted("\(directory)/uploads")) )
            server.max-request-size = 0
            alias.url = ( "/git" => \(quoted(backend)) )
            cgi.assign = ( "" => "" )
            setenv.set-environment = (
                "GIT_PROJECT_ROOT" => \(quoted(basePath)),
                "GIT_HTTP_EXPORT_ALL" => "1",
                "GIT_CONFIG_COUNT" => "1",
                "GIT_CONFIG_KEY_0" => "http.receivepack",
                "GIT_CONFIG_VALUE_0" => "true"
            )
            \(auth)\(tls)
            """
    }

    private func start(timeout: TimeInterval) throws {
        let started = try ServerProcess.startListening(
            executable: try Self.lighttpdExecutable(), arguments: ["-D", "-f", configPath], environment: [:],
            logPath: "\(configDirectory)/stdout.log", port: port, timeout: timeout, name: "lighttpd")
        lock.withLock { process = started }
    }
}

/// A self-signed TLS certificate for 127.0.0.1 and its private key (PEM files), made by `openssl`.
/// The certificate is its own CA: a client trusts the server by taking `certificatePath` as its CA file.
public struct SelfSignedCertificate: Sendable {
    /// The certificate (PEM).
    public let certificatePath: String
    /// Its private key (PEM, unencrypted).
    public let keyPath: String

    /// Generates a fresh P-256 key and a certificate for it valid for two days, with subject
    /// `CN=127.0.0.1` and subject alternative names `names` (default `DNS:127.0.0.1` and
    /// `IP:127.0.0.1`: mbedTLS 2 matches the host against DNS names only), as
    /// `server-certificate.pem` and `server-key.pem` in `directory` (created when missing).
    public static func generate(in directory: String, names: [String] = ["DNS:127.0.0.1", "IP:127.0.0.1"]) throws -> SelfSignedCertificate {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let made = SelfSignedCertificate(
            certificatePath: (directory as NSString).appendingPathComponent("server-certificate.pem"),
            keyPath: (directory as NSString).appendingPathComponent("server-key.pem"))
        let result = try GitServers.tool("openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=\(names.joined(separator: ","))",
            "-keyout", made.keyPath, "-out", made.certificatePath,
        ])
        guard result.status == 0 else {
            throw GitServerError("openssl could not make a self-signed certificate (run scripts/install-deps.sh): \(result.output)")
        }
        return made
    }
}

/// Helpers for the repositories the servers serve.
public enum GitServers {
    /// Creates an empty bare repository `name` (default `upstream.git`) under `base` (created when
    /// missing) with stock git, and returns its path.
    @discardableResult
    public static func makeUpstream(in base: String, named name: String = "upstream.git") throws -> String {
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let path = (base as NSString).appendingPathComponent(name)
        let result = try git(["init", "--quiet", "--bare", path])
        guard result.status == 0 else { throw GitServerError("git init --bare \(path) failed: \(result.output)") }
        return path
    }

    /// Installs `hook` (default `pre-receive`) in the bare repository `repository`: a shell script
    /// that prints `message` to standard error and exits 1, so the server refuses every push.
    public static func installRefusingHook(in repository: String, message: String, hook: String = "pre-receive") throws {
        let escaped = message.replacingOccurrences(of: "'", with: "'\\''")
        try installHook(in: repository, hook: hook, script: "cat >/dev/null\necho '\(escaped)' >&2\nexit 1")
    }

    /// Installs the executable shell script `script` as hook `hook` of the bare repository `repository`.
    public static func installHook(in repository: String, hook: String, script: String) throws {
        let directory = "\(repository)/hooks"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = "\(directory)/\(hook)"
        try "#!/bin/sh\n\(script)\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }

    /// Removes hook `hook` of `repository` (nothing when there is none).
    public static func removeHook(in repository: String, hook: String = "pre-receive") {
        try? FileManager.default.removeItem(atPath: "\(repository)/hooks/\(hook)")
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now: bind a socket to port 0, read
    /// the port the kernel chose, close.
    public static func freeLoopbackPort() throws -> Int {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw GitServerError("socket() failed: \(String(cString: strerror(errno)))") }
        defer { close(socketFD) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(socketFD, address, length) == 0 && getsockname(socketFD, address, &length) == 0
            }
        }
        guard bound else { throw GitServerError("cannot bind a loopback socket: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// True when something accepts TCP connections on `address` (default 127.0.0.1):`port`.
    public static func acceptsConnections(port: Int, address host: String = "127.0.0.1") -> Bool {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { return false }
        defer { close(socketFD) }
        var address = loopback(port: port, address: host)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// Where stock git keeps its programs (`git --exec-path`), e.g. `/usr/lib/git-core`.
    public static func gitExecPath() throws -> String {
        let result = try git(["--exec-path"])
        let path = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.status == 0, !path.isEmpty else { throw GitServerError("git --exec-path failed: \(result.output)") }
        return path
    }

    /// Runs stock `git arguments...` (no `--git-dir`), optionally in `directory`: status and combined output.
    @discardableResult
    public static func git(_ arguments: [String], in directory: String? = nil) throws -> (status: Int32, output: String) {
        try tool("git", arguments, in: directory)
    }

    /// Runs `program arguments...`, found on `PATH`, optionally in `directory`: status and combined output.
    @discardableResult
    public static func tool(_ program: String, _ arguments: [String], in directory: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    fileprivate static func loopback(port: Int, address host: String = "127.0.0.1") -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr(host)
        return address
    }
}

/// A server process started with `posix_spawn` as the leader of a new process group, with an
/// empty signal mask and default signal dispositions, output appended to a log file.
final class ServerProcess {
    /// Its process id (and process group id).
    let pid: pid_t
    private var exited = false

    private init(pid: pid_t) { self.pid = pid }

    /// Starts `executable arguments...` (environment: this process's plus `environment`).
    static func spawn(executable: String, arguments: [String], environment: [String: String], logPath: String) throws -> ServerProcess {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var env = ProcessInfo.processInfo.environment
        for key in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES"] {
            env[key] = nil
        }
        env.merge(environment) { _, new in new }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw GitServerError("cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return ServerProcess(pid: pid)
    }

    /// Starts the server and waits until `address`:`port` accepts connections. When the process
    /// exits first (the port may still be held by a connection of the previous instance), starts it
    /// again until `timeout` seconds have passed.
    static func startListening(
        executable: String, arguments: [String], environment: [String: String], logPath: String, port: Int,
        address: String = "127.0.0.1", timeout: TimeInterval, name: String
    ) throws -> ServerProcess {
        let deadline = Date().addingTimeInterval(timeout)
        var process = try spawn(executable: executable, arguments: arguments, environment: environment, logPath: logPath)
        while true {
            if process.isRunning && GitServers.acceptsConnections(port: port, address: address) { return process }
            if Date() >= deadline {
                process.stop()
                let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                throw GitServerError("\(name) did not start listening on \(address):\(port) within \(Int(timeout)) s; its output:\n\(log)")
            }
            if !process.isRunning {
                process.stop()
                usleep(100_000)
                process = try spawn(executable: executable, arguments: arguments, environment: environment, logPath: logPath)
            } else {
                usleep(20_000)
            }
        }
    }

    /// True until the process has exited (reaps it when it has).
    var isRunning: Bool {
        if exited { return false }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid || (result < 0 && errno == ECHILD) { exited = true }
        return !exited
    }

    /// Sends SIGKILL to the process group (the server and everything it forked) and waits, at most
    /// 10 seconds, for the server to exit.
    func stop() {
        kill(-pid, SIGKILL)
        guard !exited else { return }
        kill(pid, SIGKILL)
        let deadline = Date().addingTimeInterval(10)
        while isRunning && Date() < deadline { usleep(5_000) }
    }
}

/// An OpenSSH key pair made by `ssh-keygen` (ed25519, no passphrase): `path` and `path.pub`.
public struct SSHKeyPair: Sendable {
    /// The private key file (mode 0600).
    public let path: String
    /// The public key file.
    public var publicKeyPath: String { path + ".pub" }
    /// The public key line (`ssh-ed25519 AAAA... comment`).
    public var publicKey: String {
        get throws { try String(contentsOfFile: publicKeyPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// Generates a key pair at `path` (its directory created when missing; an existing pair replaced).
    public static func generate(at path: String) throws -> SSHKeyPair {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.removeItem(atPath: path + ".pub")
        let result = try GitServers.tool("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "promptreg-test", "-f", path])
        guard result.status == 0 else { throw GitServerError("ssh-keygen could not make \(path): \(result.output)") }
        return SSHKeyPair(path: path)
    }

    /// The key's fingerprint as `ssh-keygen -lf` prints it (`SHA256:...`).
    public func fingerprint() throws -> String {
        let result = try GitServers.tool("ssh-keygen", ["-lf", publicKeyPath])
        guard result.status == 0, let field = result.output.split(separator: " ").dropFirst().first else {
            throw GitServerError("ssh-keygen -lf \(publicKeyPath) failed: \(result.output)")
        }
        return String(field)
    }
}

/// OpenSSH's `sshd` (Debian's `openssh-server`) on a loopback address, with its own
/// configuration, host key and authorized_keys in a temporary directory: key-only login as the
/// user the tests run as, whose login shell runs `git-upload-pack` / `git-receive-pack` on the
/// bare repositories under `basePath` (no `ForceCommand`). Run as `sshd -D -f CONFIG -e`.
///
/// ```swift
/// let client = try SSHKeyPair.generate(at: dir + "/client")
/// let ssh = try SSHServer(basePath: base, authorizedKeys: [try client.publicKey])
/// defer { ssh.stop() }
/// let url = ssh.url(for: "upstream.git")   // ssh://USER@127.0.0.1:PORT/BASE/upstream.git
/// ```
public final class SSHServer: GitServer, @unchecked Sendable {
    public let basePath: String
    public let port: Int
    /// The loopback address it listens on (127.0.0.1 unless told otherwise).
    public let address: String
    /// The user that logs in: the one the tests run as.
    public let user: String
    /// The directory of its configuration, host key, authorized_keys and log; removed on deinit.
    public let configDirectory: String
    /// The server's host key pair (replaced by `replaceHostKey()`).
    public var hostKey: SSHKeyPair { SSHKeyPair(path: "\(configDirectory)/host_key") }
    /// sshd's log (`-e`: its messages on standard error).
    public var logPath: String { "\(configDirectory)/sshd.log" }
    private let lock = NSLock()
    private var process: ServerProcess?

    /// Writes the configuration and a fresh host key, authorizes `authorizedKeys` (public key lines)
    /// and starts sshd on `address`:`port` (default a free port of 127.0.0.1), waiting at most
    /// `timeout` seconds until it accepts connections.
    public init(
        basePath: String, authorizedKeys: [String], address: String = "127.0.0.1", port: Int? = nil, timeout: TimeInterval = 10
    ) throws {
        self.basePath = basePath
        self.address = address
        self.port = try port ?? GitServers.freeLoopbackPort()
        user = ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? NSUserName()
        configDirectory = (NSTemporaryDirectory() as NSString).appendingPathComponent(
            "sshd-\(self.port)-\(UUID().uuidString.prefix(8))")
        do {
            _ = try SSHKeyPair.generate(at: "\(configDirectory)/host_key")
            try (authorizedKeys.joined(separator: "\n") + "\n").write(
                toFile: "\(configDirectory)/authorized_keys", atomically: true, encoding: .utf8)
            try configuration().write(toFile: "\(configDirectory)/sshd_config", atomically: true, encoding: .utf8)
            // sshd refuses to start without its privilege separation directory (created by the
            // package's service, which the tests do not run).
            try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
            try start(timeout: timeout)
        } catch {
            try? FileManager.default.removeItem(atPath: configDirectory)
            throw error
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: configDirectory)
    }

    /// `ssh://USER@ADDRESS:PORT/BASE/name`.
    public func url(for name: String) -> String { "ssh://\(user)@\(address):\(port)\(basePath)/\(name)" }

    /// The scp-like form, `USER@ADDRESS:BASE/name` (port 22 only: listen there for it).
    public func scpURL(for name: String) -> String { "\(user)@\(address):\(basePath)/\(name)" }

    /// The host as known_hosts names it: `ADDRESS` on port 22, else `[ADDRESS]:PORT`.
    public var knownHostsName: String { port == 22 ? address : "[\(address)]:\(port)" }

    public var isRunning: Bool { lock.withLock { process?.isRunning ?? false } }

    public func stop() {
        lock.withLock {
            process?.stop()
            process = nil
        }
    }

    public func restart() throws {
        stop()
        try start(timeout: 10)
    }

    /// Gives the server a new host key and restarts it (what a client sees as a changed key).
    public func replaceHostKey() throws {
        stop()
        _ = try SSHKeyPair.generate(at: hostKey.path)
        try start(timeout: 10)
    }

    /// The sshd_config: one listen address, key-only login, no PAM, no pid file, the test's own files.
    private func configuration() -> String {
        """
        ListenAddress \(address):\(port)
        HostKey \(configDirectory)/host_key
        AuthorizedKeysFile \(configDirectory)/authorized_keys
        PidFile none
        StrictModes no
        UsePAM no
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        PubkeyAuthentication yes
        PermitRootLogin prohibit-password
        MaxAuthTries 20
        LogLevel VERBOSE

        """
    }

    private func start(timeout: TimeInterval) throws {
        let started = try ServerProcess.startListening(
            executable: "/usr/sbin/sshd", arguments: ["-D", "-e", "-f", "\(configDirectory)/sshd_config"], environment: [:],
            logPath: logPath, port: port, address: address, timeout: timeout, name: "sshd")
        lock.withLock { process = started }
    }
}

/// A test's own `ssh-agent` (`ssh-agent -D -a SOCKET`), stopped by its process id.
public final class SSHAgent: @unchecked Sendable {
    /// The agent's socket: what `SSH_AUTH_SOCK` names.
    public let socket: String
    private let directory: String
    private let process: ServerProcess

    /// Starts an agent with its socket in a fresh temporary directory and waits until it answers
    /// (`ssh-add -l` exits 1, "no identities", rather than 2, "cannot connect").
    public init(timeout: TimeInterval = 10) throws {
        directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("ssh-agent-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        socket = "\(directory)/agent.sock"
        process = try ServerProcess.spawn(
            executable: "/usr/bin/ssh-agent", arguments: ["-D", "-a", socket], environment: [:], logPath: "\(directory)/agent.log")
        let deadline = Date().addingTimeInterval(timeout)
        while try sshAdd(["-l"]) != 1 {
            guard Date() < deadline, process.isRunning else {
                stop()
                throw GitServerError("ssh-agent did not answer on \(socket) within \(Int(timeout)) s")
            }
            usleep(20_000)
        }
    }

    deinit { stop() }

    /// Adds the private key `key` to the agent (`ssh-add`).
    public func add(_ key: SSHKeyPair) throws {
        guard try sshAdd(["-q", key.path]) == 0 else { throw GitServerError("ssh-add \(key.path) failed") }
    }

    /// Runs `ssh-add arguments...` against this agent and returns its exit status.
    private func sshAdd(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-add")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["SSH_AUTH_SOCK": socket]) { _, new in new }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Stops the agent and removes its directory.
    public func stop() {
        process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// tinyproxy (Debian's `tinyproxy`) as an HTTP proxy on a free loopback port, in the foreground
/// (`tinyproxy -d -c CONF`), logging every connection it makes; stopped by its process id.
public final class HTTPProxy: @unchecked Sendable {
    /// The loopback port it listens on.
    public let port: Int
    private let directory: String
    private let process: ServerProcess

    /// Writes the configuration (clients from 127.0.0.1 only, CONNECT to any port) and starts
    /// tinyproxy, waiting at most `timeout` seconds until it accepts connections.
    public init(timeout: TimeInterval = 10) throws {
        port = try GitServers.freeLoopbackPort()
        directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("tinyproxy-\(port)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try """
            Port \(port)
            Listen 127.0.0.1
            Timeout 60
            LogFile "\(directory)/tinyproxy.log"
            LogLevel Connect
            MaxClients 20
            Allow 127.0.0.1

            """.write(toFile: "\(directory)/tinyproxy.conf", atomically: true, encoding: .utf8)
        let executable = ["/usr/bin/tinyproxy", "/usr/sbin/tinyproxy"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let executable else {
            throw GitServerError("tinyproxy is not installed (run scripts/install-deps.sh, or apt-get install tinyproxy)")
        }
        do {
            process = try ServerProcess.startListening(
                executable: executable, arguments: ["-d", "-c", "\(directory)/tinyproxy.conf"], environment: [:],
                logPath: "\(directory)/stdout.log", port: port, timeout: timeout, name: "tinyproxy")
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    deinit { stop() }

    /// `http://127.0.0.1:PORT`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// The CONNECT requests it has relayed so far (`CONNECT host:port` of each).
    public func tunnels() -> [String] {
        let log = (try? String(contentsOfFile: "\(directory)/tinyproxy.log", encoding: .utf8)) ?? ""
        return log.split(separator: "\n").compactMap { line in
            line.range(of: "CONNECT ", options: .backwards).flatMap { range -> String? in
                let target = line[range.upperBound...].split(separator: " ").first.map(String.init)
                return line.contains("Request") ? target : nil
            }
        }
    }

    /// Stops tinyproxy and removes its directory.
    public func stop() {
        process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
