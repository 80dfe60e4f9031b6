import Foundation

#if canImport(Glibc)
    import Glibc
#endif

// Processes for the sync benchmark: a timed runner that keeps standard error for the failure
// message, and the two loopback git servers (`git daemon`, lighttpd running `git http-backend`).

/// One finished child process of the sync benchmark.
struct SyncRun {
    /// Exit status (128 + signal when killed by one).
    let status: Int32
    /// Wall time from spawn to reaped, in milliseconds.
    let milliseconds: Double
    /// Standard output, trimmed.
    let output: String
}

/// Runs processes for the sync benchmark with posix_spawn and waitpid, like `Spawn`, with a fixed
/// environment (no proxies, a git identity, no terminal prompts) and standard error kept in a
/// file so a failure can say why.
struct SyncRunner {
    /// Where each process's standard error goes (truncated per process).
    let stderrPath: String
    /// `KEY=VALUE` for every child.
    let environment: [String]

    init(stderrPath: String) {
        self.stderrPath = stderrPath
        var env = ProcessInfo.processInfo.environment
        // Everything stays on 127.0.0.1: no proxy may take the HTTP requests elsewhere, and no
        // inherited repository or registry selection may redirect a command.
        for key in [
            "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "GIT_PROXY_COMMAND",
            "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
            "PROMPTREG_REGISTRY",
        ] { env[key] = nil }
        env["no_proxy"] = "127.0.0.1"
        env["GIT_TERMINAL_PROMPT"] = "0"
        env["PROMPTREG_ACTOR"] = "bench"
        for role in ["AUTHOR", "COMMITTER"] {
            env["GIT_\(role)_NAME"] = "bench"
            env["GIT_\(role)_EMAIL"] = "bench@127.0.0.1"
        }
        environment = env.map { "\($0.key)=\($0.value)" }.sorted()
    }

