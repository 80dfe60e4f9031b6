import Foundation

extension Registry {
    /// Opens the registry at `path` and resolves `request`, refusing state that `signers` (the
    /// allowed_signers file the agent ships with) do not trust; nil resolves as
    /// `resolve(_:registry:)` does. The one call a trusting agent makes at startup.
    public static func resolve(_ request: ResolveRequest, registry path: String, trusting signers: AllowedSigners?) throws -> ResolvedBundle {
        try open(at: path).resolve(request, trusting: signers)
    }

    /// Resolves `request` as `resolve(_:)` does, refusing state that `signers` do not trust (see
    /// `resolve(_:trusting:)` for the requests).
    public func resolve(_ request: ResolveRequest, trusting signers: AllowedSigners?) throws -> ResolvedBundle {
        try resolve([request], trusting: signers)[0]
    }

    /// Resolves `requests` from one state commit as `resolve(_:)` does, and with `signers` refuses
    /// (code `integrity`, naming the first bad commit and why) a state they do not trust: every
    /// state commit up to the one answered from must be signed by a key they allow (namespace
    /// `git`, at its committer time), be exactly what its event gives on its parent, and be a
    /// change its parent's trust policy let that signer make (see `StateHistory`). Checked
    /// incrementally: from the newest state this handle, or the accepted-state mark, checked
    /// against the same signers; a repeated resolve of an unmoved state stays one ref read.
    /// Without `signers`, the handle's trust anchor (see `open(at:trusting:)`) is used, and
    /// without either nothing more is checked.
    public func resolve(_ requests: [ResolveRequest], trusting signers: AllowedSigners?) throws -> [ResolvedBundle] {
        guard let signers = signers ?? trustAnchor else { return try resolve(requests, vetting: nil) }
        return try resolve(requests, vetting: { state, store in
            do {
                try store.checkHistory(to: state, trust: .anchor(signers))
            } catch let error as PromptRegError where error.code == .integrity {
                throw PromptRegError(
                    .integrity, error.message,
                    fix: "do not run it: someone \(signers.source) does not trust wrote or moved it; if the signer should be trusted, add its key to \(signers.source)",
                    remedy: .verify)
            }
        })
    }
}
