import Foundation
import PromptRegistry
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// `promptreg follow` as a real process on a clone of an upstream served by `git daemon`: the
// answer at start, a rollback by another writer, an outage (last known good, stale on standard
// error), recovery, and a clean stop.

@Suite("promptreg follow", .serialized)
struct FollowCLITests {
    /// The digest `NAME@VERSION` was published with, read from `registry`.
    private func digest(_ name: String, _ version: String, in registry: String) throws -> String {
        let shown = try Sync.object(try Sync.run(["show", "\(name)@\(version)", "--json"], registry: registry))
        return shown["digest"] as? String ?? ""
    }

    @Test("Follows a remote's prod through a rollback and an outage, then stops cleanly on SIGTERM")
    func followThroughOutage() throws {
        let world = try SyncWorld([.git], label: "follow")
        defer { world.remove() }
        let agentHost = try world.clone(.git, as: "agent-host")
        let writer = try world.freshClone()
        let old = try digest("support-agent", "1.0.0", in: writer)
        let new = try digest("support-agent", "1.0.1", in: writer)

        let follower = try BackgroundProcess(
            CLI.binary, ["follow", "support-agent", "--registry", agentHost, "--interval", "0.3", "--json"],
            directory: world.directory.path, label: "follower")
        let initial = follower.waitForLine(timeout: 20) { $0.contains(old) }
        #expect(initial != nil, "no initial line: \(follower.lines) \(follower.errorLines)")
        let first = follower.objects().first ?? [:]
        #expect(first["event"] as? String == "initial")
        #expect(first["name"] as? String == "support-agent")
        #expect(first["channel"] as? String == "prod")
        #expect(first["version"] as? String == "1.0.0")
        #expect((first["state_seq"] as? NSNumber)?.intValue == SyncWorld.seededSeq)

        try Sync.run(["promote", "support-agent@1.0.1", "prod", "-m", "ship the patch"], registry: writer)
        #expect(follower.waitForLine(timeout: 20) { $0.contains(new) } != nil, "the promote never arrived: \(follower.lines)")
        let changed = follower.objects().last ?? [:]
        #expect(changed["event"] as? String == "changed")
        #expect(changed["version"] as? String == "1.0.1")

        // The upstream goes away: the answer stays, and the follower says it is stale.
        world.daemon!.stop()
        #expect(follower.waitForLine(stderr: true, timeout: 20) { $0.contains("\"stale\"") } != nil, "no stale line: \(follower.errorLines)")
        let stale = follower.objects(stderr: true).first { $0["event"] as? String == "stale" } ?? [:]
        #expect((stale["error"] as? [String: Any])?["code"] as? String == "unavailable")
        #expect(stale["stale_seconds"] is NSNumber)
        #expect(follower.lines.count == 2, "nothing changed, yet: \(follower.lines)")

        // Meanwhile prod is rolled back on the upstream; when it is reachable again the rollback arrives.
        let byPath = try world.clone(.path, as: "on-call")
        try Sync.run(["rollback", "prod", "support-agent", "-m", "the patch is bad"], registry: byPath)
        try world.daemon!.restart()
        let rolledBack = follower.waitForLine(timeout: 90) { line in line.contains(old) && line.contains("changed") }
        #expect(rolledBack != nil, "the rollback never arrived: \(follower.lines) \(follower.errorLines)")
        #expect(follower.waitForLine(stderr: true, timeout: 20) { $0.contains("\"recovered\"") } != nil)

        #expect(follower.stop(SIGTERM) == 0)
        let printed = follower.lines
        #expect(printed.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil }, "a line was cut: \(printed)")
    }

    @Test("follow refuses what it cannot follow: bad names, a missing remote, --remote with --server")
    func refusals() throws {
        let world = try TestRegistry()
        defer { world.remove() }
        let cases: [([String], Int32, String)] = [
            (["follow", "../etc", "--registry", world.path], 65, "bundle"),
            (["follow", "support-agent", "--interval", "0", "--registry", world.path], 64, "--interval"),
            (["follow", "support-agent", "--remote", "a", "--server", "http://127.0.0.1:1", "--registry", world.path], 64, "exclude"),
            (["follow", "support-agent", "--server", "ftp://x", "--registry", world.path], 64, "http://"),
            (["follow", "support-agent", "--remote", "nosuch", "--registry", world.path], 66, "no remote named nosuch"),
        ]
        let before = world.fingerprint
        for (arguments, status, text) in cases {
            let result = try CLI.run(arguments)
            #expect(result.status == status, "\(arguments): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains(text), "\(arguments): \(result.stderr)")
        }
        #expect(world.fingerprint == before)
    }
}
