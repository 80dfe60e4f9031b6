import Foundation

/// git's `.lock` files in a registry (a writer holds one while it moves a ref): finding them, their
/// age, and who holds them. Not to be confused with an agent's pin file.
enum GitLockFiles {
    /// A lock file older than this, met by a writer, is reported at once instead of waited for.
    static let staleAge: Double = 10

    /// Throws at once when `reference`'s lock file has been in place for `staleAge`: that is not a
    /// writer about to finish, and waiting would only delay the error. Called before writing anything.
    static func refuseStale(reference: String, in registry: String) throws {
        if let age = age("\(registry)/\(reference).lock"), age >= staleAge {
            throw heldError(reference: reference, registry: registry)
        }
    }

    /// Every `*.lock` file under the registry (outside `objects/`), relative paths, sorted. Reads
    /// directories with `readdir` and the entry types it reports, so a registry with tens of
    /// thousands of loose refs is walked without a `stat` per file (every pull walks it).
    static func all(in registry: String) -> [String] {
        var found: [String] = []
        var pending = [""]
        while let relative = pending.popLast() {
            guard let directory = opendir(relative.isEmpty ? registry : "\(registry)/\(relative)") else { continue }
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                guard name != ".", name != ".." else { continue }
                let path = relative.isEmpty ? name : "\(relative)/\(name)"
                var type = entry.pointee.d_type
                if type == UInt8(DT_UNKNOWN) {
                    var status = stat()
                    type = lstat("\(registry)/\(path)", &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR ? UInt8(DT_DIR) : UInt8(DT_REG)
                }
                if type == UInt8(DT_DIR) {
                    if path != "objects" { pending.append(path) }
                } else if name.hasSuffix(".lock") {
                    found.append(path)
                }
            }
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
            fix: "if no promptreg or git process is writing to this registry, remove the lock once it is provably stale, "
                + "or remove \(lock) by hand",
            remedy: .repairLocks)
    }

    /// Removes every lock file in the registry that no process has open and that is at least
    /// `minimumAge` seconds old: what a process killed while writing leaves. A lock a live process
    /// holds is never touched; where /proc cannot tell, nothing is removed. Returns the paths removed.
    @discardableResult
    static func removeAbandoned(in registry: String, minimumAge: Double = 0.1) -> [String] {
        all(in: registry).filter { relative in
            let full = "\(registry)/\(relative)"
            guard let age = age(full), age >= minimumAge, holders(of: full) == [] else { return false }
            return (try? FileManager.default.removeItem(atPath: full)) != nil
        }
    }
}
