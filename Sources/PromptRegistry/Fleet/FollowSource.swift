import Dispatch

/// Where a follower learns what its targets resolve to: a git remote it pulls from (built in),
/// or a `promptreg serve` instance it watches (the `PromptRegistryHTTP` module).
public protocol FollowSource: Sendable {
    /// Reads the source until the calling task is cancelled, handing each reading to `observe`.
    func observe(_ targets: [FollowTarget], _ observe: @escaping @Sendable (FollowObservation) async -> Void) async
}

/// One reading of a follow source.
public enum FollowObservation: Sendable {
    /// What each target resolves to at `state`. `syncError` is set when the source could not be
    /// brought up to date and these are the last verified answers instead.
    case answers(state: StateHead, [FollowTarget: Result<ResolvedBundle, PromptRegError>], syncError: PromptRegError?)
    /// Nothing could be read this time.
    case failed(PromptRegError)
}

extension PromptRegError {
    /// `error` as a promptreg error: itself when it is one, else a storage error quoting it.
    public static func wrapping(_ error: any Error) -> PromptRegError {
        error as? PromptRegError ?? PromptRegError(.storage, "\(error)")
    }
}

/// Follows a registry: pulls from a remote on a schedule (when it has one) and resolves every
/// target in the local registry, which keeps the last verified state while the remote is down.
public struct RegistryFollowSource: FollowSource {
    /// The local registry answers come from.
    public let registry: Registry
    /// The remote pulled from; nil pulls from the upstream, and from nothing when there is none.
    public let remote: String?
    /// When to pull.
    public let schedule: PullSchedule

    /// A source reading `registry`, pulling from `remote` (nil: the upstream, if any) per `schedule`.
    public init(registry: Registry, remote: String? = nil, schedule: PullSchedule = PullSchedule()) {
        self.registry = registry
        self.remote = remote
        self.schedule = schedule
    }

    public func observe(_ targets: [FollowTarget], _ observe: @escaping @Sendable (FollowObservation) async -> Void) async {
        var schedule = self.schedule
        let registry = self.registry
        let remote = self.remote
        while !Task.isCancelled {
            let reading = await Blocking.run { Self.read(registry, remote, targets) }
            await observe(reading)
            let synced: Bool
            if case .answers(_, _, nil) = reading { synced = true } else { synced = false }
            try? await Task.sleep(for: schedule.nextDelay(afterSuccess: synced))
        }
    }

    /// One round: pull (if there is a remote), then resolve every target at one state.
    private static func read(_ registry: Registry, _ remote: String?, _ targets: [FollowTarget]) -> FollowObservation {
        var syncError: PromptRegError?
        do {
            if let name = try remote ?? registry.remotes().first(where: \.upstream)?.name {
                _ = try registry.pull(from: name)
            }
        } catch {
            syncError = .wrapping(error)
        }
        do {
            // The head is read on both sides of the answers so they are labelled with the state
            // they were read at, even when a writer moves it meanwhile.
            var head = try registry.stateHead()
            for _ in 0..<3 {
                let results = try answers(registry, targets)
                let after = try registry.stateHead()
                if after == head { return .answers(state: head, results, syncError: syncError) }
                head = after
            }
            return .answers(state: head, try answers(registry, targets), syncError: syncError)
        } catch {
            return .failed(.wrapping(error))
        }
    }

    /// Every target's answer, all read from one state when they all resolve (a release of several
    /// bundles is seen all old or all new), else one by one.
    private static func answers(_ registry: Registry, _ targets: [FollowTarget]) throws -> [FollowTarget: Result<ResolvedBundle, PromptRegError>] {
        if let together = try? registry.resolve(targets.map(\.request)) {
            return Dictionary(uniqueKeysWithValues: zip(targets, together.map { .success($0) }))
        }
        return Dictionary(uniqueKeysWithValues: targets.map { target in
            (target, Result { try registry.resolve(target.request) }.mapError(PromptRegError.wrapping))
        })
    }
}

/// Runs blocking work (libgit2 network and disk calls) off Swift's cooperative threads.
enum Blocking {
    static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }
}
