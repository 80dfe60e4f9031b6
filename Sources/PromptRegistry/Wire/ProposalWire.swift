/// A proposal as `--json` prints it: the stored document plus `landed` and the state sequence.
public struct ProposalWire: Encodable, Sendable {
    let proposal: Proposal
    let landed: Bool
    let seq: Int64?

    /// The JSON of `proposal`; `landed` when it was applied, `seq` the state commit that recorded it.
    public init(_ proposal: Proposal, landed: Bool, seq: Int64?) {
        self.proposal = proposal
        self.landed = landed
        self.seq = seq
    }

    enum CodingKeys: String, CodingKey {
        case landed, expired
        case seq = "state_seq"
    }

    public func encode(to encoder: Encoder) throws {
        try proposal.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(landed, forKey: .landed)
        try container.encode(proposal.isExpired(), forKey: .expired)
        try container.encodeIfPresent(seq, forKey: .seq)
    }
}
