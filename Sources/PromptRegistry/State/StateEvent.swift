/// What a state commit did; stored as `event.json` in its tree. The history of these is the audit log.
public struct StateEvent: Codable, Sendable, Equatable {
    /// The kinds of event: an open set, so a reader meets an action a newer promptreg wrote as a
    /// value it does not know (`isKnown` false) rather than as a document it cannot read.
    public struct Action: Hashable, Sendable, Codable, CustomStringConvertible {
        /// The action's name as stored (`promote`, `channel-create`, ...).
        public let rawValue: String

        /// The action named `rawValue`.
        public init(rawValue: String) { self.rawValue = rawValue }

        public init(from decoder: Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }

        public var description: String { rawValue }

        /// The registry was created.
        public static let initialise = Action(rawValue: "init")
        /// A version was published.
        public static let publish = Action(rawValue: "publish")
        /// Channel pointers were moved forward.
        public static let promote = Action(rawValue: "promote")
        /// Channel pointers were put back.
        public static let rollback = Action(rawValue: "rollback")
        /// A channel was declared.
        public static let channelCreate = Action(rawValue: "channel-create")
        /// A channel and all its pointers were removed.
        public static let channelDelete = Action(rawValue: "channel-delete")
        /// An eval result was recorded for a bundle digest.
        public static let evalRecord = Action(rawValue: "eval-record")
        /// A channel's promotion gate was set or removed.
        public static let gateChange = Action(rawValue: "gate")
        /// The canary ramp steps were configured.
        public static let rampChange = Action(rawValue: "ramp-policy")
        /// The trust policy was set or changed.
        public static let trustPolicy = Action(rawValue: "trust-policy")
        /// A change to a protected channel was proposed.
        public static let propose = Action(rawValue: "propose")
        /// A proposal was approved (and, with its last approval, applied).
        public static let approve = Action(rawValue: "approve")
        /// A channel of a bundle was stopped: resolving it fails until it is revived.
        public static let kill = Action(rawValue: "kill")
        /// A killed channel of a bundle was put back in service.
        public static let revive = Action(rawValue: "revive")

        /// Every action this version of promptreg writes and replays.
        public static let known: Set<Action> = [
            .initialise, .publish, .promote, .rollback, .channelCreate, .channelDelete, .evalRecord, .gateChange, .rampChange,
            .trustPolicy, .propose, .approve, .kill, .revive,
        ]

        /// False for an action written by a newer promptreg.
        public var isKnown: Bool { Self.known.contains(self) }
    }
    /// Format tag: `promptreg.event/v2` for events that carry everything their tree is derived
    /// from (see `StateTransition`); `v1` events were written before 0.4.
    public var format = StateEvent.currentFormat
    /// Grows by exactly one with each state commit, from 0 at `init`.
    public var seq: Int64
    /// ISO 8601 UTC.
    public var time: String
    /// Who.
    public var actor: String
    /// What kind of event.
    public var action: Action
    /// Why, as the user said.
    public var message: String
    /// What changed.
    public var changes: [StateChange]
    /// Why a promotion gate was overridden, when this move went through one that refused it.
    public var gateOverride: String? = nil
    /// Who signed the state commit: the principal the trust policy gives the key, else the key's
    /// fingerprint; nil when unsigned. Covered by the signature; `verify` checks it against it.
    public var signedBy: String? = nil
    /// The channel a whole-channel event is about (`channel-create`, `channel-delete`, `gate`).
    public var channel: String? = nil
    /// The document the event sets, as it is stored (a channel declaration, gate, ramp policy,
    /// trust policy, eval statement or proposal); nil for events that set none or remove one.
    public var document: JSONValue? = nil
    /// For a rollback that undid a recorded change: the sequence number of that change's undo
    /// entry; nil for a rollback to a chosen version.
    public var undoSeq: Int64? = nil
    /// For an approval: the proposal approved.
    public var proposal: String? = nil

    /// The format tag this version writes.
    public static let currentFormat = "promptreg.event/v2"
    /// The format tag of events written before 0.4, which carry no documents.
    public static let legacyFormat = "promptreg.event/v1"

    /// True for an event written before 0.4: its tree is checked by the paths it changes, not
    /// recomputed.
    var isLegacy: Bool { format == Self.legacyFormat }

    enum CodingKeys: String, CodingKey {
        case format, seq, time, actor, action, message, changes, channel, document, proposal
        case gateOverride = "gate_override"
        case signedBy = "signed_by"
        case undoSeq = "undo_seq"
    }
}

/// One change of a state commit: a version published (no channel) or a channel pointer moved.
public struct StateChange: Codable, Sendable, Equatable {
    /// The bundle.
    public var bundle: String
    /// The channel; nil for a publish.
    public var channel: String?
    /// What the pointer was; nil when it did not exist (and for a publish).
    public var from: PointerTarget?
    /// What it became; nil when it was removed.
    public var to: PointerTarget?
    /// For a publish: the version commit (git object id) recorded.
    public var commit: String? = nil
}

extension StateEvent: StoredDocument {
    var rangeProblem: String? {
        sequenceProblem(seq) ?? changes.lazy.compactMap { trafficProblem($0.from?.traffic) ?? trafficProblem($0.to?.traffic) }.first
    }
}
