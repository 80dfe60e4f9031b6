import Foundation

/// How fresh a clone's view of its upstream is: which remote, and when this registry last
/// reached it (its last successful fetch); nil for a registry without an upstream.
public struct UpstreamView: Sendable, Equatable {
    /// The upstream remote's name.
    public let remote: String
    /// When this registry last fetched from the upstream; nil when it never did.
    public let lastFetched: Date?

    /// Seconds since the last fetch at `now`; nil when it never fetched.
    public func age(at now: Date = Date()) -> TimeInterval? {
        lastFetched.map { max(0, now.timeIntervalSince($0)) }
    }
}

extension Registry {
    /// The upstream and when it was last fetched from; nil without an upstream (or when writes
    /// are offline only, the upstream is still reported: reads are as stale either way).
    public func upstreamView() throws -> UpstreamView? {
        try withStore { store in
            guard let remote = try store.upstream() else { return nil }
            let pulled = try store.target(of: RegistryStore.trackingRef(Layout.stateRef, remote: remote)) != nil
            return UpstreamView(remote: remote, lastFetched: pulled ? store.lastFetchTime() : nil)
        }
    }

    /// The remote a write goes through now (the upstream, unless writes are offline); nil when
    /// writes change only this registry.
    public func writeUpstream() throws -> String? {
        try withStore { try writeThroughRemote($0) }
    }
}
