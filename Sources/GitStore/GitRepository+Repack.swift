import CLibGit2
import Foundation

/// What `repack` found and did.
package struct RepackOutcome: Sendable, Equatable {
    /// Packs there before.
    package var packsBefore: Int
    /// Loose objects there before.
    package var looseBefore: Int
    /// Objects in the pack (or packs) written.
    package var objectsKept: Int
    /// Objects nothing reaches that were kept because their file is newer than the cut-off.
    package var unreachableKept: Int
    /// Objects nothing reaches that were removed.
    package var unreachableRemoved: Int
    /// Packs there after.
    package var packsAfter: Int
}

/// Garbage collection: every object still wanted in one new pack, then the old packs and loose
/// objects removed. Safe beside readers (libgit2 rescans `objects/pack` when an object is missing)
/// and beside writers (a write's objects go into a pack of their own, which this never removes;
/// the references are read again after the new pack is written, and anything a moved reference
/// now reaches is packed before anything is removed).
extension GitRepository {
    /// Writes one pack holding every object reachable from a reference or a reflog entry, and every
    /// object nothing reaches whose pack or loose file was modified at or after `cutoff` (a write
    /// may be about to reference it); then removes the packs and loose objects that were there
    /// when it started. Fsync'd like every write.
    package func repack(keepingUnreachableSince cutoff: Date) throws -> RepackOutcome {
        let oldPacks = try packFiles()
        let oldLoose = try looseObjects()
        let operation = "repack \(path)"
        let referencesBefore = try referenceFingerprint()
        var wanted = try reachableObjects(includingReflogs: true)
        var unreachableKept = Set<ObjectID>()
        var unreachableRemoved = Set<ObjectID>()
        for pack in oldPacks {
            let recent = try modificationDate("\(path)/objects/pack/\(pack)") >= cutoff
            for id in try objects(inPack: pack) where !wanted.contains(id) {
                if recent { unreachableKept.insert(id) } else { unreachableRemoved.insert(id) }
            }
        }
        for (id, file) in oldLoose where !wanted.contains(id) {
            if try modificationDate(file) >= cutoff { unreachableKept.insert(id) } else { unreachableRemoved.insert(id) }
        }
        unreachableRemoved.subtract(unreachableKept)
        wanted.formUnion(unreachableKept)
        var written = Set<String>()
        var packed = try writePack(of: wanted, named: &written, operation)
        // A writer may have moved a reference meanwhile onto an object only the old files hold
        // (libgit2 does not write an object it already has): pack what the references reach now.
        // Unchanged references and reflogs reach exactly what was packed: no second walk.
        for _ in 0..<3 where try referenceFingerprint() != referencesBefore {
            let missing = try reachableObjects(includingReflogs: true).subtracting(packed)
            let onlyInOldFiles = missing.intersection(unreachableRemoved)
            if onlyInOldFiles.isEmpty { break }
            packed.formUnion(try writePack(of: onlyInOldFiles, named: &written, operation))
            unreachableRemoved.subtract(onlyInOldFiles)
        }
        guard try referenceFingerprint() == referencesBefore
            || reachableObjects(includingReflogs: true).subtracting(packed).isDisjoint(with: unreachableRemoved)
        else {
            throw GitError(
                code: .other(0), message: "references kept moving onto objects being removed; nothing was removed",
                operation: operation)
        }
        // A pack with the same objects gets the same name: the one just written replaced it.
        for pack in oldPacks where !written.contains(pack) { try removePack(pack, operation) }
        for (_, file) in oldLoose { try removeFile(file, operation) }
        for directory in Set(oldLoose.values.map { ($0 as NSString).deletingLastPathComponent }) {
            rmdir(directory)  // only when empty; a writer may have put a new object there
        }
        try reopenObjectDatabase()
        return RepackOutcome(
            packsBefore: oldPacks.count, looseBefore: oldLoose.count, objectsKept: packed.count,
            unreachableKept: unreachableKept.count, unreachableRemoved: unreachableRemoved.count,
            packsAfter: try packFiles().count)
    }

    /// Past this many packs a write joins the small ones (see `joinPacksIfMany`), so reads never
    /// search more than about this many indexes even when `gc` never runs.
    package static let packLimit = 100

