import Foundation
import PromptRegistry
import TestSupport
import Testing

/// Cases an outside trial found, kept as regressions: each ran as a real process.
@Suite("Regressions from the outside trial", .serialized)
struct TrialRegressionTests {
    private func run(_ arguments: [String], _ environment: [String: String] = [:], expect status: Int32 = 0) throws -> CLI.Result {
        let result = try CLI.run(arguments, environment: environment)
        #expect(result.status == status, "\(arguments): \(result.stderr)")
        return result
    }

    private func log(_ registry: String) throws -> [[String: Any]] {
        let output = try run(["log", "-n", "50", "--json", "--registry", registry]).stdout
        return (try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]]) ?? []
    }

    @Test("init records PROMPTREG_ACTOR like every other write")
    func initHonoursActorVariable() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let registry = directory.join("r")
        try run(["init", registry], ["PROMPTREG_ACTOR": "alice"])
        #expect(try log(registry).last?["actor"] as? String == "alice")
    }

    /// An upstream seeded with the examples (support-agent 1.0.0 and 1.0.1), and a clone of it.
    private func upstreamAndClone(_ directory: TemporaryDirectory) throws -> (upstream: String, clone: String) {
        let seed = directory.join("seed")
        try run(["init", seed])
        try run(["publish", Fixtures.example("support-agent"), "-m", "one", "--registry", seed])
        let next = try Fixtures.copy("support-agent", into: directory, as: "next")
        try Fixtures.edit("\(next)/prompts/system.mustache", replacing: "Be brief", with: "Be very brief")
        try run(["publish", next, "-m", "two", "--registry", seed])
        try run(["promote", "support-agent@1.0.0", "prod", "-m", "live", "--registry", seed])
        let upstream = directory.join("upstream.git")
        #expect(try StockGit.run(upstream, ["init", "--quiet", "--bare", upstream]).status == 0)
        try run(["remote", "add", "origin", upstream, "--registry", seed])
        try run(["remote", "set-upstream", "origin", "--registry", seed])
        try run(["push", "--registry", seed])
        let clone = directory.join("clone")
        try run(["clone", upstream, clone])
        return (upstream, clone)
    }

    @Test("an offline canary promote without --traffic, replayed on push, keeps the share the canary has by then")
    func replayKeepsCanaryShare() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (upstream, clone) = try upstreamAndClone(directory)
        let other = directory.join("other")
        try run(["clone", upstream, other])
        try run(["promote", "support-agent@1.0.1", "canary", "-m", "offline", "--offline", "--registry", clone])
        try run(["promote", "support-agent@1.0.0", "canary", "--traffic", "5", "-m", "meanwhile", "--registry", other])
        try run(["push", "--registry", clone])
        let status = try run(["status", "--json", "--registry", clone]).stdout
        let cells = (try JSONSerialization.jsonObject(with: Data(status.utf8)) as? [[String: Any]]) ?? []
        let canary = cells.first { $0["channel"] as? String == "canary" }?["pointer"] as? [String: Any]
        #expect(canary?["version"] as? String == "1.0.1")
        #expect((canary?["traffic"] as? NSNumber)?.doubleValue == 5, "\(status)")
    }

    @Test("clone --trust-state with the commit of another sequence number is refused")
    func trustStateSequenceChecked() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (upstream, clone) = try upstreamAndClone(directory)
        let pulled = try run(["pull", "--json", "--registry", clone]).stdout
        let state = (try JSONSerialization.jsonObject(with: Data(pulled.utf8)) as? [String: Any]) ?? [:]
        let commit = try #require(state["state_commit"] as? String)
        let seq = try #require((state["state_seq"] as? NSNumber)?.intValue)
        let refused = try run(["clone", upstream, directory.join("pinned-wrong"), "--trust-state", "\(seq + 5):\(commit)"], expect: 65)
        #expect(refused.stderr.contains("has sequence \(seq)"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.join("pinned-wrong")))
        try run(["clone", upstream, directory.join("pinned-right"), "--trust-state", "\(seq):\(commit)"])
    }

    @Test("a reader that stops after the first line (| head -1) does not make promptreg fail under pipefail")
    func earlyClosedPipe() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let registry = directory.join("r")
        try run(["init", registry])
        try run(["publish", Fixtures.example("support-agent"), "-m", "one", "--registry", registry])
        try run(["promote", "support-agent@1.0.0", "prod", "-m", "live", "--registry", registry])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", #"set -o pipefail; "$PROMPTREG" resolve support-agent --registry "$REGISTRY" | head -1"#]
        var environment = ProcessInfo.processInfo.environment
        environment["PROMPTREG"] = CLI.binary
        environment["REGISTRY"] = registry
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let first = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "the pipeline failed: \(process.terminationStatus)")
        #expect(first.hasPrefix("support-agent@1.0.0 sha256:"), "\(first)")
    }
}
