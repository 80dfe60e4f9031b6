import Foundation
import PromptRegistry
import TestSupport
import Testing

// A clone says how old its view of the upstream is: reads note it on standard error when it never
// pulled or last reached the upstream long ago; proposals pull first; writes say they were pushed.

@Suite("Staleness on clones", .serialized)
struct StalenessTests {
    @Test("reads on a clone that last pulled 20 minutes ago note it on standard error; standard output is unchanged")
    func staleClone() throws {
        let world = try SyncWorld([.git], label: "stale")
        defer { world.remove() }
        let clone = try world.clone(.git, as: "host")
        let fresh = try Sync.run(["status", "--json"], registry: clone)
        #expect(!fresh.stderr.contains("note:"), "a fresh clone needs no note: \(fresh.stderr)")
        let old = Date().addingTimeInterval(-20 * 60)
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: "\(clone)/promptreg-last-fetch")
        for command in [["status", "--json"], ["list"], ["log", "-n", "1"], ["resolve", "support-agent"], ["resolve", "support-agent", "--json"], ["show", "support-agent"]] {
            let result = try Sync.run(command, registry: clone)
            #expect(result.stderr.contains("note: this view of origin is 20 min old") && result.stderr.contains("promptreg pull"), "\(command): \(result.stderr)")
        }
        let stale = try Sync.run(["status", "--json"], registry: clone)
        #expect(stale.stdout == fresh.stdout)
        // The agent's answer says how old the clone's view is.
        let answer = try Sync.object(try Sync.run(["resolve", "support-agent", "--json"], registry: clone))
        #expect(answer["upstream"] as? String == "origin" && answer["pulled_at"] is String, "\(answer)")
        #expect(((answer["stale_seconds"] as? NSNumber)?.doubleValue ?? 0) >= 1_190, "\(answer)")
        #expect(answer["version"] as? String == "1.0.0")
        try Sync.run(["pull"], registry: clone)
        #expect(!(try Sync.run(["status"], registry: clone)).stderr.contains("note:"))
    }

    @Test("a registry whose upstream was never pulled says to pull, not to promote")
    func neverPulled() throws {
        let world = try SyncWorld([.git], label: "never")
        defer { world.remove() }
        let host = world.directory.join("host.git")
        #expect(try CLI.run(["init", host]).status == 0)
        #expect(try CLI.run(["remote", "add", "origin", world.url(.git), "--registry", host]).status == 0)
        #expect(try CLI.run(["remote", "set-upstream", "origin", "--registry", host]).status == 0)
        let status = try CLI.run(["status", "--registry", host])
        #expect(status.stdout.contains("never pulled from its upstream origin: promptreg pull") && !status.stdout.contains("promote"), "\(status.stdout)")
        #expect(status.stderr.contains("never pulled"), "\(status.stderr)")
    }

    @Test("proposals on a clone pull first, and say so when the upstream is down; writes say they were pushed")
    func proposalsPullFirst() throws {
        let world = try SyncWorld([.git], label: "proposals")
        defer { world.remove() }
        let clone = try world.clone(.git, as: "host")
        let promoted = try Sync.run(["promote", "support-agent@1.0.0", "canary", "-m", "try"], registry: clone)
        #expect(promoted.stdout.contains("pushed to origin"), "\(promoted.stdout)")
        world.daemon!.stop()
        let listed = try CLI.run(["proposals", "--registry", clone])
        #expect(listed.status == 0 && listed.stderr.contains("could not pull from origin"), "\(listed.stderr)")
        let offline = try Sync.run(["promote", "support-agent@1.0.1", "canary", "--offline", "-m", "local"], registry: clone)
        #expect(!offline.stdout.contains("pushed"), "\(offline.stdout)")
    }
}
