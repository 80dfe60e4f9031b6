/// An action that resolves a failure, named in the library's terms. Each interface renders it in
/// its own: the CLI as a command line with flags, an HTTP API as a link or a field.
public enum Remedy: Sendable, Equatable {
    /// Check every digest and the state history of the registry.
    case verify
    /// Remove lock files that are provably stale.
    case repairLocks
    /// Create a registry (at this path, when one was named), or point at an existing one.
    case createRegistry(path: String?)
    /// List the bundles.
    case listBundles
    /// List the published versions (and digests) of a bundle.
    case listVersions(bundle: String)
    /// Show where every channel points.
    case showStatus
    /// Show the audit log of a channel.
    case showLog(channel: String)
    /// Put a version of a bundle (any, when nil) on a channel.
    case promote(bundle: String?, channel: String)
    /// Set an exact published version of a bundle on a channel.
    case rollbackTo(bundle: String?, channel: String)
    /// Write a pin file for these bundles (all the agent uses, when empty).
    case writePinFile(bundles: [String])
    /// Choose another version number: this one, or this bump, or let promptreg choose.
    case chooseVersion(suggested: SemanticVersion?, bump: VersionBump?)
    /// Publish with a floating model id allowed (recorded with the version).
    case allowFloatingModel
    /// Publish with secret-looking text allowed (recorded with the version).
    case allowSecrets
    /// Give a canary share with the promote to the canary channel, then promote canary to prod.
    case canaryTraffic
    /// Declare the channel first.
    case createChannel(name: String)
    /// Copy a registry with its promptreg refs (a plain git clone copies only branches).
    case cloneRegistry
    /// Let a promote through a refusing gate, giving the reason (recorded).
    case overrideGate
    /// Say why: writes are recorded with a message.
    case giveMessage
    /// Put the killed channel of the bundle back in service, once it is safe.
    case revive(bundle: String, channel: String)
    /// Sign the change with a key the trust policy lists.
    case signWithKey
    /// Propose the change to a protected channel for approval.
    case propose
    /// Install a newer promptreg: the registry holds state this version does not understand.
    case upgrade
    /// Trust an ssh server's host key on first use (after checking its fingerprint), recording it
    /// in known_hosts; a changed key is never accepted this way.
    case acceptNewHostKey
}
