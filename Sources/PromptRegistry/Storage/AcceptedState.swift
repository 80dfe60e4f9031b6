import Foundation

/// The highest state this registry has ever accepted (its sequence number and commit), kept in a
/// small file beside the refs (`promptreg-accepted-state.json` in the registry directory). Every
/// read and write refuses a state older than it or not descending from it, so a registry cannot
/// be silently rewound or forked back (TUF's rollback and freeze protection). Written
/// atomically: a temporary file, fsync'd, renamed over the old one.
struct AcceptedState: Codable, Equatable, Sendable {
    /// Format tag.
    var format = "promptreg.accepted-state/v1"
    /// The state sequence number.
    var seq: Int64
    /// The state commit.
    var commit: String
    /// During a rebase of local changes onto a remote's state: the local state being replaced,
    /// still acceptable until the state ref has moved (a process killed in between leaves either).
    var replaces: String?
    /// The newest state commit whose history was checked, by the rules it was checked by
    /// (`HistoryTrust.markKey`): later checks start there.
    var checked: [String: String]?

    static let fileName = "promptreg-accepted-state.json"

    init(seq: Int64, commit: CommitID, replaces: CommitID? = nil) {
        self.seq = seq
        self.commit = commit.hex
        self.replaces = replaces?.hex
    }

    /// The mark of the registry at `directory`; nil when none was written yet.
    static func read(in directory: String) throws -> AcceptedState? {
        let path = "\(directory)/\(fileName)"
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let mark = try CanonicalJSON.decode(AcceptedState.self, from: data, file: path, code: .integrity)
        guard mark.seq >= 0, CommitID(hex: mark.commit) != nil else {
            throw PromptRegError(
                .integrity, "\(path): not a valid accepted-state mark", fix: "restore it, or remove it to trust the current state",
                subject: .init(file: path))
        }
        return mark
    }

    /// Writes this mark for the registry at `directory`, atomically: a temporary file, fsync'd,
    /// renamed over the old mark. The directory is not fsync'd: a crash can only undo the rename,
    /// which leaves the previous mark (complete, and fsync'd when it was written), and a mark
    /// that lags the state is accepted (the state descends from it).
    func write(in directory: String) throws {
        let path = "\(directory)/\(Self.fileName)"
        let temporary = "\(path).\(getpid()).tmp"
        let bytes = CanonicalJSON.bytes(of: self)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let written = descriptor >= 0 && bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) } == bytes.count
        let synced = written && fsync(descriptor) == 0
        let closed = descriptor >= 0 && close(descriptor) == 0
        guard synced, closed, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw PromptRegError(
                .storage, "\(path): cannot record the accepted state (\(reason))",
                fix: "check the disk (space, permissions) and run the command again")
        }
    }
}

extension RegistryStore {
    /// The accepted-state mark. Read it BEFORE reading the state ref: a writer moves the ref first
    /// and the mark after, so a state read after the mark is never older than the mark unless
    /// the state really went backwards.
    func acceptedState() throws -> AcceptedState? { try AcceptedState.read(in: path) }

    /// Throws unless the state at `commit` (sequence `seq`) is the accepted one (`mark`, read
    /// before the state) or moves forward from it; returns true when it is newer than the mark
    /// (so the caller records it).
    func checkAccepted(_ commit: CommitID, seq: Int64, against mark: AcceptedState?) throws -> Bool {
        guard let mark, let accepted = CommitID(hex: mark.commit) else { return true }
        if accepted == commit || mark.replaces == commit.hex { return false }
        let forward = try seq > mark.seq && isDescendant(commit, of: accepted)
        guard forward else {
            throw PromptRegError(
                .integrity,
                "the state went backwards: the registry holds state \(seq) (\(commit.short)), but it already accepted state \(mark.seq) (\(accepted.short)), which the current state does not descend from",
                fix: "do not trust this copy; restore the state ref to \(accepted.short) or a state that descends from it (from a clone or the reflog)",
                remedy: .verify)
        }
        return true
    }

    /// Records the state at `commit` as the highest accepted; with `replacing`, the state that a
    /// rebase is about to replace stays acceptable until the next mark.
    func accept(_ commit: CommitID, seq: Int64, replacing old: CommitID? = nil) throws {
        var mark = AcceptedState(seq: seq, commit: commit, replaces: old)
        var checked = (try? acceptedState())?.checked ?? [:]
        // What this handle checked up to the accepted state is remembered with it.
        for (key, head) in checkedHeads where head == commit { checked[key] = commit.hex }
        mark.checked = checked.isEmpty ? nil : checked
        try mark.write(in: path)
    }

    /// Remembers in the mark that the history up to `commit` passed the checks `keys` name (the
    /// policy's, and at most one anchor's).
    func rememberChecked(_ commit: CommitID, as keys: [String]) throws {
        guard var mark = try acceptedState(), keys.contains(where: { mark.checked?[$0] != commit.hex }) else { return }
        var checked = (mark.checked ?? [:]).filter { $0.key == HistoryTrust.policy.markKey }
        for key in keys { checked[key] = commit.hex }
        mark.checked = checked
        try mark.write(in: path)
    }
}
