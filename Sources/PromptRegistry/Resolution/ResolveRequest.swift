/// How an agent asks for its bundle.
public enum ResolveRequest: Sendable, Hashable {
    /// What `channel` runs for bundle `name`; with a subject, `prod` may answer with the canary
    /// for the subject's sticky share (see `Canary`).
    case channel(String, channel: String = stableChannel, subject: String? = nil)
    /// Exactly this version or digest (`NAME@VERSION`, `NAME@sha256:HEX`; plain `NAME` is the highest version).
    case pinned(BundleReference)
    /// Exactly what the pin file pins for `name`.
    case pinFile(String, PinFile)
}
