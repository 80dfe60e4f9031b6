/// How much a version number must rise: the semver contract between two bundle versions. Every
/// JSON document spells it by name (`none`, `patch`, `minor`, `major`).
public enum VersionBump: String, Sendable, Comparable, CaseIterable, Codable, CustomStringConvertible {
    /// No change at all.
    case none
    /// Wording only.
    case patch
    /// New capability, compatible.
    case minor
    /// Breaking.
    case major

    private var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    public static func < (lhs: VersionBump, rhs: VersionBump) -> Bool { lhs.rank < rhs.rank }

    public var description: String { rawValue }
}
