import Foundation
import PromptRegistry
import TestSupport
import Testing

@Suite("Kill switch: kill, revive, resolve, canary rule, verify, log")
struct KillSwitchTests {
    static let agent = "support-agent"

    /// The examples published, support-agent 1.0.0 on prod and 1.0.1 on canary at 50 %.
    private func release() throws -> TestRegistry {
        let test = try TestRegistry()
        try test.registry.promote(.version(Self.agent, SemanticVersion(1, 0, 0)), to: "prod", message: "first", actor: "ops")
        try test.publishPatch(Self.agent, adding: "Release two.")
        try test.registry.promote(.version(Self.agent, SemanticVersion(1, 0, 1)), to: "canary", traffic: 50, message: "try", actor: "ops")
        return test
    }

    /// A subject inside (or outside) the canary share at 50 %.
    private func subject(inCanary: Bool) -> String {
        (0...).lazy.map { "user-\($0)" }.first { (Canary.bucket(bundle: Self.agent, subject: $0) < 50) == inCanary }!
    }

    /// The `killed` error `body` throws, if it throws one.
    private func killedError(_ body: () throws -> Void) -> PromptRegError? {
        do {
            try body()
            return nil
        } catch let error as PromptRegError {
            return error.code == .killed ? error : nil
        } catch {
            return nil
        }
    }

    @Test("kill makes a resolve of the channel fail with the distinct killed error; revive restores it; pins are unaffected")
    func killThenRevive() throws {
        let test = try release()
        defer { test.remove() }
        let registry = test.registry
        let pins = try registry.pins([Self.agent])
        let event = try registry.kill(Self.agent, reason: "leaks customer emails", actor: "oncall")
        #expect(event.action == .kill && event.message == "leaks customer emails")
        #expect(event.changes.map(\.bundle) == [Self.agent] && event.changes.map(\.channel) == ["prod"])
        #expect(event.changes.allSatisfy { $0.from == nil && $0.to == nil })

        let error = try #require(killedError { _ = try registry.resolve(.channel(Self.agent)) })
        let kill = try #require(error.kill)
        #expect(kill.bundle == Self.agent && kill.channel == "prod")
        #expect(kill.reason == "leaks customer emails" && kill.by == "oncall" && kill.at == event.time)
        #expect(error.subject.bundle == Self.agent && error.subject.channel == "prod")
        #expect(error.message.contains("leaks customer emails") && error.remedy == .revive(bundle: error.kill!.bundle, channel: error.kill!.channel))
        // Other bundles, other channels and pinned resolves answer as before.
        #expect(try registry.resolve(.channel(Self.agent, channel: "canary")).version == SemanticVersion(1, 0, 1))
        #expect(try registry.resolve(.pinned(.version(Self.agent, SemanticVersion(1, 0, 0)))).version == SemanticVersion(1, 0, 0))
        #expect(try registry.resolve(.pinFile(Self.agent, pins)).version == SemanticVersion(1, 0, 0))
        // status shows it.
        let cells = try registry.status().items.filter { $0.bundle == Self.agent }
        #expect(cells.first { $0.channel == "prod" }?.kill == kill)
        #expect(cells.first { $0.channel == "canary" }?.kill == nil)

        let revived = try registry.revive(Self.agent, message: "fixed upstream", actor: "oncall")
        #expect(revived.action == .revive && revived.seq == event.seq + 1)
        #expect(try registry.resolve(.channel(Self.agent)).version == SemanticVersion(1, 0, 0))
        #expect(try registry.status().items.allSatisfy { $0.kill == nil })
    }

    @Test("a killed canary sends its share to prod; a killed prod refuses every subject, the canary share included")
    func canaryRule() throws {
        let test = try release()
        defer { test.remove() }
        let registry = test.registry
        let (inside, outside) = (subject(inCanary: true), subject(inCanary: false))
        #expect(try registry.resolve(.channel(Self.agent, subject: inside)).channel == "canary")

        try registry.kill(Self.agent, channel: "canary", reason: "canary loops on tool calls", actor: "oncall")
        let moved = try registry.resolve(.channel(Self.agent, subject: inside))
        #expect(moved.channel == "prod" && moved.version == SemanticVersion(1, 0, 0))
        #expect(try registry.resolve(.channel(Self.agent, subject: outside)).channel == "prod")
        #expect(killedError { _ = try registry.resolve(.channel(Self.agent, channel: "canary")) }?.kill?.channel == "canary")

        try registry.revive(Self.agent, channel: "canary", message: "fixed", actor: "oncall")
        try registry.kill(Self.agent, reason: "all of it", actor: "oncall")
        for subject in [inside, outside] {
            #expect(killedError { _ = try registry.resolve(.channel(Self.agent, subject: subject)) }?.kill?.channel == "prod")
        }
        #expect(try registry.resolve(.channel(Self.agent, channel: "canary")).version == SemanticVersion(1, 0, 1))
    }

