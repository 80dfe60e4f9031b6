import Foundation

/// What the trust policy in force lets a signer do: one rule set, used when a change is written
/// (refusing it) and when history is verified (reporting it).
enum TrustRules {
    /// The channels a change with `changes` moves for the trust policy's purposes: each channel
    /// it names, and `prod` when it moves a canary that takes (or took) more of prod's subjects
    /// than prod's rule lets move unapproved (`canary_max_traffic`, default 0): what a protected
    /// channel's subjects get is protected.
    static func governedChannels(_ changes: [StateChange], policy: TrustPolicy) -> Set<String> {
        var channels = Set(changes.compactMap(\.channel))
        let allowed = policy.rule(for: stableChannel).canaryMaxTraffic
        for change in changes where change.channel == canaryChannel {
            if max(change.from?.traffic ?? 0, change.to?.traffic ?? 0) > allowed { channels.insert(stableChannel) }
        }
        return channels
    }

    /// Throws `forbidden` unless a change with `action` and `changes` (`undoing` a recorded
    /// change, for a rollback), signed as the principals `signer` (empty: unsigned or an unknown
    /// key), is allowed by `policy`. Without a policy everything is allowed.
    static func check(action: StateEvent.Action, changes: [StateChange], undoing: Bool, signer: Set<String>, policy: TrustPolicy?) throws {
        guard let policy else { return }
        guard !signer.isEmpty else {
            throw PromptRegError(
                .forbidden, "this registry has a trust policy: every change must be signed by one of its signers, and this one is \(signerWords(signer))",
                fix: "sign with a key the trust policy lists", remedy: .signWithKey)
        }
        if action == .trustPolicy, signer.isDisjoint(with: policy.admins) {
            throw PromptRegError(
                .forbidden, "only an admin of the current trust policy (\(policy.admins.joined(separator: ", "))) may change it; this change is signed by \(signer.sorted().joined(separator: ", "))",
                fix: "ask an admin to sign the change")
        }
        if action == .evalRecord, !policy.evaluators.isEmpty, signer.isDisjoint(with: policy.evaluators) {
            throw PromptRegError(
                .forbidden, "only the trust policy's evaluators (\(policy.evaluators.joined(separator: ", "))) may record eval results; this one is signed by \(signer.sorted().joined(separator: ", "))",
                fix: "record results with an evaluator's key (e.g. the CI key)")
        }
        for channel in governedChannels(changes, policy: policy).sorted() {
            let rule = policy.rule(for: channel)
            guard rule.protected else { continue }
            if action == .kill || action == .revive || (action == .rollback && undoing) {
                guard signer.isDisjoint(with: rule.rollbackSigners) else { continue }
                throw PromptRegError(
                    .forbidden,
                    "\(channel) is protected: only its rollback signers (\(rule.rollbackSigners.isEmpty ? "none" : rule.rollbackSigners.joined(separator: ", "))) may \(action) it alone; this change is signed by \(signer.sorted().joined(separator: ", "))",
                    fix: "ask a rollback signer, or propose the change for approval", remedy: .propose,
                    subject: .init(channel: channel))
            }
            if action == .approve { continue }
            throw PromptRegError(
                .forbidden, "\(channel) is protected: it moves only through a proposal with \(rule.approvals) approval\(rule.approvals == 1 ? "" : "s")",
                fix: "propose the change, and have it approved", remedy: .propose,
                subject: .init(channel: channel))
        }
    }

    private static func signerWords(_ signer: Set<String>) -> String {
        signer.isEmpty ? "unsigned or signed by a key the policy does not list" : "signed by \(signer.sorted().joined(separator: ", "))"
    }
}

extension TrustPolicy {
    /// The approvals a proposal of `changes` needs: the most any protected channel it governs demands.
    func requiredApprovals(for changes: [StateChange]) -> Int {
        TrustRules.governedChannels(changes, policy: self).map { rule(for: $0) }.filter(\.protected).map(\.approvals).max() ?? 0
    }

    /// True when `changes` move a protected channel (or its subjects' canary share).
    func isProtected(_ changes: [StateChange]) -> Bool {
        TrustRules.governedChannels(changes, policy: self).contains { rule(for: $0).protected }
    }
}

extension StateSnapshot {
    /// Refuses (`forbidden`) `update` on top of this state when the trust policy in force here
    /// does not let this process's signing key make it; returns who the commit will be signed by
    /// (the principal, else the key's fingerprint; nil when unsigned).
    func authorize(_ update: StateUpdate) throws -> String? {
        let policy = try trustPolicy()
        let principals = store.signerPrincipals(under: policy)
        try TrustRules.check(action: update.action, changes: update.changes, undoing: update.undoSeq != nil, signer: principals, policy: policy)
        return principals.sorted().first ?? store.signingKey?.publicKey.fingerprint
    }
}
