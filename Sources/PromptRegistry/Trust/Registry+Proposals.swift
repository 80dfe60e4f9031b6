import Foundation

/// What `approve` did: recorded an approval, or recorded the last one and applied the proposal.
public struct ApprovalResult: Sendable {
    /// The state commit's event.
    public let event: StateEvent
    /// The proposal with the new approval.
    public let proposal: Proposal
    /// True when this approval completed the proposal and its changes landed in the same commit.
    public let landed: Bool
    /// Approvals still needed (0 once landed).
    public let remaining: Int
}

extension Registry {
    /// Proposes `intent` for protected `channel` (the two-person rule): records a pending proposal,
    /// signed by the proposer, with the moves it would make now. A channel that needs no
    /// approvals gets the change at once. Needs a signing key the trust policy lists.
    @discardableResult
    public func propose(
        _ intent: Proposal.Intent, to channel: String, message: String, actor: String, lifetime: TimeInterval = Proposal.defaultLifetime
    ) throws -> (event: StateEvent, proposal: Proposal) {
        try Names.checkChannel(channel)
        guard lifetime.isFinite, lifetime > 0, lifetime <= Proposal.maxLifetime else {
            throw PromptRegError(
                .invalidInput, "a proposal stays open for more than 0 and at most \(Int(Proposal.maxLifetime / 3600)) hours, not \(lifetime / 3600)",
                fix: "give a shorter lifetime")
        }
        var proposed: Proposal?
        let event = try updateState(actor: actor) { snapshot, stamp in
            let (policy, signer) = try Self.signedUnderPolicy(snapshot, to: "propose a change to \(channel)")
            let update = try intendedUpdate(intent, to: channel, message: message, snapshot, stamp)
            guard policy.isProtected(update.changes) else {
                throw PromptRegError(
                    .invalidInput, "\(channel) is not protected by the trust policy: promote it directly", fix: "promote it directly",
                    remedy: .promote(bundle: nil, channel: channel), subject: .init(channel: channel))
            }
            let key = snapshot.store.signingKey?.publicKey.fingerprint ?? ""
            let identity = "\(channel)\n\(key)\n\(stamp.seq)\n\(stamp.time)\n\(String(decoding: CanonicalJSON.bytes(of: update.changes), as: UTF8.self))"
            let proposal = Proposal(
                id: String(Digest(of: Array(identity.utf8)).hex.prefix(12)), channel: channel, intent: intent, changes: update.changes,
                proposer: signer, proposerKey: key, message: message, created: stamp.time,
                expires: Timestamp.string((Timestamp.date(stamp.time) ?? Date()).addingTimeInterval(lifetime)), approvals: [])
            proposed = proposal
            if policy.requiredApprovals(for: update.changes) == 0 {
                return StateUpdate(action: .approve, message: "proposal \(proposal.id) (no approvals needed): \(message)", changes: update.changes)
            }
            return StateUpdate(action: .propose, message: "proposal \(proposal.id): \(message)", document: JSONValue(encoding: proposal))
        }
        return (event, proposed!)
    }

