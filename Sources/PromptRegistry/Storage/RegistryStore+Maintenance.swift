import Foundation
import GitStore

extension RegistryStore {
    /// See `Registry.collectGarbage`.
    func collectGarbage(keepingUnreachableSince cutoff: Date) throws -> GarbageReport {
        let outcome = try translatingGitErrors { try repository.repack(keepingUnreachableSince: cutoff) }
        return GarbageReport(
            packsBefore: outcome.packsBefore, looseObjectsBefore: outcome.looseBefore, objectsKept: outcome.objectsKept,
            unreachableKept: outcome.unreachableKept, unreachableRemoved: outcome.unreachableRemoved,
            packsAfter: outcome.packsAfter)
    }

    /// How many pack files the repository holds.
    func packCount() throws -> Int {
        try translatingGitErrors { try repository.packCount() }
    }

    /// See `GitRepository.forgetRemovedPacks`; a failure only means the next read searches more.
    func forgetRemovedPacks() {
        try? repository.forgetRemovedPacks()
    }
}
