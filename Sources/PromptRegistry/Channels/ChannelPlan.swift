/// The files and changes of one channel state commit being prepared: pointer moves, and the undo
/// entries that let `rollback` revert them.
struct ChannelPlan {
    let snapshot: StateSnapshot
    private(set) var changes: [StateChange] = []
    private var files: [String: [UInt8]?] = [:]
    private var pendingMoves: [String: [UndoEntry.Move]] = [:]

    init(snapshot: StateSnapshot) { self.snapshot = snapshot }

    /// Sets `name`'s pointer on `channel`; `undoable` moves are pushed on the channel's undo stack.
    mutating func move(_ name: String, on channel: String, from: ChannelPointer?, to: ChannelPointer, undoable: Bool = true) throws {
        files[Layout.pointerFile(channel, name)] = CanonicalJSON.bytes(of: to)
        changes.append(StateChange(bundle: name, channel: channel, from: from.map(PointerTarget.init), to: PointerTarget(to)))
        if undoable { pendingMoves[channel, default: []].append(UndoEntry.Move(bundle: name, from: from, to: to)) }
    }

    /// Sets or removes (nil) one state file of this commit.
    mutating func setFile(_ path: String, to bytes: [UInt8]?) { files[path] = .some(bytes) }

    /// Records a change of this commit.
    mutating func record(_ change: StateChange) { changes.append(change) }

    /// Rewrites the undo entry at `path` (after a rollback reverted part of it), or removes it.
    mutating func replaceUndoEntry(at path: String, with entry: UndoEntry?) {
        files[path] = .some(entry.map { CanonicalJSON.bytes(of: $0) })
    }

    /// The state update: one new undo entry per channel this change moved, the oldest entries
    /// beyond the limit dropped.
    func update(action: StateEvent.Action, message: String) throws -> StateUpdate {
        var files = self.files
        for (channel, moves) in pendingMoves {
            guard let seq = moves.first?.to.seq else { continue }
            files[Layout.undoEntryFile(channel, seq: seq)] = CanonicalJSON.bytes(of: UndoEntry(seq: seq, moves: moves))
            let existing = try snapshot.undoFiles(channel)
            for path in existing.prefix(max(0, existing.count + 1 - UndoEntry.limit)) { files[path] = .some(nil) }
        }
        return StateUpdate(action: action, message: message, changes: changes, files: files)
    }
}
