import Foundation
import PromptRegistry
import TestSupport
import Testing

// A shared upstream that receives pushes over `git daemon` keeps an accepted-state mark too:
// `verify` there advances it, so a rewind made there afterwards without a reflog entry is a
// problem (exit 68), not an interrupted writer. A new host pinning a state the upstream no
// longer has is told so plainly.

@Suite("The shared upstream: rewinds without a reflog entry, and pins of a forked history")
struct UpstreamRewindTests {
    @Test("after pushes and verify on the upstream, a rewind of two commits there is refused by verify and resolve")
    func rewindOnTheUpstream() throws {
        let world = try SyncWorld([.git], label: "rewind")
        defer { world.remove() }
        let writer = try world.clone(.git, as: "writer")
        try Sync.run(["promote", "support-agent@1.0.0", "canary", "--offline", "-m", "one"], registry: writer)
        try Sync.run(["promote", "support-agent@1.0.1", "canary", "--offline", "-m", "two"], registry: writer)
        try Sync.run(["push"], registry: writer)
        let verified = try CLI.run(["verify", "--registry", world.upstream])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        let head = try StockGit.run(world.upstream, ["rev-parse", "refs/promptreg/state"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let older = try StockGit.run(world.upstream, ["rev-parse", "\(head)~2"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try StockGit.run(world.upstream, ["update-ref", "refs/promptreg/state", older, head]).status == 0)
        let report = try CLI.run(["verify", "--registry", world.upstream])
        #expect(report.status == 68 && report.stdout.contains("went backwards"), "\(report.stdout)")
        let resolve = try CLI.run(["resolve", "support-agent", "--registry", world.upstream])
        #expect(resolve.status == 68 && resolve.stderr.contains("went backwards"), "\(resolve.stderr)")
    }

    @Test("clone --trust-state of a state the upstream's history no longer holds says the upstream was forked or rewound")
    func pinnedStateMissing() throws {
        let world = try SyncWorld([.git], label: "fork")
        defer { world.remove() }
        let writer = try world.clone(.git, as: "writer")
        try Sync.run(["promote", "support-agent@1.0.0", "canary", "-m", "pin me"], registry: writer)
        let pinned = try Sync.object(try Sync.run(["pull", "--json"], registry: writer))
        let seq = try #require((pinned["state_seq"] as? NSNumber)?.intValue)
        let commit = try #require(pinned["state_commit"] as? String)
        // The upstream is forked back to the state before the pinned one, and moves on from there.
        let parent = try StockGit.run(world.upstream, ["rev-parse", "\(commit)~1"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try StockGit.run(world.upstream, ["update-ref", "refs/promptreg/state", parent, commit]).status == 0)
        #expect(try StockGit.run(world.upstream, ["reflog", "expire", "--expire=now", "--all"]).status == 0)
        #expect(try StockGit.run(world.upstream, ["gc", "--prune=now", "--quiet"]).status == 0)
        let other = try world.clone(.git, as: "other")
        try Sync.run(["promote", "support-agent@1.0.1", "prod", "-m", "the fork"], registry: other)
        let host = world.directory.join("host")
        let cloned = try CLI.run(["clone", world.url(.git), host, "--trust-state", "\(seq):\(commit)"])
        #expect(cloned.status == 68 && cloned.stderr.contains("forked or rewound") && !cloned.stderr.contains("object not found"), "\(cloned.stderr)")
        #expect(!FileManager.default.fileExists(atPath: host))
    }
}
