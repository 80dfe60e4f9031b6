import Foundation

extension Registry {
    /// The key every commit this registry object writes is signed with (git's SSH signature
    /// format, namespace `git`, verifiable with `git verify-commit`); nil writes unsigned commits.
    public var signingKey: SigningKey? {
        get { withStore { $0.signingKey } }
        set { withStore { $0.signingKey = newValue } }
    }

    /// The signing key file named by this registry's git config (`promptreg.signingKey`), if any.
    public func configuredSigningKeyPath() -> String? {
        withStore { $0.configValue("promptreg.signingkey") }
    }

    /// Records `file` (an allowed_signers file) as this registry's trust anchor in its git config
    /// (`promptreg.trust`), so every later handle opened through the configuration uses it.
    public func setConfiguredTrustPath(_ file: String) throws {
        try withStore { try $0.setConfig("promptreg.trust", to: file) }
    }

    /// The trust anchor (an allowed_signers file) this registry's git config names
    /// (`promptreg.trust`), if any; a relative path is taken from the registry's directory.
    public func configuredTrustPath() -> String? {
        guard let value = withStore({ $0.configValue("promptreg.trust") }), !value.isEmpty else { return nil }
        return value.hasPrefix("/") ? value : "\(path)/\(value)"
    }

    /// The trust policy in force now, if one was set.
    public func trustPolicy() throws -> TrustPolicy? {
        try withStore { store in try StateSnapshot.current(store).trustPolicy() }
    }

    /// Sets the trust policy. The first policy may be set by anyone who can write the registry;
    /// a later one must be signed by an admin of the policy in force (as TUF rotates its root).
    /// Every channel the policy names must be declared.
    @discardableResult
    public func setTrustPolicy(_ policy: TrustPolicy, message: String, actor: String) throws -> StateEvent {
        try policy.check(file: "the trust policy")
        return try updateState(actor: actor) { snapshot, _ in
            let declared = Set(try snapshot.channels())
            for channel in policy.channels.keys.sorted() where !declared.contains(channel) {
                try snapshot.requireDeclared(channel)
            }
            if let current = try snapshot.trustPolicy(), current == policy {
                throw PromptRegError(.conflict, "the trust policy is already exactly this; nothing was written")
            }
            return StateUpdate(action: .trustPolicy, message: message, document: JSONValue(encoding: policy))
        }
    }
}
