import Foundation

/// One finished child process: its exit status and how long it took.
struct ProcessSample {
    /// Exit status.
    let status: Int32
    /// Wall time from spawn to reaped, in seconds.
    let seconds: Double
}

/// Spawns processes with posix_spawn and reaps them with waitpid: the least overhead a measurement
/// can add, and the same for promptreg and for git.
enum Spawn {
    /// Runs `arguments` (looked up in PATH) with `input` on standard input; standard output is
    /// returned when `capture` is true and discarded otherwise; standard error is discarded.
    static func run(_ arguments: [String], input: String? = nil, capture: Bool = false) -> (sample: ProcessSample, output: String) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var inPipe: [Int32] = [-1, -1]
        var outPipe: [Int32] = [-1, -1]
        if let input {
            pipe(&inPipe)
            _ = input.utf8CString.withUnsafeBufferPointer { write(inPipe[1], $0.baseAddress, $0.count - 1) }
            close(inPipe[1])
            posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        if capture {
            pipe(&outPipe)
            posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let start = DispatchTime.now().uptimeNanoseconds
        let result = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
        if input != nil { close(inPipe[0]) }
        var output = ""
        if capture {
            close(outPipe[1])
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(outPipe[0], &buffer, buffer.count)
                if count <= 0 { break }
                bytes += buffer[0..<count]
            }
            close(outPipe[0])
            output = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard result == 0 else { return (ProcessSample(status: -1, seconds: 0), output) }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (ProcessSample(status: exitStatus, seconds: seconds), output)
    }
}

extension Spawn {
    /// Peak resident memory of `arguments` as a process, in KiB, measured by GNU time.
    ///
    /// Not from wait4 here: posix_spawn starts the child on a copy of this (large) process's
    /// address space, and the kernel counts that towards the child's peak. GNU time forks from a
    /// small process, so the peak it reports is the command's own.
    static func peakMemoryKiB(_ arguments: [String]) throws -> Double {
        let report = NSTemporaryDirectory() + "promptreg-bench-rss-\(getpid())"
        defer { unlink(report) }
        let result = run(["/usr/bin/time", "-f", "%M", "-o", report] + arguments)
        guard result.sample.status == 0, let text = try? String(contentsOfFile: report, encoding: .utf8),
            let kib = Double(text.trimmingCharacters(in: .whitespacesAndNewlines))
        else { throw BenchError("could not measure the memory of \(arguments.joined(separator: " ")) (is GNU time installed?)") }
        return kib
    }
}

/// How long `body` takes, in milliseconds (monotonic clock).
func elapsedMilliseconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

/// Median and 95th percentile of a set of timings.
struct Stats {
    let median: Double
    let p95: Double
    let runs: Int

    init(_ samples: [Double]) {
        let sorted = samples.sorted()
        runs = sorted.count
        median =
            sorted.isEmpty
            ? 0 : (sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2)
        p95 = sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.95).rounded(.up)) - 1)]
    }
}
