import Foundation

/// What a follower watches: what `channel` runs for bundle `name`, as seen by `subject` (so a
/// subject in the canary share follows the canary, as `resolve` would answer it).
public struct FollowTarget: Sendable, Hashable {
    /// Bundle name.
    public let name: String
    /// Channel asked for.
    public let channel: String
    /// The sticky subject key, if any.
    public let subject: String?

    /// A target; `channel` defaults to the stable channel.
    public init(_ name: String, channel: String = stableChannel, subject: String? = nil) {
        self.name = name
        self.channel = channel
        self.subject = subject
    }

    /// The resolve request this target stands for.
    public var request: ResolveRequest { .channel(name, channel: channel, subject: subject) }
}

/// What a follower reports.
public enum FollowEvent: Sendable {
    /// What a target resolves to: once at start, then each time it changes.
    case resolved(FollowAnswer)
    /// The source could not be reached, or answered with something refused. Resolves keep
    /// answering from the last verified state; `since` says how stale that is.
    case stale(FollowStaleness)
    /// In step with the source again after being stale.
    case recovered(StateHead)
}

/// A target's answer at one state.
public struct FollowAnswer: Sendable {
    /// What was asked.
    public let target: FollowTarget
    /// The verified bundle, or why the target has no answer at this state (a channel with no
    /// version yet, a bundle that is gone).
    public let result: Result<ResolvedBundle, PromptRegError>
    /// The state the answer was read at.
    public let state: StateHead
    /// True for the answers given when following starts.
    public let isInitial: Bool
}

/// How long a follower has been unable to reach its source, and why.
public struct FollowStaleness: Sendable {
    /// The error the last attempt ended with.
    public let error: PromptRegError
    /// The last time the source was reached (nil: not since following started).
    public let lastSuccess: Date?
    /// Seconds since the last successful sync (or since following started, when there was none).
    public let staleSeconds: Double
    /// The state answers are given from meanwhile, if any was read.
    public let state: StateHead?
}
