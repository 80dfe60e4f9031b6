import Foundation
import PromptRegistry

/// Runs a helper executable in place of this process, as git runs `git-upload-pack`: the server
/// and the HTTP follower live in `promptreg-server`, so the hot commands never load them.
enum HelperExecutable {
    /// The executable that serves and follows over HTTP.
    static let server = "promptreg-server"

    /// Replaces this process with `name` (found beside this executable, else on PATH) run with
    /// `arguments`; throws when it cannot be found or started.
    static func exec(_ name: String, _ arguments: [String]) throws -> Never {
        guard let path = locate(name) else {
            throw PromptRegError(
                .unavailable, "\(name) is not installed beside promptreg nor on PATH",
                fix: "build it with 'swift build -c release --product \(name)' and copy it next to promptreg")
        }
        _ = Output.flushFailed()
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        execv(path, argv)
        let reason = String(cString: strerror(errno))
        throw PromptRegError(.unavailable, "cannot start \(path): \(reason)", fix: "check that it is an executable file")
    }

    /// `name` beside the running executable, else the first on PATH.
    private static func locate(_ name: String) -> String? {
        var candidates: [String] = []
        if let own = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append((own as NSString).deletingLastPathComponent + "/" + name)
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        candidates += path.split(separator: ":").map { "\($0)/\(name)" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
