import Foundation

/// What the trust policy in force lets a signer do: one rule set, used when a change is written
/// (refusing it) and when history is verified (reporting it).
enum TrustRules {
    /// Actions that put a protected channel back or stop it, which its `rollback_signers` may do alone.
    static let onCallActions: Set<String> = ["rollback", "kill", "revive"]

    /// Throws `forbidden` unless a change with `action` touching `channels`, signed as the
    /// principals `signer` (empty: unsigned or an unknown key), is allowed by `policy`. Without a
    /// policy everything is allowed. `approved` is true for the commit that completes a proposal.
    static func check(action: String, channels: Set<String>, signer: Set<String>, policy: TrustPolicy?) throws {
        guard let policy else { return }
        guard !signer.isEmpty else {
            throw PromptRegError(
                .forbidden, "this registry has a trust policy: every change must be signed by one of its signers, and this one is \(signerWords(signer))",
                fix: "sign with your key: --sign-with FILE, PROMPTREG_SIGNING_KEY, or 'git config promptreg.signingKey FILE' in the registry")
        }
        if action == StateEvent.Action.trustPolicy.rawValue, signer.isDisjoint(with: policy.admins) {
            throw PromptRegError(
                .forbidden, "only an admin of the current trust policy (\(policy.admins.joined(separator: ", "))) may change it; this change is signed by \(signer.sorted().joined(separator: ", "))",
                fix: "ask an admin to sign the change")
        }
        for channel in channels.sorted() {
            let rule = policy.rule(for: channel)
            guard rule.protected else { continue }
            if onCallActions.contains(action) {
                guard signer.isDisjoint(with: rule.rollbackSigners) else { continue }
                throw PromptRegError(
                    .forbidden,
                    "\(channel) is protected: only its rollback signers (\(rule.rollbackSigners.isEmpty ? "none" : rule.rollbackSigners.joined(separator: ", "))) may \(action) it alone; this change is signed by \(signer.sorted().joined(separator: ", "))",
                    fix: "ask a rollback signer, or propose the change for approval with 'promptreg propose'",
                    subject: .init(channel: channel))
            }
            if action == StateEvent.Action.approve.rawValue { continue }
            throw PromptRegError(
                .forbidden, "\(channel) is protected: it moves only through a proposal with \(rule.approvals) approval\(rule.approvals == 1 ? "" : "s")",
                fix: "propose the change with 'promptreg propose', and have it approved with 'promptreg approve ID'",
                subject: .init(channel: channel))
        }
    }

    private static func signerWords(_ signer: Set<String>) -> String {
        signer.isEmpty ? "unsigned or signed by a key the policy does not list" : "signed by \(signer.sorted().joined(separator: ", "))"
    }
}

extension StateSnapshot {
    /// Refuses (`forbidden`) a change with `action` and `changes` on top of this state when the
    /// trust policy in force here does not let this process's signing key make it; returns who the
    /// commit will be signed by (the principal, else the key's fingerprint; nil when unsigned).
    func authorize(_ action: StateEvent.Action, _ changes: [StateChange]) throws -> String? {
        let policy = try trustPolicy()
        let principals = store.signerPrincipals(under: policy)
        try TrustRules.check(action: action.rawValue, channels: Set(changes.compactMap(\.channel)), signer: principals, policy: policy)
        return principals.sorted().first ?? store.signingKey?.publicKey.fingerprint
    }
}
