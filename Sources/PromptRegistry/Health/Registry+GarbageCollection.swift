import Foundation

/// What `gc` did.
public struct GarbageReport: Sendable, Codable, Equatable {
    /// Pack files before.
    public let packsBefore: Int
    /// Loose objects before.
    public let looseObjectsBefore: Int
    /// Objects in the new pack.
    public let objectsKept: Int
    /// Objects nothing reaches that were kept because they are newer than the cut-off.
    public let unreachableKept: Int
    /// Objects nothing reaches that were removed.
    public let unreachableRemoved: Int
    /// Pack files after (another writer's new pack may be among them).
    public let packsAfter: Int

    enum CodingKeys: String, CodingKey {
        case packsBefore = "packs_before"
        case looseObjectsBefore = "loose_objects_before"
        case objectsKept = "objects_kept"
        case unreachableKept = "unreachable_kept"
        case unreachableRemoved = "unreachable_removed"
        case packsAfter = "packs_after"
    }
}

extension Registry {
    /// Each write stores its objects as one pack; `doctor --fix` runs `gc` once there are more
    /// than this many (every read searches each pack's index in turn).
    public static let packThreshold = 50

    /// How long `gc` keeps objects nothing reaches, by default (git's default too): a write that
    /// is about to reference one of them has long finished by then.
    public static let defaultPruneAge: TimeInterval = 14 * 24 * 3600

    /// Repacks the registry: every object a reference or reflog entry reaches, plus every
    /// unreached object younger than `pruneAge` seconds, into one pack; then removes the old packs
    /// and loose objects. Safe while other processes read and write (see README "gc").
    public func collectGarbage(pruneAge: TimeInterval = Registry.defaultPruneAge) throws -> GarbageReport {
        try withStore { store in try store.collectGarbage(keepingUnreachableSince: Date().addingTimeInterval(-pruneAge)) }
    }

    /// How many pack files the registry holds.
    public func packCount() throws -> Int {
        try withStore { try $0.packCount() }
    }
}
