import Foundation

/// What the disk charges for durability, measured in the same run as the figures it explains.
enum FsyncCost {
    /// Writes 4 KiB to a new file in `directory` and fsyncs it (and, with `directory: true`, the
    /// directory too, as a durable create or rename needs). Returns milliseconds.
    static func probe(in folder: String, directory: Bool) throws -> Double {
        let path = "\(folder)/fsync-probe-\(directory ? "dir" : "file")"
        unlink(path)
        let bytes = [UInt8](repeating: 0x61, count: 4096)
        let start = DispatchTime.now().uptimeNanoseconds
        let file = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard file >= 0 else { throw BenchError("cannot open \(path): \(String(cString: strerror(errno)))") }
        let written = write(file, bytes, bytes.count)
        let synced = fsync(file)
        close(file)
        var folderSynced: Int32 = 0
        if directory {
            let handle = open(folder, O_RDONLY)
            guard handle >= 0 else { throw BenchError("cannot open \(folder): \(String(cString: strerror(errno)))") }
            folderSynced = fsync(handle)
            close(handle)
        }
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        guard written == bytes.count, synced == 0, folderSynced == 0 else { throw BenchError("fsync probe in \(folder) failed") }
        return milliseconds
    }
}

/// Counts the sync system calls of a command (and its children) with `strace -f -c`.
enum SyncCallCounter {
    /// The system calls counted.
    static let calls = ["fsync", "fdatasync", "sync_file_range"]

    /// strace's path, or nil when it is not installed.
    static let strace: String? = {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/strace"
            if access(path, X_OK) == 0 { return path }
        }
        return nil
    }()

    /// Whether strace can trace here (it may be installed and still refused by ptrace rules).
    static let usable: Bool = {
        guard let strace else { return false }
        return Spawn.run([strace, "-f", "-c", "-o", "/dev/null", "-e", "trace=fsync", "true"]).sample.status == 0
    }()

    /// Runs `arguments` under strace and returns the number of fsync, fdatasync and
    /// sync_file_range calls; throws when the command fails.
    static func count(_ arguments: [String], input: String? = nil) throws -> Int {
        guard let strace else { throw BenchError("strace is not installed") }
        let report = NSTemporaryDirectory() + "promptreg-bench-strace-\(getpid())"
        defer { unlink(report) }
        let result = Spawn.run(
            [strace, "-f", "-c", "-o", report, "-e", "trace=\(calls.joined(separator: ","))"] + arguments, input: input)
        guard result.sample.status == 0 else {
            throw BenchError("\(arguments.joined(separator: " ")) exited \(result.sample.status) under strace")
        }
        return parse((try? String(contentsOfFile: report, encoding: .utf8)) ?? "")
    }

    /// The calls column of strace -c's summary, summed over the counted system calls.
    /// A line: `% time  seconds  usecs/call  calls  [errors]  syscall`.
    static func parse(_ summary: String) -> Int {
        var total = 0
        for line in summary.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 5, let name = fields.last, calls.contains(String(name)), let count = Int(fields[3]) else { continue }
            total += count
        }
        return total
    }
}
