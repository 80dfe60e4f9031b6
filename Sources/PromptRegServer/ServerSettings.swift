import PromptRegistry

/// How `promptreg-server serve` runs: which registry, where it listens, how it notices state
/// changes and, as a relay, which remote it follows.
public struct ServerSettings: Sendable {
    /// Path of the registry to serve.
    public var registryPath: String
    /// Address to bind (loopback by default).
    public var host: String = "127.0.0.1"
    /// Port to bind; 0 picks a free one.
    public var port: Int = 8080
    /// The remote to pull from as a relay; nil serves the registry as it is.
    public var follow: String?
    /// Time between pulls as a relay (jittered by ±20%, backed off on failure).
    public var pullInterval: Duration = .seconds(5)
    /// Longest wait between pulls after failures.
    public var maxBackoff: Duration = .seconds(60)
    /// Time between reads of the state head.
    public var pollInterval: Duration = .milliseconds(100)
    /// Time between keep-alive comments on a watch stream.
    public var keepAliveInterval: Duration = .seconds(15)
    /// Longest long-poll wait a client may ask for.
    public var maxWait: Duration = .seconds(60)
    /// The allowed_signers the server trusts: it serves no state they do not trust, and as a
    /// relay pulls none (it keeps answering from the last trusted state). Nil: the registry's own
    /// trust policy.
    public var trust: AllowedSigners?

    /// Settings for serving the registry at `registryPath`, everything else by default.
    public init(registryPath: String) {
        self.registryPath = registryPath
    }
}
