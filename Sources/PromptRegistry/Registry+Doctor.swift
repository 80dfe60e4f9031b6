import Foundation
import GitStore

/// A `.lock` file found in a registry, and what `doctor` made of it.
public struct LockStatus: Sendable, Codable, Equatable {
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
    public let locks: [LockStatus]
    /// Objects no reference reaches (left by interrupted writes; harmless, removed by `git gc`).
    public let unreachableObjects: Int
    /// The full digest and history check.
    public let verify: VerifyReport

    /// True when no lock is in place and verify found nothing.
    public var ok: Bool { verify.ok && locks.allSatisfy(\.removed) }

    enum CodingKeys: String, CodingKey {
        case locks
        case unreachableObjects = "unreachable_objects"
        case verify, ok
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(locks, forKey: .locks)
        try container.encode(unreachableObjects, forKey: .unreachableObjects)
        try container.encode(verify, forKey: .verify)
        try container.encode(ok, forKey: .ok)
    }
}

/// Finding lock files and who holds them.
enum LockFiles {
    /// Every `*.lock` file under the registry, relative paths, sorted.
    static func all(in registry: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: registry) else { return [] }
        var found: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if relative.hasPrefix("objects/") { enumerator.skipDescendants() }
            if relative.hasSuffix(".lock") { found.append(relative) }
        }
        return found.sorted()
    }

    /// Seconds since `path` was modified; nil when it does not exist.
    static func age(_ path: String) -> Double? {
        guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date else { return nil }
        return Date().timeIntervalSince(modified)
    }

    /// The processes that have `path` open, from /proc/<pid>/fd; nil where /proc cannot tell.
    static func holders(of path: String) -> [Int32]? {
        guard let pids = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        var holders: [Int32] = []
        var readAny = false
        for entry in pids {
            guard let pid = Int32(entry), let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(entry)/fd") else {
                continue
            }
            readAny = true
            for fd in fds where (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/fd/\(fd)")) == target {
                holders.append(pid)
            }
        }
        return readAny ? holders : nil
    }

    /// The conflict error for a reference whose lock file is in place.
    static func heldError(reference: String, registry: String) -> PromptRegError {
        let lock = "\(registry)/\(reference).lock"
        let age = age(lock).map { " (\(Int($0)) s old)" } ?? ""
        return PromptRegError(
            .conflict, "\(reference) is locked by \(lock)\(age): another writer holds it, or one crashed while holding it",
            fix: "if no promptreg or git process is writing to this registry, run 'promptreg doctor --fix' "
                + "(it removes the lock once it is provably stale) or remove \(lock) by hand")
    }
}

extension Registry {
    /// A lock file older than this, met by a writer, is reported at once instead of waited for.
    public static let staleLockAge: Double = 10

    /// Checks the registry's health: lock files, unreachable objects, and everything `verify`
    /// checks. With `fix`, removes each lock file that is provably stale: older than
    /// `staleAfter` seconds and open in no process.
    public func doctor(fix: Bool, staleAfter: Double = 30) throws -> HealthReport {
        let locks = LockFiles.all(in: path).map { relative -> LockStatus in
            let full = "\(path)/\(relative)"
            let age = LockFiles.age(full) ?? 0
            let holders = LockFiles.holders(of: full)
            let stale = age >= staleAfter && holders == []
            let removed = fix && stale && (try? FileManager.default.removeItem(atPath: full)) != nil
            return LockStatus(path: relative, ageSeconds: age, holders: holders, stale: stale, removed: removed)
        }
        let unreachable = try withRepository { repository in
            try Self.storage { try repository.allObjects().subtracting(try repository.reachableObjects()).count }
        }
        return HealthReport(locks: locks, unreachableObjects: unreachable, verify: try verify())
    }
}