    /// When there are more than `packLimit` packs, joins the smaller ones into one, keeping every
    /// object they hold (nothing is pruned, so no other writer can lose an object it is about to
    /// reference). Which ones: packs sorted by size, the smallest k where each pack above them is at
    /// least twice the size of all below it (git's `repack --geometric=2`), so each object is
    /// rewritten only a logarithmic number of times before `gc`.
    package func joinPacksIfMany() throws {
        let packs = try packFiles()
        guard packs.count > Self.packLimit else { return }
        let sized = packs.map { pack -> (name: String, size: Int64) in
            var status = stat()
            return (pack, stat("\(path)/objects/pack/\(pack)", &status) == 0 ? Int64(status.st_size) : 0)
        }.sorted { $0.size < $1.size }
        var split = sized.count - 1
        while split > 0, sized[split].size >= 2 * sized[split - 1].size { split -= 1 }
        var below = sized[..<split].reduce(Int64(0)) { $0 + $1.size }
        while split < sized.count, sized[split].size < 2 * below {
            below += sized[split].size
            split += 1
        }
        let joined = sized[..<max(split, 2)].map(\.name)
        var seen = Set<ObjectID>()
        var ids: [ObjectID] = []
        for pack in joined {
            for id in try objects(inPack: pack) where seen.insert(id).inserted { ids.append(id) }
        }
        let operation = "join \(joined.count) packs in \(path)"
        let written = try storePack(of: ids, operation)
        for pack in joined where pack != written { try removePack(pack, operation) }
        try reopenObjectDatabase()
    }

    /// Every loose object: its id and its file.
    package func looseObjects() throws -> [ObjectID: String] {
        let root = "\(path)/objects"
        var found: [ObjectID: String] = [:]
        for fanout in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] where fanout.count == 2 {
            for rest in (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(fanout)")) ?? [] {
                guard let id = ObjectID(hex: fanout + rest) else { continue }
                found[id] = "\(root)/\(fanout)/\(rest)"
            }
        }
        return found
    }

    /// The objects the pack `pack` (a file name under `objects/pack`) holds, read from its index.
    private func objects(inPack pack: String) throws -> [ObjectID] {
        let index = "\(path)/objects/pack/\(pack.dropLast(".pack".count)).idx"
        return try withGitObject(
            "read pack index \(index)", make: { git_odb_backend_one_pack(&$0, index) }, free: { $0.pointee.free($0) }
        ) { backend in
            var ids: [ObjectID] = []
            try withoutActuallyEscaping({ (id: ObjectID) in ids.append(id) }) { body in
                try CallbackBridge(body).perform("list pack \(pack)") { payload in
                    backend.pointee.foreach(
                        backend,
                        { oid, payload in
                            CallbackBridge<(ObjectID) throws -> Void>.callback(payload) { try $0(ObjectID(oid, "list pack")) }
                        }, payload)
                }
            }
            return ids
        }
    }

    /// Writes `ids` as one pack (nothing when empty), adds its file name to `names`, and returns `ids`.
    private func writePack(of ids: Set<ObjectID>, named names: inout Set<String>, _ operation: String) throws -> Set<ObjectID> {
        guard !ids.isEmpty else { return [] }
        let name = try withGitObject(operation, make: { git_packbuilder_new(&$0, handle) }, free: git_packbuilder_free) {
            builder in
            for id in ids.sorted(by: { $0.hex < $1.hex }) {
                var oid = id.oid
                try check(git_packbuilder_insert(builder, &oid, nil), "pack object \(id)")
            }
            try check(git_packbuilder_write(builder, "\(path)/objects/pack", 0, nil, nil), operation)
            guard let name = git_packbuilder_name(builder) else {
                throw GitError(code: .other(0), message: "libgit2 returned no pack name", operation: operation)
            }
            return "pack-\(String(cString: name)).pack"
        }
        names.insert(name)
        return ids
    }

    /// Every reference's name and target, and how many entries its reflog holds: equal before
    /// and after means nothing moved in between (a move appends to the reflog).
    private func referenceFingerprint() throws -> [String] {
        try references(matching: "refs/*").map { "\($0.name) \($0.target) \(try reflog($0.name).count)" }.sorted()
    }

    /// Removes pack `pack` (a file name under `objects/pack`): the pack before its index, as a
    /// reader that lists packs skips an index without its pack.
    private func removePack(_ pack: String, _ operation: String) throws {
        try removeFile("\(path)/objects/pack/\(pack)", operation)
        try removeFile("\(path)/objects/pack/\(pack.dropLast(".pack".count)).idx", operation)
    }

    private func modificationDate(_ file: String) throws -> Date {
        var status = stat()
        guard stat(file, &status) == 0 else { return .distantFuture }  // gone meanwhile: keep what it held
        return Date(timeIntervalSince1970: TimeInterval(status.st_mtim.tv_sec))
    }

    private func removeFile(_ file: String, _ operation: String) throws {
        guard unlink(file) == 0 || errno == ENOENT else {
            throw GitError(code: .other(0), message: "cannot remove \(file): \(String(cString: strerror(errno)))", operation: operation)
        }
    }
}
