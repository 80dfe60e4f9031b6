import Foundation
import PromptRegistry
import ServiceLifecycle

/// The relay loop of `serve --follow REMOTE`: pulls from the remote on a `PullSchedule` (jittered
/// interval, exponential back-off on failure, reset on success) through its own registry handle, so
/// a slow remote never holds up the reads being served. A failed pull changes nothing: the server
/// keeps answering from the last state it accepted (`pull` never moves backwards).
final class Relay: Service, Sendable {
    /// Where the relay stands, for `/healthz` and `/metrics`.
    struct Progress: Sendable {
        /// When the last pull succeeded (process uptime clock).
        var lastSuccess: ContinuousClock.Instant?
        /// Why the last pull failed, when it did.
        var lastError: PromptRegError?
    }

    /// The remote pulled from.
    let remote: String
    private let registry: Registry
    private let schedule: PullSchedule
    private let watcher: StateWatcher
    private let state = Locked(Progress())

    /// A relay pulling `remote` into the registry at `registryPath`, refusing state `trust` does
    /// not trust (when given), telling `watcher` after each pull.
    init(registryPath: String, trust: AllowedSigners?, remote: String, schedule: PullSchedule, watcher: StateWatcher) throws {
        registry = try Registry.open(at: registryPath, trusting: trust)
        self.remote = remote
        self.schedule = schedule
        self.watcher = watcher
    }

    /// Where the relay stands now.
    var progress: Progress { state.withLock { $0 } }

    /// Seconds since the last successful pull; nil before the first.
    var secondsSinceSync: Double? {
        progress.lastSuccess.map { instant in
            let elapsed = ContinuousClock.now - instant
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
    }

    /// Pulls at once, then on the schedule, until the server shuts down.
    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var schedule = self.schedule
            while !Task.isCancelled {
                let succeeded = await self.pull()
                try await Task.sleep(for: schedule.nextDelay(afterSuccess: succeeded))
            }
        }
    }

    /// One pull, on a thread of its own (libgit2 blocks on the network); true when it succeeded.
    private func pull() async -> Bool {
        let result = await withCheckedContinuation { continuation in
            Thread.detachNewThread { [registry, remote] in
                continuation.resume(returning: Result { try registry.pull(from: remote) }.mapError(PromptRegError.wrapping))
            }
        }
        state.withLock { progress in
            switch result {
            case .success:
                progress.lastSuccess = .now
                progress.lastError = nil
            case .failure(let error):
                progress.lastError = error
            }
        }
        watcher.refresh()
        if case .success = result { return true }
        return false
    }
}
