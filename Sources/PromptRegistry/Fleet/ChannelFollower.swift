import Foundation
import Synchronization

/// Keeps a long-running agent in step with its channels: reads a source (a git remote, or a
/// `promptreg serve` watch stream), and reports what each target resolves to at start and every
/// time that changes. While the source is unreachable the last verified answers stay in force
/// (`answer(for:)`), staleness is reported, and a source that answers from an older state than
/// one already seen is refused: a follower never moves backwards.
public final class ChannelFollower: Sendable {
    /// What is followed.
    public let targets: [FollowTarget]
    private let source: any FollowSource
    private let memory = Mutex(Memory())

    /// What the follower has seen.
    private struct Memory {
        var answers: [FollowTarget: Result<ResolvedBundle, PromptRegError>] = [:]
        var state: StateHead?
        var lastSuccess: Date?
        var stale = false
        var started = Date()
    }

    /// A follower of `targets` reading `source`.
    public init(targets: [FollowTarget], source: any FollowSource) {
        self.targets = targets
        self.source = source
    }

    /// The last verified bundle `target` resolved to, if any: what an agent uses now.
    public func answer(for target: FollowTarget) -> ResolvedBundle? {
        memory.withLock { try? $0.answers[target]?.get() }
    }

    /// The state the answers were read at.
    public var state: StateHead? { memory.withLock { $0.state } }

    /// When the source was last reached (nil: not yet).
    public var lastSuccess: Date? { memory.withLock { $0.lastSuccess } }

    /// Follows until the calling task is cancelled, calling `onEvent` for every event in order.
    public func run(_ onEvent: @escaping @Sendable (FollowEvent) async -> Void) async {
        memory.withLock { $0.started = Date() }
        await source.observe(targets) { observation in
            for event in self.events(for: observation) { await onEvent(event) }
        }
    }

    /// The events as an asynchronous sequence; following starts when it is iterated and stops
    /// when the iteration ends.
    public func events() -> AsyncStream<FollowEvent> {
        AsyncStream { continuation in
            let task = Task { await self.run { continuation.yield($0) } }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Folds one reading into what the follower knows and says what changed.
    func events(for observation: FollowObservation) -> [FollowEvent] {
        memory.withLock { memory in
            let now = Date()
            func stale(_ error: PromptRegError) -> FollowEvent {
                memory.stale = true
                return .stale(FollowStaleness(
                    error: error, lastSuccess: memory.lastSuccess,
                    staleSeconds: now.timeIntervalSince(memory.lastSuccess ?? memory.started), state: memory.state))
            }
            guard case .answers(let state, let results, let syncError) = observation else {
                if case .failed(let error) = observation { return [stale(error)] }
                return []
            }
            if let known = memory.state, state.seq < known.seq || (state.seq == known.seq && state.commit != known.commit) {
                return [stale(PromptRegError(
                    .integrity,
                    "the source answered from state \(state.seq) (\(state.commit.prefix(12))), but state \(known.seq) (\(known.commit.prefix(12))) was already seen; ignored, answers stay at \(known.seq)",
                    fix: "point the follower at a source that is up to date; a source that went backwards was rewound or is a stale mirror"))]
            }
            var events: [FollowEvent] = []
            let initial = memory.state == nil
            for target in targets {
                guard let result = results[target] else { continue }
                if initial || Self.differs(memory.answers[target], result) {
                    events.append(.resolved(FollowAnswer(target: target, result: result, state: state, isInitial: initial)))
                }
                memory.answers[target] = result
            }
            memory.state = state
            if let syncError {
                events.append(stale(syncError))
            } else {
                if memory.stale { events.append(.recovered(state)) }
                memory.stale = false
                memory.lastSuccess = now
            }
            return events
        }
    }

    /// Whether a new answer is a change worth reporting: another bundle, another answering
    /// channel, or another reason for having none.
    private static func differs(_ old: Result<ResolvedBundle, PromptRegError>?, _ new: Result<ResolvedBundle, PromptRegError>) -> Bool {
        switch (old, new) {
        case (.success(let a)?, .success(let b)): a.digest != b.digest || a.channel != b.channel
        case (.failure(let a)?, .failure(let b)): a.code != b.code || a.message != b.message
        default: true
        }
    }
}

extension Registry {
    /// A follower of `targets` that keeps this registry in step with `remote` (nil: the upstream,
    /// if any), pulling every `interval` with jitter and backing off up to 60 s while it fails.
    /// Iterate `events()` or call `run(_:)`; answers come verified from this registry.
    public func follower(_ targets: [FollowTarget], remote: String? = nil, interval: Duration = .seconds(5)) -> ChannelFollower {
        ChannelFollower(targets: targets, source: RegistryFollowSource(registry: self, remote: remote, schedule: PullSchedule(interval: interval)))
    }
}
