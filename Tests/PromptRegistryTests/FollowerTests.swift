import Foundation
import PromptRegistry
import Synchronization
import TestSupport
import Testing

// The channel follower in process: what it reports at start and on change, that it keeps the last
// verified answers while the source fails, that it never moves backwards, and that an answer read
// from JSON is verified against its digests.

/// A follow source that hands the follower a fixed script of readings, then ends.
private struct ScriptedSource: FollowSource {
    let readings: [FollowObservation]
    func observe(_ targets: [FollowTarget], _ observe: @escaping @Sendable (FollowObservation) async -> Void) async {
        for reading in readings { await observe(reading) }
    }
}

/// Collects a follower's events.
private func events(of follower: ChannelFollower) async -> [FollowEvent] {
    let seen = Mutex<[FollowEvent]>([])
    await follower.run { event in seen.withLock { $0.append(event) } }
    return seen.withLock { $0 }
}

private func prodRelease(_ world: TestRegistry, promoting version: SemanticVersion) throws {
    try world.registry.promote(.version("support-agent", version), to: "prod", message: "ship", actor: "tester")
}

@Suite("Following a channel")
struct FollowerTests {
    @Test("The answer at start, then one event per change, each verified and labelled with its state")
    func startAndChanges() async throws {
        let world = try TestRegistry()
        defer { world.remove() }
        try prodRelease(world, promoting: SemanticVersion(1, 0, 0))
        let patch = try world.publishPatch("support-agent", adding: "Answer in one paragraph.")
        let target = FollowTarget("support-agent")
        let follower = world.registry.follower([target], interval: .milliseconds(20))
        var iterator = follower.events().makeAsyncIterator()

        guard case .resolved(let first)? = await iterator.next() else { Issue.record("no initial answer"); return }
        #expect(first.isInitial)
        #expect(try first.result.get().version == SemanticVersion(1, 0, 0))
        #expect(follower.answer(for: target)?.version == SemanticVersion(1, 0, 0))

        try prodRelease(world, promoting: patch)
        guard case .resolved(let changed)? = await iterator.next() else { Issue.record("no change reported"); return }
        #expect(!changed.isInitial)
        let bundle = try changed.result.get()
        #expect(bundle.version == patch)
        #expect(changed.state.seq == bundle.stateSeq)
        #expect(changed.state == (try world.registry.stateHead()))

        try world.registry.rollback(channel: "prod", bundles: ["support-agent"], message: "bad", actor: "tester")
        guard case .resolved(let rolledBack)? = await iterator.next() else { Issue.record("no rollback reported"); return }
        #expect(try rolledBack.result.get().digest == (try first.result.get().digest))
    }

    @Test("An unreachable remote: the last verified answer stays, and the follower says how stale it is")
    func unreachableRemote() async throws {
        let world = try TestRegistry()
        defer { world.remove() }
        try prodRelease(world, promoting: SemanticVersion(1, 0, 0))
        try world.registry.addRemote("gone", url: world.directory.join("no-such-upstream.git"))
        let target = FollowTarget("support-agent")
        let follower = world.registry.follower([target], remote: "gone", interval: .milliseconds(10))
        var iterator = follower.events().makeAsyncIterator()
        guard case .resolved(let first)? = await iterator.next() else { Issue.record("no initial answer"); return }
        #expect(try first.result.get().version == SemanticVersion(1, 0, 0))
        guard case .stale(let stale)? = await iterator.next() else { Issue.record("no staleness reported"); return }
        #expect(stale.error.code == .unavailable || stale.error.code == .storage)
        #expect(stale.lastSuccess == nil)
        #expect(stale.staleSeconds >= 0)
        #expect(follower.answer(for: target)?.version == SemanticVersion(1, 0, 0))
    }

