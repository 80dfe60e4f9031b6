import Foundation

/// Checks one state commit against the trust policy in force at it (its parent's): signed by a
/// key the signers allow at the commit's committer time, allowed by `TrustRules` to make its
/// change, and, for proposals and approvals, recording only what its signer did. `StateHistory`
/// runs it on every commit it replays, with each policy's own signers and, for a host with a
/// trust anchor, with the anchor's too.
struct SignatureCheck {
    /// A trust policy and its signers, parsed.
    struct Authority {
        /// The policy.
        let policy: TrustPolicy
        /// Its signers as an allowed_signers list.
        let signers: AllowedSigners
    }

    /// Whose list says who signed a commit.
    enum Signers {
        /// The policy in force (nil: none yet), as `verify` checks history: before any policy a
        /// commit may be unsigned, and a signed commit's `signed_by` must name its real signer.
        case policy(Authority?)
        /// An allowed_signers file a reader trusts, with the policy in force for what its signers
        /// may do: every commit must be signed by a key the file allows.
        case reader(AllowedSigners, policy: TrustPolicy?)
    }

    /// Parsed policies by the id of their file, so a history under one policy parses it once.
    private var authorities: [FileID: Authority] = [:]
    private static let authorityLimit = 64

    /// The policy in force for a state commit whose parent is `parent` (nil: the first commit);
    /// nil before the first policy. Reads and parses each policy file once.
    mutating func authority(after parent: StateSnapshot?) throws -> Authority? {
        guard let parent, let file = try parent.store.fileID(Layout.trustPolicyFile, in: parent.tree) else { return nil }
        if let known = authorities[file] { return known }
        guard let policy = try parent.trustPolicy() else { return nil }
        let authority = Authority(policy: policy, signers: try policy.allowedSigners())
        if authorities.count >= Self.authorityLimit { authorities.removeAll(keepingCapacity: true) }
        authorities[file] = authority
        return authority
    }

    /// What is wrong with state commit `state` (event `event`, first parent `parent`) under
    /// `signers`: one sentence per problem, empty when none.
    func problems(_ state: StateSnapshot, _ event: StateEvent, parent: StateSnapshot?, signers: Signers) throws -> [String] {
        let (list, policy, required, claims): (AllowedSigners?, TrustPolicy?, Bool, Bool) =
            switch signers {
            case .policy(let authority): (authority?.signers, authority?.policy, authority != nil, true)
            case .reader(let file, let policy): (file, policy, true, false)
            }
        let verdict = try state.store.signatureVerdict(of: state.commit, signers: list, at: state.time)
        var problems = [Self.problem(verdict, required: required)].compactMap { $0 }
        if claims, let claim = Self.claimProblem(event.signedBy, verdict) { problems.append(claim) }
        if claims, event.action == .publish { problems += try versionProblems(state, event, signers: list, required: required, publisher: verdict) }
        guard let policy, case .signed(let signer) = verdict else { return problems }
        let principals = Set(signer.principals)
        do {
            try TrustRules.check(action: event.action, changes: event.changes, undoing: event.undoSeq != nil, signer: principals, policy: policy)
        } catch let error as PromptRegError where error.code == .forbidden {
            let verb = event.action == .trustPolicy ? "change the trust policy" : event.action.rawValue
            problems.append("\(Self.names(principals)) may not \(verb)\(error.subject.channel.map { " protected \($0)" } ?? ""): \(error.message)")
        }
        if let parent, event.action == .propose || event.action == .approve {
            problems += try proposalProblems(state, event, parent: parent, policy: policy, principals: principals)
        }
        return problems
    }

    /// The problem `verdict` is, if any; `required`: an unsigned commit or a key the signers do
    /// not allow is one.
    static func problem(_ verdict: SignatureVerdict, required: Bool) -> String? {
        switch verdict {
        case .signed: return nil
        case .unsigned: return required ? "unsigned" : nil
        case .broken(let reason): return "signature does not match the commit: \(reason)"
        case .notAllowed(let key, let known, let reason):
            guard required else { return nil }
            return known ? "signed by \(key.fingerprint), which may not sign then: \(reason)" : "signed by an unknown key \(key.fingerprint): \(reason)"
        }
    }

    /// The event's `signed_by` must name who really signed (a principal, or the key's fingerprint
    /// when no policy named it); nil when it does or says nothing.
    private static func claimProblem(_ claim: String?, _ verdict: SignatureVerdict) -> String? {
        guard let claim else { return nil }
        switch verdict {
        case .unsigned: return "its event says it is signed by \(claim), but it carries no signature"
        case .signed(let signer) where !signer.principals.contains(claim) && signer.key.fingerprint != claim:
            return "its event says it is signed by \(claim), but the signature is by \(signer.principals.isEmpty ? signer.key.fingerprint : names(Set(signer.principals)))"
        case .signed, .broken, .notAllowed: return nil
        }
    }

