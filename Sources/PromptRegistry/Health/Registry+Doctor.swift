import Foundation

extension Registry {
    /// Checks the registry's health: lock files, unreachable objects, pack files, and everything
    /// `verify` checks. With `fix`, removes each lock file that is provably stale (older than
    /// `staleAfter` seconds and open in no process) and runs `collectGarbage` when there are more
    /// than `packThreshold` packs.
    public func doctor(fix: Bool, staleAfter: Double = 30) throws -> HealthReport {
        let locks = GitLockFiles.all(in: path).map { relative -> GitLockStatus in
            let full = "\(path)/\(relative)"
            let age = GitLockFiles.age(full) ?? 0
            let holders = GitLockFiles.holders(of: full)
            let stale = age >= staleAfter && holders == []
            let removed = fix && stale && (try? FileManager.default.removeItem(atPath: full)) != nil
            return GitLockStatus(path: relative, ageSeconds: age, holders: holders, stale: stale, removed: removed)
        }
        let unreachable = try withStore { try $0.unreachableObjectCount() }
        let packs = try packCount()
        let garbage = fix && packs > Self.packThreshold ? try collectGarbage() : nil
        return HealthReport(
            locks: locks, unreachableObjects: unreachable, packs: packs, garbageCollected: garbage, verify: try verify())
    }
}
