extension ResolvedBundle {
    /// This answer as `resolve` gives it to a subject whose canary bucket is `bucket`: the same
    /// bundle, channel and state, with the bucket set. A server that routes subjects itself
    /// (`Canary.bucket(bundle:subject:)` against the canary's traffic) builds per-subject answers
    /// from one verified answer per channel with it.
    public func answering(bucket: Double) -> ResolvedBundle {
        ResolvedBundle(bundle: bundle, channel: channel, bucket: bucket, stateSeq: stateSeq)
    }
}