    /// The version commits a publish recorded must carry valid signatures, by a signer of the
    /// policy in force when there is one.
    private func versionProblems(
        _ state: StateSnapshot, _ event: StateEvent, signers: AllowedSigners?, required: Bool, publisher: SignatureVerdict
    ) throws -> [String] {
        var problems: [String] = []
        for change in event.changes where change.channel == nil {
            guard let target = change.to, let record = try state.versionRecord(change.bundle, target.version),
                let commit = CommitID(hex: record.commit)
            else { continue }
            let time = try state.store.commit(commit).time
            let verdict = try state.store.signatureVerdict(of: commit, signers: signers, at: time)
            if let problem = Self.problem(verdict, required: required) {
                problems.append("version commit \(commit.short) of \(change.bundle)@\(target.version): \(problem)")
            } else if case .signed(let publishedBy) = publisher, case .signed(let madeBy) = verdict, madeBy.key != publishedBy.key {
                // The version's metadata (its publish record) is the publisher's only when its key made it.
                problems.append(
                    "version commit \(commit.short) of \(change.bundle)@\(target.version) is signed by \(madeBy.key.fingerprint), not by the key that recorded its publish (\(publishedBy.key.fingerprint))")
            }
        }
        return problems
    }

    /// Proposals record only what their signers did: a new proposal is the signer's own and has
    /// no approvals; an approval adds exactly the signer's approval (not the proposer's, once per
    /// principal); the approval that lands a proposal completes the one its parent holds. An
    /// approval that moves a channel needing approvals without completing a proposal is refused.
    private func proposalProblems(
        _ state: StateSnapshot, _ event: StateEvent, parent: StateSnapshot, policy: TrustPolicy, principals: Set<String>
    ) throws -> [String] {
        let signer = Self.names(principals)
        var problems: [String] = []
        var landed = false
        let paths = try state.store.changedFiles(from: parent.tree, to: state.tree).filter { $0.hasPrefix("\(Layout.proposalsDirectory)/") }
        for path in paths {
            switch (try parent.document(Proposal.self, at: path), try state.document(Proposal.self, at: path)) {
            case (nil, let made?):
                if event.action != .propose || !principals.contains(made.proposer) || !made.approvals.isEmpty {
                    problems.append("it records proposal \(made.id) by \(made.proposer) with \(made.approvals.count) approval(s), but is a \(event.action.rawValue) signed by \(signer)")
                }
            case (let old?, let new?):
                var expected = old
                expected.approvals = new.approvals
                let added = new.approvals.last
                let valid =
                    event.action == .approve && expected == new && new.approvals.count == old.approvals.count + 1
                    && Array(new.approvals.dropLast()) == old.approvals && added.map { principals.contains($0.principal) } == true
                    && added?.principal != old.proposer && !old.approvals.contains { $0.principal == added?.principal }
                if !valid {
                    problems.append("it changes proposal \(old.id) other than by adding one approval of its signer (\(signer)), who is not its proposer and had not approved it")
                }
            case (let old?, nil) where !event.changes.isEmpty:
                landed = true
                problems += landingProblems(old, state, event, policy: policy, principals: principals)
            case (_?, nil), (nil, nil):
                continue
            }
        }
        if event.action == .approve, !landed {
            for channel in TrustRules.governedChannels(event.changes, policy: policy).sorted() {
                let rule = policy.rule(for: channel)
                guard rule.protected, rule.approvals > 0 else { continue }
                problems.append("it moves protected \(channel), which needs \(rule.approvals) approval(s), but completes no proposal in its parent state")
            }
        }
        return problems
    }

    /// What is wrong with the approval, signed as `principals`, that landed `proposal` in `state`.
    private func landingProblems(_ proposal: Proposal, _ state: StateSnapshot, _ event: StateEvent, policy: TrustPolicy, principals: Set<String>) -> [String] {
        var problems: [String] = []
        let id = proposal.id
        if event.action != .approve { problems.append("it lands proposal \(id) but is a \(event.action.rawValue), not an approval") }
        if event.changes != proposal.changes { problems.append("its moves are not the moves proposal \(id) proposed") }
        if principals.contains(proposal.proposer) { problems.append("\(proposal.proposer) lands its own proposal \(id); the proposer's approval does not count") }
        // Each principal counts once, the proposer never: this signer adds one unless it approved already.
        let earlier = Set(proposal.approvals.map(\.principal)).subtracting([proposal.proposer])
        let approvals = earlier.count + (principals.isDisjoint(with: earlier.union([proposal.proposer])) ? 1 : 0)
        let needed = policy.requiredApprovals(for: proposal.changes)
        if approvals < needed {
            problems.append("proposal \(id) has \(approvals) approval(s) with this one, but its moves need \(needed)")
        }
        if proposal.isExpired(at: state.time) { problems.append("proposal \(id) had expired (\(proposal.expires)) when it landed") }
        return problems
    }

    /// Principals for a message.
    private static func names(_ principals: Set<String>) -> String { principals.sorted().joined(separator: ", ") }
}