    @Test("a double kill and a revive of a live channel are conflicts that write nothing")
    func conflicts() throws {
        let test = try release()
        defer { test.remove() }
        let registry = test.registry
        var before = test.fingerprint
        do {
            try registry.revive(Self.agent, message: "nothing to do", actor: "oncall")
            Issue.record("a revive of a live channel went through")
        } catch let error as PromptRegError {
            #expect(error.code == .conflict && error.message.contains("not killed"))
        }
        #expect(test.fingerprint == before)

        try registry.kill(Self.agent, reason: "first", actor: "oncall")
        before = test.fingerprint
        do {
            try registry.kill(Self.agent, reason: "second", actor: "oncall")
            Issue.record("a second kill went through")
        } catch let error as PromptRegError {
            #expect(error.code == .conflict && error.message.contains("already killed") && error.message.contains("first"))
        }
        #expect(test.fingerprint == before)
    }

    @Test("bad names, an undeclared channel, an unknown bundle, no version to kill and no reason are refused; nothing is written")
    func refusals() throws {
        let test = try release()
        defer { test.remove() }
        let registry = test.registry
        let before = test.fingerprint
        let cases: [(PromptRegError.Code, String, () throws -> Void)] = [
            (.invalidInput, "bad bundle", { try registry.kill("../etc", reason: "r", actor: "a") }),
            (.invalidInput, "bad channel", { try registry.kill(Self.agent, channel: "Prod!", reason: "r", actor: "a") }),
            (.notFound, "undeclared channel", { try registry.kill(Self.agent, channel: "prdo", reason: "r", actor: "a") }),
            (.notFound, "unknown bundle", { try registry.kill("no-such-agent", reason: "r", actor: "a") }),
            (.notFound, "nothing runs there", { try registry.kill("support-triage", channel: "canary", reason: "r", actor: "a") }),
            (.usage, "no reason", { try registry.kill(Self.agent, reason: "  ", actor: "a") }),
            (.invalidInput, "bad bundle (revive)", { try registry.revive("../etc", message: "m", actor: "a") }),
            (.notFound, "undeclared channel (revive)", { try registry.revive(Self.agent, channel: "staging", message: "m", actor: "a") }),
        ]
        for (code, label, body) in cases {
            do {
                try body()
                Issue.record("\(label): accepted")
            } catch let error as PromptRegError {
                #expect(error.code == code, "\(label): \(error)")
            }
        }
        #expect(test.fingerprint == before)
    }

    @Test("verify replays kill and revive events, log lists them, and a killed channel can be deleted")
    func verifyAndLog() throws {
        let test = try release()
        defer { test.remove() }
        let registry = test.registry
        try registry.kill(Self.agent, reason: "stop", actor: "oncall")
        try registry.kill(Self.agent, channel: "canary", reason: "stop canary", actor: "oncall")
        // A killed channel still moves (the fix goes in while it stays killed).
        try registry.promote(.version(Self.agent, SemanticVersion(1, 0, 0)), to: "canary", message: "back", actor: "oncall")
        try registry.revive(Self.agent, message: "go", actor: "oncall")
        #expect(try registry.verify().problems.map(\.message) == [])

        let log = try registry.log(limit: 4)
        #expect(log.map(\.action) == [.revive, .promote, .kill, .kill])
        #expect(try registry.log(bundle: Self.agent, channel: "prod", limit: 2).map(\.action) == [.revive, .kill])

        try registry.createChannel("staging", message: "declare", actor: "ops")
        try registry.promote(.version(Self.agent, SemanticVersion(1, 0, 1)), to: "staging", message: "try", actor: "ops")
        try registry.kill(Self.agent, channel: "staging", reason: "stop staging", actor: "oncall")
        try registry.deleteChannel("staging", message: "gone", actor: "ops")
        #expect(try registry.verify().problems.map(\.message) == [])
    }

    @Test("a follower reports the kill as an answer whose line says killed, with reason, by and at; the revive as a live answer")
    func follower() async throws {
        let test = try release()
        defer { test.remove() }
        let registry = test.registry
        let follower = registry.follower([FollowTarget(Self.agent)], interval: .milliseconds(20))
        var iterator = follower.events().makeAsyncIterator()
        func nextLine() async throws -> [String: Any] {
            guard case .resolved(let answer)? = await iterator.next() else { throw PromptRegError(.notFound, "no answer reported") }
            let data = try JSONEncoder().encode(FollowLine(answer))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        let live = try await nextLine()
        #expect(live["killed"] as? Bool == false && live["reason"] == nil && live["version"] as? String == "1.0.0")

        let kill = try registry.kill(Self.agent, reason: "leaks", actor: "oncall")
        let killed = try await nextLine()
        #expect(killed["killed"] as? Bool == true && killed["version"] == nil)
        #expect(killed["reason"] as? String == "leaks" && killed["by"] as? String == "oncall" && killed["at"] as? String == kill.time)
        #expect((killed["error"] as? [String: Any])?["code"] as? String == "killed")

        try registry.revive(Self.agent, message: "fixed", actor: "oncall")
        let revived = try await nextLine()
        #expect(revived["killed"] as? Bool == false && revived["version"] as? String == "1.0.0")
    }
}
