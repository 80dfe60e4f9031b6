import Foundation
import PromptRegistry
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// `promptreg kill` and `revive` as processes: exit 78 and the JSON error's kill fields, status,
// log and verify, refusals that write nothing, a follower that prints the kill, and an offline
// kill on a clone that push re-applies on the upstream.

@Suite("promptreg kill and revive", .serialized)
struct KillSwitchCLITests {
    /// A registry with the examples published and support-agent 1.0.0 on prod.
    private func world() throws -> TestRegistry {
        let test = try TestRegistry()
        try test.registry.promote(.version("support-agent", SemanticVersion(1, 0, 0)), to: "prod", message: "first", actor: "ops")
        return test
    }

    @discardableResult
    private func promptreg(
        _ test: TestRegistry, _ arguments: String..., expect status: Int32 = 0, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> CLI.Result {
        let result = try CLI.run(arguments + ["--registry", test.path], environment: ["PROMPTREG_ACTOR": "oncall"])
        #expect(
            result.status == status, "promptreg \(arguments.joined(separator: " ")): exit \(result.status)\n\(result.stdout)\(result.stderr)",
            sourceLocation: sourceLocation)
        return result
    }

    private func object(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    @Test("kill: resolve exits 78 with killed, reason, by and at in the JSON error; status, log, verify; revive restores it")
    func killAndRevive() throws {
        let test = try world()
        defer { test.remove() }
        let killed = try promptreg(test, "kill", "support-agent", "-m", "leaks customer emails", "--json")
        let event = object(killed.stdout)
        #expect(event["action"] as? String == "kill" && event["message"] as? String == "leaks customer emails")

        let refused = try promptreg(test, "resolve", "support-agent", "--json", expect: 78)
        let error = object(refused.stderr)["error"] as? [String: Any] ?? [:]
        #expect(error["code"] as? String == "killed" && (error["exit_code"] as? NSNumber)?.intValue == 78, "\(refused.stderr)")
        #expect(error["killed"] as? Bool == true)
        #expect(error["reason"] as? String == "leaks customer emails" && error["by"] as? String == "oncall")
        #expect(error["at"] as? String == event["time"] as? String)
        #expect(error["bundle"] as? String == "support-agent" && error["channel"] as? String == "prod")
        let text = try promptreg(test, "resolve", "support-agent", expect: 78)
        #expect(text.stderr.contains("killed: leaks customer emails") && text.stderr.contains("promptreg revive"), "\(text.stderr)")
        // Other errors carry no kill fields; pinned resolves are not affected.
        let other = try promptreg(test, "resolve", "support-triage", "--json", expect: 66)
        #expect((object(other.stderr)["error"] as? [String: Any])?["killed"] == nil, "\(other.stderr)")
        try promptreg(test, "resolve", "support-agent@1.0.0")

        let status = try promptreg(test, "status")
        #expect(status.stdout.contains("KILLED") && status.stdout.contains("killed: support-agent prod by oncall"), "\(status.stdout)")
        let cells = (try? JSONSerialization.jsonObject(with: Data(try promptreg(test, "status", "--json").stdout.utf8))) as? [[String: Any]] ?? []
        let kill = cells.first { $0["bundle"] as? String == "support-agent" && $0["channel"] as? String == "prod" }?["kill"] as? [String: Any]
        #expect(kill?["reason"] as? String == "leaks customer emails" && kill?["by"] as? String == "oncall", "\(cells)")

        try promptreg(test, "revive", "support-agent", "-m", "1.0.1 fixes it")
        #expect(try promptreg(test, "resolve", "support-agent").stdout.contains("support-agent@1.0.0"))
        let log = try promptreg(test, "log", "support-agent", "-n", "2").stdout
        #expect(log.contains("revive: 1.0.1 fixes it") && log.contains("kill: leaks customer emails"), "\(log)")
        #expect(log.contains("support-agent prod: killed") && log.contains("support-agent prod: revived"), "\(log)")
        #expect(try promptreg(test, "verify").stdout.contains("ok"))
        #expect(try CLI.run(["--help"]).stdout.contains("78 killed"))
    }

    @Test("a double kill and a revive of a live channel exit 67; bad input is refused; nothing is written")
    func refusals() throws {
        let test = try world()
        defer { test.remove() }
        let before = test.fingerprint
        let cases: [([String], Int32, String)] = [
            (["revive", "support-agent", "-m", "m"], 67, "not killed"),
            (["kill", "support-agent"], 64, "reason"),
            (["kill", "../etc", "-m", "r"], 65, "bundle"),
            (["kill", "support-agent", "--channel", "Prod", "-m", "r"], 65, "channel"),
            (["kill", "support-agent", "--channel", "prdo", "-m", "r"], 66, "did you mean 'prod'"),
            (["kill", "no-such-agent", "-m", "r"], 66, "no-such-agent"),
            (["kill", "support-agent", "--channel", "canary", "-m", "r"], 66, "nothing runs there"),
        ]
        for (arguments, status, text) in cases {
            let result = try CLI.run(arguments + ["--registry", test.path])
            #expect(result.status == status, "\(arguments): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains(text), "\(arguments): \(result.stderr)")
        }
        #expect(test.fingerprint == before)

        try promptreg(test, "kill", "support-agent", "-m", "first")
        let killed = test.fingerprint
        let again = try promptreg(test, "kill", "support-agent", "-m", "second", expect: 67)
        #expect(again.stderr.contains("already killed"), "\(again.stderr)")
        #expect(test.fingerprint == killed)
    }

    @Test("promptreg follow --json prints a line with killed true after a kill, and a live line after the revive")
    func follower() throws {
        let test = try world()
        defer { test.remove() }
        let follower = try BackgroundProcess(
            CLI.binary, ["follow", "support-agent", "--registry", test.path, "--interval", "0.2", "--json"],
            directory: test.directory.path, label: "follower")
        #expect(follower.waitForLine(timeout: 20) { $0.contains("\"initial\"") } != nil, "no initial line: \(follower.errorLines)")
        #expect(follower.objects().first?["killed"] as? Bool == false)

        try promptreg(test, "kill", "support-agent", "-m", "stop it now")
        #expect(follower.waitForLine(timeout: 20) { $0.contains("\"killed\":true") } != nil, "no kill line: \(follower.lines)")
        let kill = follower.objects().last ?? [:]
        #expect(kill["event"] as? String == "changed" && kill["reason"] as? String == "stop it now" && kill["by"] as? String == "oncall")
        #expect(kill["at"] is String && kill["version"] == nil)

        try promptreg(test, "revive", "support-agent", "-m", "fixed")
        #expect(follower.waitForLine(timeout: 20) { $0.contains("\"killed\":false") && $0.contains("\"changed\"") } != nil, "\(follower.lines)")
        let revived = follower.objects().last ?? [:]
        #expect(revived["version"] as? String == "1.0.0" && revived["reason"] == nil)
        #expect(follower.stop(SIGTERM) == 0)
    }

    @Test("a kill made --offline on a clone is re-applied on the upstream by push, on top of another clone's change")
    func offlineKillThenPush() throws {
        let world = try SyncWorld([], label: "kill-offline")
        defer { world.remove() }
        let oncall = try world.freshClone()
        let other = try world.freshClone()
        try Sync.run(["kill", "support-agent", "--channel", "canary", "-m", "offline kill", "--offline"], registry: oncall)
        #expect(try Sync.stateSeq(world.upstream) == SyncWorld.seededSeq, "an offline kill reached the upstream")
        try Sync.run(["promote", "support-triage@1.0.1", "prod", "-m", "meanwhile"], registry: other)

        try Sync.run(["push"], registry: oncall)
        let fresh = try world.freshClone()
        let refused = try Sync.run(["resolve", "support-agent", "--channel", "canary", "--json"], registry: fresh, expect: 78)
        let error = object(refused.stderr)["error"] as? [String: Any] ?? [:]
        #expect(error["reason"] as? String == "offline kill" && error["by"] as? String == "sync-tester", "\(refused.stderr)")
        let log = try Sync.array(try Sync.run(["log", "-n", "2", "--json"], registry: fresh))
        #expect(log.map { $0["action"] as? String ?? "" } == ["kill", "promote"], "\(log)")
        #expect((log.first?["seq"] as? NSNumber)?.intValue == SyncWorld.seededSeq + 2)
        Sync.expectContains(try Sync.run(["verify"], registry: fresh).stdout, "ok", "verify after the replayed kill")

        // The revive goes through (write-through) and every clone sees prod and canary answer again.
        try Sync.run(["revive", "support-agent", "--channel", "canary", "-m", "fixed"], registry: other)
        try Sync.run(["pull"], registry: fresh)
        try Sync.run(["resolve", "support-agent", "--channel", "canary"], registry: fresh)
    }
}
