/// How a command names a bundle: its highest version, an exact version, or a digest.
public enum BundleReference: Sendable, Hashable, CustomStringConvertible {
    /// `NAME`: the highest published version.
    case latest(String)
    /// `NAME@X.Y.Z`.
    case version(String, SemanticVersion)
    /// `NAME@sha256:HEX`.
    case digest(String, Digest)

    /// Parses `NAME`, `NAME@VERSION` or `NAME@sha256:HEX`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let name = parts[0]
        try Names.checkBundle(name)
        guard parts.count == 2 else {
            self = .latest(name)
            return
        }
        if parts[1].hasPrefix("sha256:") {
            guard let digest = Digest(parsing: parts[1]) else {
                throw PromptRegError(
                    .invalidInput, "'\(Names.printable(parts[1]))' is not a digest",
                    fix: "write sha256: followed by 64 lowercase hex digits, as a bundle's digest is shown")
            }
            self = .digest(name, digest)
        } else {
            self = .version(name, try SemanticVersion(parsing: parts[1]))
        }
    }

    /// The bundle name.
    public var name: String {
        switch self {
        case .latest(let name), .version(let name, _), .digest(let name, _): name
        }
    }

    public var description: String {
        switch self {
        case .latest(let name): name
        case .version(let name, let version): "\(name)@\(version)"
        case .digest(let name, let digest): "\(name)@\(digest)"
        }
    }
}
