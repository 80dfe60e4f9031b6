import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A long-running process (`promptreg follow`, `promptreg serve`) whose standard output and error
/// go to files, read while it runs. Killed when released.
public final class BackgroundProcess: @unchecked Sendable {
    /// The process.
    public let process: Process
    /// Where its standard output goes.
    public let stdoutPath: String
    /// Where its standard error goes.
    public let stderrPath: String

    /// Starts `executable arguments...` with `environment` added, output to files in `directory`
    /// named after `label`.
    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], directory: String, label: String) throws {
        stdoutPath = (directory as NSString).appendingPathComponent("\(label).out")
        stderrPath = (directory as NSString).appendingPathComponent("\(label).err")
        FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["PROMPTREG_REGISTRY"] = nil
        env.merge(environment) { _, new in new }
        process.environment = env
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit { kill(SIGKILL) }

    /// The complete lines of standard output so far.
    public var lines: [String] { Self.lines(stdoutPath) }
    /// The complete lines of standard error so far.
    public var errorLines: [String] { Self.lines(stderrPath) }

    /// Each complete line of standard output (or error) parsed as a JSON object, others skipped.
    public func objects(stderr: Bool = false) -> [[String: Any]] {
        (stderr ? errorLines : lines).compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }

    /// Waits (polling every 20 ms, at most `timeout` seconds) until a line of standard output (or
    /// error) satisfies `predicate`; returns it, or nil at the timeout or when the process exited.
    public func waitForLine(
        stderr: Bool = false, timeout: TimeInterval, _ predicate: (String) -> Bool
    ) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let line = (stderr ? errorLines : lines).first(where: predicate) { return line }
            if Date() > deadline || !process.isRunning { return (stderr ? errorLines : lines).first(where: predicate) }
            usleep(20_000)
        }
    }

    /// Sends `signal` (when still running).
    public func kill(_ signal: Int32) {
        if process.isRunning { Glibc.kill(process.processIdentifier, signal) }
    }

    /// Sends `signal` and waits at most `timeout` seconds for the exit; its status, nil if it did not exit.
    @discardableResult
    public func stop(_ signal: Int32 = SIGTERM, timeout: TimeInterval = 10) -> Int32? {
        kill(signal)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        guard !process.isRunning else { return nil }
        return process.terminationStatus
    }

    private static func lines(_ path: String) -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var text = String(decoding: data, as: UTF8.self)
        if let last = text.lastIndex(of: "\n") { text = String(text[..<last]) } else { return [] }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }
}
