import Foundation

/// A pending change to a protected channel, waiting for approvals: stored in the state tree
/// (`proposals/<id>.json`). It lands when it has as many approvals (by signers other than the
/// proposer, one per principal) as the channel's rule demands, in the same state commit as the
/// last approval. It is void once the channel moved away from what it was when proposed, or
/// after it expires.
public struct Proposal: Codable, Sendable, Equatable {
    /// What is proposed: the same two kinds of move `promote` makes.
    public enum Intent: Codable, Sendable, Equatable {
        /// `promote NAME@VERSION CHANNEL [--traffic P]`.
        case version(bundle: String, version: SemanticVersion, traffic: Double?)
        /// `promote FROM CHANNEL [NAME...]`: what channel FROM runs, for the bundles named (all when none).
        case release(from: String, bundles: [String])
    }

    /// One approval.
    public struct Approval: Codable, Sendable, Equatable {
        /// The principal the approver's key signs as.
        public var principal: String
        /// The approver key's fingerprint (`SHA256:...`).
        public var key: String
        /// When, ISO 8601 UTC.
        public var time: String
        /// Why.
        public var message: String
    }

    /// Format tag.
    public var format = "promptreg.proposal/v1"
    /// The proposal's id: 12 hexadecimal digits.
    public var id: String
    /// The protected channel to move.
    public var channel: String
    /// What to do.
    public var intent: Intent
    /// The pointer moves it makes, as computed when it was proposed: each from what the channel
    /// ran then, to what it would run.
    public var changes: [StateChange]
    /// The proposer's principal.
    public var proposer: String
    /// The proposer key's fingerprint.
    public var proposerKey: String
    /// Why.
    public var message: String
    /// When, ISO 8601 UTC.
    public var created: String
    /// After this, ISO 8601 UTC, it can no longer be approved.
    public var expires: String
    /// Approvals so far.
    public var approvals: [Approval]

    /// How long a proposal stays open by default.
    public static let defaultLifetime: TimeInterval = 24 * 3600
    /// The longest a proposal may stay open.
    public static let maxLifetime: TimeInterval = 30 * 24 * 3600

    enum CodingKeys: String, CodingKey {
        case format, id, channel, intent, changes, proposer, message, created, expires, approvals
        case proposerKey = "proposer_key"
    }

    /// True once `now` is past `expires`.
    public func isExpired(at now: Date = Date()) -> Bool {
        guard let end = Timestamp.date(expires) else { return true }
        return now > end
    }
}

extension Proposal.Intent {
    enum CodingKeys: String, CodingKey { case kind, bundle, version, traffic, from, bundles }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .kind) {
        case "version":
            self = .version(
                bundle: try container.decode(String.self, forKey: .bundle), version: try container.decode(SemanticVersion.self, forKey: .version),
                traffic: try container.decodeIfPresent(Double.self, forKey: .traffic))
        case "release":
            self = .release(from: try container.decode(String.self, forKey: .from), bundles: try container.decode([String].self, forKey: .bundles))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "unknown proposal kind '\(other)'")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .version(let bundle, let version, let traffic):
            try container.encode("version", forKey: .kind)
            try container.encode(bundle, forKey: .bundle)
            try container.encode(version, forKey: .version)
            try container.encodeIfPresent(traffic, forKey: .traffic)
        case .release(let from, let bundles):
            try container.encode("release", forKey: .kind)
            try container.encode(from, forKey: .from)
            try container.encode(bundles, forKey: .bundles)
        }
    }
}

extension Proposal: StoredDocument {
    var rangeProblem: String? {
        if case .version(_, _, let traffic) = intent, let problem = trafficProblem(traffic) { return problem }
        return approvals.count > TrustPolicy.maxApprovals * 4 ? "\(approvals.count) approvals" : nil
    }
}
