/// How much a version number must rise: the semver contract between two bundle versions.
public enum VersionBump: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    /// No change at all.
    case none = 0
    /// Wording only.
    case patch = 1
    /// New capability, compatible.
    case minor = 2
    /// Breaking.
    case major = 3

    public static func < (lhs: VersionBump, rhs: VersionBump) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .none: "none"
        case .patch: "patch"
        case .minor: "minor"
        case .major: "major"
        }
    }
}

extension VersionBump: Codable {
    /// Decodes the name (`none`, `patch`, `minor`, `major`): how every JSON document spells a bump.
    public init(from decoder: Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let bump = VersionBump.allCases.first(where: { $0.description == name }) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "'\(name)' is not one of none, patch, minor, major"))
        }
        self = bump
    }

    /// Encodes the name, never the number.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