    /// Approves proposal `id`, signed by this process's key. The proposer's own approval does not
    /// count, and each principal counts once. With the last approval the proposal's changes land
    /// in the same state commit. A proposal whose channel moved since it was made, or that
    /// expired, cannot be approved: propose it again.
    @discardableResult
    public func approve(_ id: String, message: String, actor: String) throws -> ApprovalResult {
        try Self.checkProposalID(id)
        var outcome: (Proposal, Bool, Int)?
        let event = try updateState(actor: actor) { snapshot, stamp in
            guard var proposal = try snapshot.document(Proposal.self, at: Layout.proposalFile(id)) else {
                throw PromptRegError(.notFound, "no pending proposal \(id)", fix: "list the pending proposals")
            }
            let (policy, signer) = try Self.signedUnderPolicy(snapshot, to: "approve")
            guard !proposal.isExpired() else {
                throw PromptRegError(.conflict, "proposal \(id) expired at \(proposal.expires)", fix: "propose the change again", subject: .init(channel: proposal.channel))
            }
            guard signer != proposal.proposer else {
                throw PromptRegError(
                    .forbidden, "\(signer) proposed \(id); the proposer's own approval does not count", fix: "ask another signer to approve it",
                    subject: .init(channel: proposal.channel))
            }
            let key = snapshot.store.signingKey?.publicKey.fingerprint ?? ""
            guard !proposal.approvals.contains(where: { $0.principal == signer || $0.key == key }), key != proposal.proposerKey else {
                throw PromptRegError(
                    .conflict, "\(signer) (key \(key)) approved or proposed \(id) already; approvals count once per signer and per key",
                    fix: "ask another signer to approve it")
            }
            try Self.requireUnmoved(proposal, snapshot)
            proposal.approvals.append(Proposal.Approval(principal: signer, key: key, time: stamp.time, message: message))
            let remaining = max(0, policy.requiredApprovals(for: proposal.changes) - proposal.approvals.count)
            outcome = (proposal, remaining == 0, remaining)
            guard remaining == 0 else {
                return StateUpdate(
                    action: .approve, message: "approve \(id) (\(remaining) more needed): \(message)", document: JSONValue(encoding: proposal),
                    proposal: id)
            }
            let update = try intendedUpdate(proposal.intent, to: proposal.channel, message: message, snapshot, stamp)
            guard update.changes == proposal.changes else {
                throw Self.void(proposal, because: "applying it now would make other moves than were proposed")
            }
            return StateUpdate(action: .approve, message: "approve \(id), applied: \(message)", changes: update.changes, proposal: id)
        }
        let (proposal, landed, remaining) = outcome!
        return ApprovalResult(event: event, proposal: proposal, landed: landed, remaining: remaining)
    }

    /// The pending proposals, oldest first.
    public func proposals() throws -> [Proposal] {
        try withStore { store in
            let snapshot = try StateSnapshot.current(store)
            return try snapshot.names(in: Layout.proposalsDirectory).compactMap { file in
                try snapshot.document(Proposal.self, at: "\(Layout.proposalsDirectory)/\(file)")
            }.sorted { ($0.created, $0.id) < ($1.created, $1.id) }
        }
    }

    /// The update promote would make for `intent` at `snapshot`.
    private func intendedUpdate(
        _ intent: Proposal.Intent, to channel: String, message: String, _ snapshot: StateSnapshot, _ stamp: StateStamp
    ) throws -> StateUpdate {
        switch intent {
        case .version(let bundle, let version, let traffic):
            return try promoteUpdate(.version(bundle, version), to: channel, traffic: traffic, message: message, overrideGate: nil, snapshot, stamp)
        case .release(let source, let bundles):
            return try promoteUpdate(channel: source, to: channel, bundles: bundles, message: message, overrideGate: nil, snapshot, stamp)
        }
    }

    /// The policy in force and the one principal this process's key signs as under it; refuses
    /// (`forbidden`) without a policy or a listed key.
    private static func signedUnderPolicy(_ snapshot: StateSnapshot, to purpose: String) throws -> (TrustPolicy, String) {
        guard let policy = try snapshot.trustPolicy() else {
            throw PromptRegError(.invalidInput, "this registry has no trust policy, so nothing needs approval", fix: "promote directly, or set a trust policy first")
        }
        guard let principal = snapshot.store.signerPrincipals(under: policy).sorted().first else {
            throw PromptRegError(
                .forbidden, "to \(purpose), sign with a key the trust policy lists", fix: "sign with a key the trust policy lists", remedy: .signWithKey)
        }
        return (policy, principal)
    }

    /// Refuses a proposal whose channel no longer runs what it ran when proposed.
    private static func requireUnmoved(_ proposal: Proposal, _ snapshot: StateSnapshot) throws {
        for change in proposal.changes {
            guard let channel = change.channel else { continue }
            let now = try snapshot.pointer(channel, change.bundle).map(PointerTarget.init)
            guard now == change.from else {
                throw void(proposal, because: "\(channel) of \(change.bundle) moved since it was proposed (it was \(change.from?.description ?? "(none)"), it is \(now?.description ?? "(none)"))")
            }
        }
    }

    private static func void(_ proposal: Proposal, because reason: String) -> PromptRegError {
        PromptRegError(
            .conflict, "proposal \(proposal.id) is void: \(reason)", fix: "propose the change again", subject: .init(channel: proposal.channel))
    }

    private static func checkProposalID(_ id: String) throws {
        guard id.count == 12, id.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw PromptRegError(.invalidInput, "'\(Names.printable(id))' is not a proposal id (12 hexadecimal digits)", fix: "list the pending proposals to find its id")
        }
    }
}
