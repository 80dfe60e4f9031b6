/// What one state commit should do: its event without the sequence number, time, actor and
/// signer. The files it writes follow from it (`StateTransition`).
struct StateUpdate {
    var action: StateEvent.Action
    var message: String
    var changes: [StateChange] = []
    /// Why a refusing promotion gate was overridden, if one was.
    var gateOverride: String? = nil
    /// The channel a whole-channel event is about.
    var channel: String? = nil
    /// The document the event sets.
    var document: JSONValue? = nil
    /// The undo entry a rollback undoes.
    var undoSeq: Int64? = nil
    /// The proposal an approval is about.
    var proposal: String? = nil

    /// The event of this update, stamped and signed as given.
    func event(_ stamp: StateStamp, signedBy signer: String?) -> StateEvent {
        StateEvent(
            seq: stamp.seq, time: stamp.time, actor: stamp.actor, action: action, message: message, changes: changes,
            gateOverride: gateOverride, signedBy: signer, channel: channel, document: document, undoSeq: undoSeq, proposal: proposal)
    }
}

/// The sequence number, time and actor the state commit being prepared will carry.
struct StateStamp {
    let seq: Int64
    let time: String
    let actor: String
}

extension StateEvent {
    /// The commit message of the state commit that records this event: readable in `git log`,
    /// with every field of the event. A state commit with another message is not promptreg's.
    public var commitMessage: String {
        var lines = ["\(action.rawValue): \(message.split(separator: "\n").first.map(String.init) ?? "")", ""]
        if message.contains("\n") { lines += [message, ""] }
        lines.append("seq: \(seq)")
        lines.append("time: \(time)")
        lines.append("actor: \(actor)")
        lines.append("action: \(action.rawValue)")
        if let gateOverride { lines.append("gate-override: \(gateOverride)") }
        if let signedBy { lines.append("signed-by: \(signedBy)") }
        for change in changes {
            let from = change.from.map(\.description) ?? "(none)"
            let to = change.to.map(\.description) ?? "(none)"
            if let channel = change.channel, action == .kill || action == .revive {
                lines.append("change: \(change.bundle) \(channel) \(action == .kill ? "killed" : "revived")")
            } else if let channel = change.channel {
                lines.append("change: \(change.bundle) \(channel) \(from) -> \(to)")
            } else {
                lines.append("change: \(change.bundle) published \(to) \(change.to?.digest.description ?? "")")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
