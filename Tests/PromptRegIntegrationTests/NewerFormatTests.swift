import Foundation
import PromptRegistry
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// A state commit a newer promptreg wrote (an action this version does not know, with fields it
// does not know), written with stock git: readers answer from the newest state they understand
// and say to upgrade; writers refuse and write nothing.

@Suite("A state from a newer promptreg")
struct NewerFormatTests {
    @Test("resolve, log, status and a follower answer from the last understood state; verify warns; writes exit 80 and write nothing")
    func unknownAction() throws {
        let test = try TestRegistry()
        defer { test.remove() }
        try test.registry.promote(.version("support-agent", SemanticVersion(1, 0, 0)), to: "prod", message: "ship", actor: "t")
        let understood = try test.registry.stateHead()
        let forged = try ForgedCommit.onState(test.path, files: ["rollouts/support-agent.json": Data("{\"stage\":2}".utf8)], signature: .none) { event in
            event["action"] = "rollout-advance"
            event["changes"] = []
            event["rollout"] = ["stage": 2, "evidence": "sprt"]
        }
        let run = { (arguments: [String]) throws -> CLI.Result in try CLI.run(arguments + ["--registry", test.path]) }

        let resolved = try run(["resolve", "support-agent", "--json"])
        #expect(resolved.status == 0, "\(resolved.stderr)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(resolved.stdout.utf8)) as? [String: Any])
        #expect(answer["version"] as? String == "1.0.0")
        #expect((answer["state_seq"] as? NSNumber)?.int64Value == understood.seq, "answered from the last understood state")

        let log = try run(["log", "--json"])
        #expect(log.status == 0 && log.stdout.contains("rollout-advance"), "\(log.stdout)\(log.stderr)")

        let verify = try run(["verify"])
        #expect(verify.status == 0 && verify.stdout.contains("written by a newer promptreg"), "\(verify.stdout)")

        let before = try ForgedCommit.git(test.path, ["rev-parse", "refs/promptreg/state"])
        let promote = try run(["promote", "support-agent@1.0.0", "canary", "-m", "x"])
        #expect(promote.status == 80 && promote.stderr.contains("newer promptreg"), "\(promote.stderr)")
        #expect(try ForgedCommit.git(test.path, ["rev-parse", "refs/promptreg/state"]) == before && before == forged)

        let follower = try BackgroundProcess(
            CLI.binary, ["follow", "support-agent", "--registry", test.path, "--interval", "0.2", "--json"], directory: test.directory.path,
            label: "follower")
        defer { _ = follower.stop(SIGTERM) }
        let line = follower.waitForLine(timeout: 20) { $0.contains("\"initial\"") }
        #expect(line?.contains("\"version\":\"1.0.0\"") == true, "follow: \(follower.lines) \(follower.errorLines)")
    }
}
