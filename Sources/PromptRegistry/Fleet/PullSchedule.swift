/// When a follower or a relay pulls next: every `interval` with ±`jitter` spread (so a fleet
/// started together does not pull in lockstep), doubling after each failure up to `maxBackoff`,
/// and back to `interval` after a success.
public struct PullSchedule: Sendable {
    /// The delay between pulls while they succeed.
    public let interval: Duration
    /// The longest delay after repeated failures.
    public let maxBackoff: Duration
    /// The relative spread applied to every delay (0.2 = ±20 %).
    public let jitter: Double
    /// Failures in a row so far.
    public private(set) var failures = 0

    /// A schedule pulling every `interval` (default 5 s), backing off up to `maxBackoff` (default 60 s).
    public init(interval: Duration = .seconds(5), maxBackoff: Duration = .seconds(60), jitter: Double = 0.2) {
        self.interval = interval
        self.maxBackoff = max(maxBackoff, interval)
        self.jitter = min(max(jitter, 0), 0.9)
    }

    /// The delay before the next pull, after one that succeeded or failed.
    public mutating func nextDelay(afterSuccess: Bool) -> Duration {
        failures = afterSuccess ? 0 : failures + 1
        var delay = interval
        for _ in 0..<min(failures, 16) where delay < maxBackoff { delay *= 2 }
        let base = min(delay, maxBackoff)
        return base * Double.random(in: (1 - jitter)...(1 + jitter))
    }
}
