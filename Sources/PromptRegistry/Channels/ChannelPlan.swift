/// The pointer moves of one channel state commit being prepared. The undo entries that let
/// `rollback` revert them follow from the event (`StateTransition`).
struct ChannelPlan {
    let snapshot: StateSnapshot
    private(set) var changes: [StateChange] = []

    init(snapshot: StateSnapshot) { self.snapshot = snapshot }

    /// Sets `name`'s pointer on `channel` from `from` to `to`.
    mutating func move(_ name: String, on channel: String, from: ChannelPointer?, to: ChannelPointer) {
        changes.append(StateChange(bundle: name, channel: channel, from: from.map(PointerTarget.init), to: PointerTarget(to)))
    }

    /// Records a change of this commit.
    mutating func record(_ change: StateChange) { changes.append(change) }

    /// The state update of these moves.
    func update(action: StateEvent.Action, message: String) -> StateUpdate {
        StateUpdate(action: action, message: message, changes: changes)
    }
}
