/// What a state commit did; stored as `event.json` in its tree. The history of these is the audit log.
public struct StateEvent: Codable, Sendable, Equatable {
    /// The kinds of event.
    public enum Action: String, Codable, Sendable {
        case initialise = "init"
        case publish, promote, rollback
        /// A channel was declared.
        case channelCreate = "channel-create"
        /// A channel and all its pointers were removed.
        case channelDelete = "channel-delete"
        /// An eval result was recorded for a bundle digest.
        case evalRecord = "eval-record"
        /// A channel's promotion gate was set or removed.
        case gateChange = "gate"
        /// The canary ramp steps were configured.
        case rampChange = "ramp-policy"
        /// The trust policy was set or changed.
        case trustPolicy = "trust-policy"
        /// A change to a protected channel was proposed.
        case propose
        /// A proposal was approved (and, with its last approval, applied).
        case approve
        /// A channel of a bundle was stopped: resolving it fails until it is revived.
        case kill
        /// A killed channel of a bundle was put back in service.
        case revive
    }
    /// Format tag.
    public var format = "promptreg.event/v1"
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

    enum CodingKeys: String, CodingKey {
        case format, seq, time, actor, action, message, changes
        case gateOverride = "gate_override"
        case signedBy = "signed_by"
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
}

extension StateEvent: StoredDocument {
    var rangeProblem: String? {
        sequenceProblem(seq) ?? changes.lazy.compactMap { trafficProblem($0.from?.traffic) ?? trafficProblem($0.to?.traffic) }.first
    }
}
