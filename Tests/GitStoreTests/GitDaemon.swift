import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A `git daemon` serving every repository under `basePath` read-write on 127.0.0.1, stopped on deinit.
final class GitDaemon {
    /// The directory whose repositories are served: `git://127.0.0.1:<port>/<name>`.
    let basePath: String
    /// The port it listens on.
    let port: Int
    private let process = Process()

    /// Starts the daemon on a free loopback port and waits (at most 10 seconds) until it accepts connections.
    init(basePath: String) throws {
        self.basePath = basePath
        port = try freeLoopbackPort()
        // The daemon itself, not the `git daemon` wrapper: `stop` must reach the process that listens.
        process.executableURL = URL(fileURLWithPath: "\(try gitExecPath())/git-daemon")
        process.arguments = [
            "--export-all", "--enable=receive-pack", "--reuseaddr", "--informative-errors",
            "--base-path=\(basePath)", "--listen=127.0.0.1", "--port=\(port)", basePath,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while !acceptsConnections(port: port) {
            guard process.isRunning, Date() < deadline else {
                stop()
                throw DaemonError(message: "git daemon did not start listening on port \(port)")
            }
            usleep(20_000)
        }
    }

    deinit { stop() }

    /// The URL of the repository `name` under `basePath`.
    func url(_ name: String) -> String { "git://127.0.0.1:\(port)/\(name)" }

    /// Stops the daemon and waits for it to exit. SIGKILL, because processes started from the test
    /// runner's threads inherit a signal mask that blocks SIGTERM.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// The daemon could not be started.
    struct DaemonError: Error { let message: String }
}

/// Where stock git keeps its programs (`git --exec-path`).
func gitExecPath() throws -> String {
    let process = Process()
    let output = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
    process.arguments = ["--exec-path"]
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// A TCP port on 127.0.0.1 that nothing listens on right now (the kernel picks it).
func freeLoopbackPort() throws -> Int {
    let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socketFD >= 0 else { throw GitDaemon.DaemonError(message: "socket failed") }
    defer { close(socketFD) }
    var address = loopback(port: 0)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
            bind(socketFD, address, length) == 0 && getsockname(socketFD, address, &length) == 0
        }
    }
    guard bound else { throw GitDaemon.DaemonError(message: "bind failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// True when something accepts TCP connections on 127.0.0.1:`port`.
func acceptsConnections(port: Int) -> Bool {
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

private func loopback(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return address
}
