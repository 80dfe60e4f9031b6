/// One line `promptreg follow --json` prints: what a target resolves to, at start (`initial`) or
/// after a change (`changed`); or, on standard error, that the follower is `stale` or `recovered`.
/// An answer line says whether the channel is killed (`killed`, with the kill's `reason`, `by`
/// and `at` when it is).
public struct FollowLine: Encodable, Sendable {
    /// `initial`, `changed`, `stale` or `recovered`.
    public let event: String
    /// Bundle name (answers only).
    public let name: String?
    /// The channel followed (answers only).
    public let channel: String?
    /// The channel that answered, when it is not the one followed (a subject in the canary share).
    public let answeredBy: String?
    /// The version it resolves to.
    public let version: SemanticVersion?
    /// Its bundle digest.
    public let digest: Digest?
    /// The subject's canary bucket, when one applied.
    public let bucket: Double?
    /// The state sequence the line describes.
    public let stateSeq: Int64?
    /// The state commit.
    public let stateCommit: String?
    /// Seconds since the last successful sync (`stale` only).
    public let staleSeconds: Double?
    /// Why there is no answer, or why the follower is stale.
    public let error: FollowLineError?
    /// Whether the channel is killed (answers only): true when the answer is a `killed` error.
    public let killed: Bool?
    /// Why the channel was killed (when `killed`).
    public let reason: String?
    /// Who killed it (when `killed`).
    public let by: String?
    /// When it was killed, ISO 8601 UTC (when `killed`).
    public let at: String?

    /// The line for one answer.
    public init(_ answer: FollowAnswer) {
        event = answer.isInitial ? "initial" : "changed"
        name = answer.target.name
        channel = answer.target.channel
        stateSeq = answer.state.seq
        stateCommit = answer.state.commit
        staleSeconds = nil
        switch answer.result {
        case .success(let bundle):
            answeredBy = bundle.channel == answer.target.channel ? nil : bundle.channel
            version = bundle.version
            digest = bundle.digest
            bucket = bundle.bucket
            error = nil
            (killed, reason, by, at) = (false, nil, nil, nil)
        case .failure(let failure):
            answeredBy = nil
            version = nil
            digest = nil
            bucket = nil
            error = FollowLineError(failure)
            (killed, reason, by, at) = (failure.code == .killed, failure.kill?.reason, failure.kill?.by, failure.kill?.at)
        }
    }

    /// The line saying the follower is stale.
    public init(_ staleness: FollowStaleness) {
        self.init(status: "stale", state: staleness.state, staleSeconds: staleness.staleSeconds, error: FollowLineError(staleness.error))
    }

    /// The line saying the follower is in step again at `state`.
    public init(recoveredAt state: StateHead) {
        self.init(status: "recovered", state: state, staleSeconds: nil, error: nil)
    }

    private init(status: String, state: StateHead?, staleSeconds: Double?, error: FollowLineError?) {
        event = status
        (name, channel, answeredBy, version, digest, bucket) = (nil, nil, nil, nil, nil, nil)
        stateSeq = state?.seq
        stateCommit = state?.commit
        self.staleSeconds = staleSeconds
        self.error = error
        (killed, reason, by, at) = (nil, nil, nil, nil)
    }

    enum CodingKeys: String, CodingKey {
        case event, name, channel, version, digest, bucket, error, killed, reason, by, at
        case answeredBy = "answered_by"
        case stateSeq = "state_seq"
        case stateCommit = "state_commit"
        case staleSeconds = "stale_seconds"
    }

}

/// The error part of a follow line: the code (as in the CLI's errors) and the message.
public struct FollowLineError: Encodable, Sendable {
    /// The error code, e.g. `not-found`.
    public let code: String
    /// What went wrong.
    public let message: String

    init(_ error: PromptRegError) {
        code = error.code.name
        message = error.message
    }
}