    /// Runs `arguments` (looked up in PATH); standard input is /dev/null, standard output is
    /// captured. Never throws: the caller checks the status.
    func run(_ arguments: [String]) -> SyncRun {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var outPipe: [Int32] = [-1, -1]
        guard pipe(&outPipe) == 0 else { return SyncRun(status: -1, milliseconds: 0, output: "") }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_addclose(&actions, outPipe[0])
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        ProcessGroup.resetSignals(&attributes, newGroup: false)
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid: pid_t = 0
        let start = DispatchTime.now().uptimeNanoseconds
        let spawned = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
        close(outPipe[1])
        var bytes: [UInt8] = []
        if spawned == 0 {
            var buffer = [UInt8](repeating: 0, count: 8192)
            while true {
                let count = read(outPipe[0], &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                bytes += buffer[0..<count]
            }
        }
        close(outPipe[0])
        guard spawned == 0 else {
            try? "cannot start \(arguments[0]): \(String(cString: strerror(spawned)))".write(
                toFile: stderrPath, atomically: false, encoding: .utf8)
            return SyncRun(status: -1, milliseconds: 0, output: "")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return SyncRun(
            status: exitStatus, milliseconds: milliseconds,
            output: String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Runs `arguments` and throws, with its standard error, unless it exits 0.
    @discardableResult
    func must(_ arguments: [String]) throws -> SyncRun {
        let result = run(arguments)
        guard result.status == 0 else {
            let errors = ((try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            throw BenchError(
                "\(arguments.map(Self.quoted).joined(separator: " ")) exited \(result.status)"
                    + (errors.isEmpty ? "" : ":\n\(errors)") + (result.output.isEmpty ? "" : "\nstdout: \(result.output)"))
        }
        return result
    }

    static func quoted(_ argument: String) -> String {
        argument.allSatisfy({ $0.isLetter || $0.isNumber || "-_./:@=+,".contains($0) }) ? argument : "'\(argument)'"
    }
}

/// Spawn attributes shared by the runner and the servers.
enum ProcessGroup {
    /// An empty signal mask and default dispositions (a child of a Swift program may otherwise
    /// inherit a blocked SIGTERM), and optionally a new process group led by the child.
    static func resetSignals(_ attributes: inout posix_spawnattr_t, newGroup: Bool) {
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if newGroup { flags |= POSIX_SPAWN_SETPGROUP }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        if newGroup { posix_spawnattr_setpgroup(&attributes, 0) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
    }
}

/// A server process on 127.0.0.1, leader of its own process group (so stopping it also stops
/// the connection handlers and CGI programs it forked). Stopped with SIGKILL and reaped with
/// waitpid, at the latest when it is deinitialised.
final class LoopbackServer {
    /// What it is, for messages ("git daemon", "lighttpd").
    let name: String
    /// The port it listens on.
    let port: Int
    /// Its process id (and process group id).
    let pid: pid_t
    /// Its standard output and error.
    let logPath: String
    private var reaped = false

    private init(name: String, port: Int, pid: pid_t, logPath: String) {
        self.name = name
        self.port = port
        self.pid = pid
        self.logPath = logPath
    }

    deinit { stop() }

    /// Starts `executable` with `arguments(port)` on a free loopback port (or on `fixedPort`) and
    /// waits (at most 10 s) until it accepts connections; `prepare(port)` runs before each start
    /// (e.g. writes a configuration). A server that exits first (another process took the port) is
    /// tried again on another port, three times in all (once only on a fixed port).
    static func start(
        name: String, executable: String, logPath: String, environment: [String], fixedPort: Int? = nil,
        prepare: (Int) throws -> Void = { _ in }, arguments: (Int) -> [String]
    ) throws -> LoopbackServer {
        var lastLog = ""
        for _ in 0..<(fixedPort == nil ? 3 : 1) {
            let port = try fixedPort ?? freePort()
            try prepare(port)
            let pid = try ChildProcess.spawn(
                name: name, executable: executable, arguments: arguments(port), stdout: logPath, stderr: nil, environment: environment)
            let server = LoopbackServer(name: name, port: port, pid: pid, logPath: logPath)
            let deadline = Date().addingTimeInterval(10)
            while server.isRunning && Date() < deadline {
                if acceptsConnections(port: port) { return server }
                usleep(10_000)
            }
            server.stop()
            lastLog = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        }
        throw BenchError("\(name) did not start listening on 127.0.0.1 (\(fixedPort.map { "port \($0)" } ?? "three ports tried")); its output:\n\(lastLog)")
    }

    /// True until the process has exited (reaps it when it has).
    var isRunning: Bool {
        if reaped { return false }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid || (result < 0 && errno == ECHILD) { reaped = true }
        return !reaped
    }

    /// SIGKILL to the whole process group, then waits for the server itself. Idempotent.
    func stop() {
        kill(-pid, SIGKILL)
        guard !reaped else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        reaped = true
    }

    /// A port on 127.0.0.1 nothing listens on now: bind port 0, read what the kernel chose, close.
    static func freePort() throws -> Int {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw BenchError("socket() failed: \(String(cString: strerror(errno)))") }
        defer { close(socketFD) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(socketFD, address, length) == 0 && getsockname(socketFD, address, &length) == 0
            }
        }
        guard bound else { throw BenchError("cannot bind a loopback socket: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// True when something accepts TCP connections on 127.0.0.1:`port`.
    static func acceptsConnections(port: Int) -> Bool {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { return false }
        defer { close(socketFD) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}

/// Starting a child in its own process group, with an empty signal mask, its standard output
/// (and error) appended to files.
enum ChildProcess {
    /// Starts `executable arguments...`; standard error goes to `stderr`, or with standard output
    /// when nil. Returns the process id (also its process group id).
    static func spawn(
        name: String, executable: String, arguments: [String], stdout: String, stderr: String?, environment: [String]
    ) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        ProcessGroup.resetSignals(&attributes, newGroup: true)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if let stderr {
            posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw BenchError("cannot start \(name) (\(executable)): \(String(cString: strerror(result)))") }
        return pid
    }
}
