import Foundation
import PromptRegistry
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

// Helpers of the server tests: a `promptreg-server serve` process on a free loopback port, curl
// as the HTTP client, raw sockets for what curl will not send, and the fixture registry.

/// A running `promptreg-server serve --port 0 --json` process.
final class RunningServer: @unchecked Sendable {
    /// The process.
    let process: Process
    /// The bound port.
    let port: Int
    /// `http://127.0.0.1:PORT`.
    let url: String
    private let errors: String

    /// `promptreg-server` beside the `promptreg` the tests run.
    static let binary = URL(fileURLWithPath: CLI.binary).deletingLastPathComponent().appendingPathComponent("promptreg-server").path

    /// Starts serving `registry` with extra `arguments`; waits (at most `timeout` seconds) for the
    /// line that says where it listens.
    init(registry: String, arguments: [String] = [], timeout: TimeInterval = 30) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve", "--registry", registry, "--port", "0", "--json"] + arguments
        errors = NSTemporaryDirectory() + "promptreg-server-\(UUID().uuidString.prefix(8)).err"
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(forWritingAtPath: errors)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let line = Locked<String?>(nil)
        let ready = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            var data = Data()
            while !data.contains(0x0A) {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                data.append(chunk)
            }
            line.withLock { $0 = String(decoding: data, as: UTF8.self) }
            ready.signal()
        }
        guard ready.wait(timeout: .now() + timeout) == .success, let text = line.withLock({ $0 }),
            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], let port = object["port"] as? Int
        else {
            process.terminate()
            throw TestFailure("promptreg-server did not say where it listens: \(line.withLock { $0 } ?? "(nothing)") \(Self.read(errors))")
        }
        self.port = port
        url = "http://127.0.0.1:\(port)"
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: errors)
    }

    /// Sends `signal` and waits (at most `timeout` seconds) for the exit; nil when it kept running.
    func stop(_ signal: Int32 = SIGTERM, timeout: TimeInterval = 10) -> Int32? {
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    /// The server's resident memory in kB (VmRSS).
    var residentKilobytes: Int {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    /// What the server wrote on standard error.
    var standardError: String { Self.read(errors) }

    private static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
}

/// One HTTP response as curl received it.
struct HTTPReply {
    /// The status code (0 when curl got none).
    let status: Int
    /// Header fields, names lowercased.
    let headers: [String: String]
    /// The body.
    let body: Data

    /// The body as a JSON value.
    var json: Any? { try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
    /// The body as a JSON object.
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    /// The body as text.
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// curl as the HTTP client: `curl -sS -i --path-as-is URL`.
enum Curl {
    /// GETs `url` with extra request `headers`, giving up after `timeout` seconds.
    static func get(_ url: String, headers: [String: String] = [:], timeout: TimeInterval = 15) throws -> HTTPReply {
        let arguments = ["-sS", "-i", "--path-as-is", "--max-time", String(timeout)]
            + headers.flatMap { ["-H", "\($0.key): \($0.value)"] } + [url]
        let output = try run(arguments)
        return parse(output)
    }

    /// Runs curl with `arguments`; returns its standard output.
    static func run(_ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }

    /// Splits `curl -i` output into status, headers and body.
    static func parse(_ output: Data) -> HTTPReply {
        let separator = Data("\r\n\r\n".utf8)
        guard let end = output.range(of: separator) else { return HTTPReply(status: 0, headers: [:], body: output) }
        let head = String(decoding: output[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let status = head.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return HTTPReply(status: status, headers: headers, body: Data(output[end.upperBound...]))
    }
}

/// A raw TCP connection to a loopback port, for requests no well-behaved client sends.
final class RawConnection: @unchecked Sendable {
    let socket: Int32

    /// Connects to 127.0.0.1:`port`, with `timeout` seconds for every read and write.
    init(port: Int, timeout: Int = 10) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw TestFailure("socket: \(String(cString: strerror(errno)))") }
        var time = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw TestFailure("connect: \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(socket) }

    /// Sends all of `bytes`; false when the peer closed.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    /// Sends `text`.
    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Reads until the peer closes or the read times out.
    func readAll() -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count <= 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        return data
    }

    /// The status code of the response read until close (0 when none came).
    func status() -> Int {
        let text = String(decoding: readAll().prefix(64), as: UTF8.self)
        return Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}

/// The registry the server tests serve: the three examples at 1.0.0 (on prod) and 1.0.1 (on
/// canary at 50 % traffic), so subjects split between the two.
struct ServedRegistry {
    let test: TestRegistry

    init() throws {
        test = try TestRegistry(publishExamples: true)
        for name in Fixtures.exampleNames {
            try test.publishPatch(name, adding: "Be brief.")
            try test.registry.promote(.version(name, SemanticVersion(1, 0, 0)), to: "prod", message: "ship", actor: "tester")
            try test.registry.promote(.version(name, SemanticVersion(1, 0, 1)), to: "canary", traffic: 50, message: "try", actor: "tester")
        }
    }

    var path: String { test.path }

    /// Runs `promptreg arguments... --registry PATH`; fails unless it exits 0.
    @discardableResult
    func cli(_ arguments: [String]) throws -> CLI.Result {
        let result = try CLI.run(arguments + ["--registry", path], environment: ["PROMPTREG_ACTOR": "tester"])
        guard result.status == 0 else { throw TestFailure("promptreg \(arguments) exited \(result.status): \(result.stderr)") }
        return result
    }

    /// The current state head.
    func head() throws -> StateHead { try Registry.open(at: path).stateHead() }

    func remove() { test.remove() }
}

/// The two JSON documents are equal as values.
func sameJSON(_ a: Any?, _ b: Any?) -> Bool {
    guard let a, let b else { return false }
    return NSDictionary(dictionary: ["v": a]).isEqual(to: ["v": b])
}

/// A helper of the server tests failed.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