    @Test("A source that answers from an older state is refused; the follower never moves backwards")
    func neverBackwards() async throws {
        let world = try TestRegistry()
        defer { world.remove() }
        try prodRelease(world, promoting: SemanticVersion(1, 0, 0))
        let target = FollowTarget("support-agent")
        let old = try world.registry.resolve(target.request)
        let oldHead = try world.registry.stateHead()
        let patch = try world.publishPatch("support-agent", adding: "Be brief.")
        try prodRelease(world, promoting: patch)
        let new = try world.registry.resolve(target.request)
        let newHead = try world.registry.stateHead()
        let forged = StateHead(seq: newHead.seq, commit: String(repeating: "a", count: 40))

        let follower = ChannelFollower(targets: [target], source: ScriptedSource(readings: [
            .answers(state: newHead, [target: .success(new)], syncError: nil),
            .answers(state: oldHead, [target: .success(old)], syncError: nil),
            .answers(state: forged, [target: .success(old)], syncError: nil),
            .failed(PromptRegError(.unavailable, "down")),
            .answers(state: newHead, [target: .success(new)], syncError: nil),
        ]))
        let seen = await events(of: follower)
        #expect(seen.count == 5)
        guard seen.count == 5 else { return }
        if case .resolved(let answer) = seen[0] { #expect(try answer.result.get().version == patch) } else { Issue.record("\(seen[0])") }
        for index in 1...2 {
            guard case .stale(let refusal) = seen[index] else { Issue.record("expected a refusal, got \(seen[index])"); continue }
            #expect(refusal.error.code == .integrity)
            #expect(refusal.error.message.contains("already seen"))
        }
        if case .stale(let down) = seen[3] { #expect(down.error.code == .unavailable) } else { Issue.record("\(seen[3])") }
        if case .recovered(let state) = seen[4] { #expect(state == newHead) } else { Issue.record("\(seen[4])") }
        #expect(follower.answer(for: target)?.version == patch)
        #expect(follower.state == newHead)
    }

    @Test("A target without an answer is reported, and reported again when it gets one")
    func targetWithoutAnswer() async throws {
        let world = try TestRegistry()
        defer { world.remove() }
        let target = FollowTarget("support-agent")
        let follower = world.registry.follower([target], interval: .milliseconds(20))
        var iterator = follower.events().makeAsyncIterator()
        guard case .resolved(let first)? = await iterator.next() else { Issue.record("no initial answer"); return }
        #expect(throws: PromptRegError.self) { try first.result.get() }
        #expect(follower.answer(for: target) == nil)
        try prodRelease(world, promoting: SemanticVersion(1, 0, 0))
        guard case .resolved(let second)? = await iterator.next() else { Issue.record("no change reported"); return }
        #expect(try second.result.get().version == SemanticVersion(1, 0, 0))
    }

    @Test("A pull schedule doubles its delay after each failure up to the cap, and resets after a success")
    func schedule() {
        var schedule = PullSchedule(interval: .seconds(5), maxBackoff: .seconds(60), jitter: 0.2)
        func within(_ delay: Duration, _ base: Double) -> Bool {
            let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
            return seconds >= base * 0.8 - 1e-9 && seconds <= base * 1.2 + 1e-9
        }
        #expect(within(schedule.nextDelay(afterSuccess: true), 5))
        #expect(within(schedule.nextDelay(afterSuccess: false), 10))
        #expect(within(schedule.nextDelay(afterSuccess: false), 20))
        #expect(within(schedule.nextDelay(afterSuccess: false), 40))
        #expect(within(schedule.nextDelay(afterSuccess: false), 60))
        for _ in 0..<40 { _ = schedule.nextDelay(afterSuccess: false) }
        #expect(within(schedule.nextDelay(afterSuccess: false), 60))
        #expect(within(schedule.nextDelay(afterSuccess: true), 5))
    }
}

@Suite("Answers read back from JSON")
struct VerifiedAnswerTests {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    @Test("What resolve prints reads back as the same verified bundle", arguments: Fixtures.exampleNames)
    func roundTrip(name: String) throws {
        let world = try TestRegistry()
        defer { world.remove() }
        try world.registry.promote(.version(name, SemanticVersion(1, 0, 0)), to: "prod", message: "ship", actor: "tester")
        let resolved = try world.registry.resolve(.channel(name))
        let read = try ResolvedBundle(verifyingJSON: Self.encoder.encode(resolved))
        #expect(read.digest == resolved.digest)
        #expect(read.layerDigests == resolved.layerDigests)
        #expect(read.bundle.content == resolved.bundle.content)
        #expect(read.stateSeq == resolved.stateSeq)
        #expect(read.channel == "prod")
    }

    @Test("A changed prompt, model or tool in the JSON is refused, naming the layer")
    func tampered() throws {
        let world = try TestRegistry()
        defer { world.remove() }
        try world.registry.promote(.version("support-agent", SemanticVersion(1, 0, 0)), to: "prod", message: "ship", actor: "tester")
        let text = String(decoding: try Self.encoder.encode(try world.registry.resolve(.channel("support-agent"))), as: UTF8.self)
        let model = try world.registry.resolve(.channel("support-agent")).model.id
        for (old, new, layer) in [("support", "Support", LayerKind.prompt), (model, model + "x", .model)] {
            let altered = text.replacingOccurrences(of: old, with: new)
            #expect(altered != text)
            do {
                _ = try ResolvedBundle(verifyingJSON: Data(altered.utf8))
                Issue.record("an altered \(layer) was accepted")
            } catch let error as PromptRegError {
                #expect(error.code == .integrity)
                #expect(error.subject.layer == layer || error.subject.layer == nil)
            }
        }
        #expect(throws: PromptRegError.self) { try ResolvedBundle(verifyingJSON: Data("{\"name\":1}".utf8)) }
    }
}
