/// One of git's `.lock` files found in a registry, and what `doctor` made of it.
public struct GitLockStatus: Sendable, Codable, Equatable {
    /// Path relative to the registry.
    public let path: String
    /// Seconds since it was last modified.
    public let ageSeconds: Double
    /// Processes that have it open; nil when that cannot be known on this system.
    public let holders: [Int32]?
    /// Provably stale: older than the threshold and held by no process.
    public let stale: Bool
    /// Removed by `doctor --fix`.
    public let removed: Bool

    enum CodingKeys: String, CodingKey {
        case path
        case ageSeconds = "age_seconds"
        case holders, stale, removed
    }
}

/// What `doctor` found.
public struct HealthReport: Sendable, Encodable {
    /// Lock files in the registry.
    public let locks: [GitLockStatus]
    /// Objects no reference reaches (left by interrupted writes; harmless, removed by `gc`).
    public let unreachableObjects: Int
    /// Pack files (one per write until `gc` joins them); more than `Registry.packThreshold` slows
    /// reads, and `doctor --fix` then runs `gc`.
    public let packs: Int
    /// What `gc` did, when `doctor --fix` ran it.
    public let garbageCollected: GarbageReport?
    /// The full digest and history check.
    public let verify: VerifyReport

    /// True when no lock is in place and verify found nothing.
    public var ok: Bool { verify.ok && locks.allSatisfy(\.removed) }

    enum CodingKeys: String, CodingKey {
        case locks
        case unreachableObjects = "unreachable_objects"
        case packs
        case garbageCollected = "garbage_collected"
        case verify, ok
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(locks, forKey: .locks)
        try container.encode(unreachableObjects, forKey: .unreachableObjects)
        try container.encode(packs, forKey: .packs)
        try container.encodeIfPresent(garbageCollected, forKey: .garbageCollected)
        try container.encode(verify, forKey: .verify)
        try container.encode(ok, forKey: .ok)
    }
}
