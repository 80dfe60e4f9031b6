/// A semantic version `MAJOR.MINOR.PATCH[-PRERELEASE]` (semver.org 2.0.0, without build metadata),
/// ordered by semver precedence.
public struct SemanticVersion: Hashable, Sendable, Comparable, TextCodable {
    /// Breaking changes.
    public let major: Int
    /// New capability.
    public let minor: Int
    /// Wording.
    public let patch: Int
    /// Dot-separated pre-release identifiers; empty for a release.
    public let prerelease: [String]

    /// Creates a release version.
    public init(_ major: Int, _ minor: Int, _ patch: Int) {
        self.major = major
        self.minor = minor
        self.patch = patch
        self.prerelease = []
    }

    /// Parses a strict semantic version. Refuses a `v` prefix, missing parts (`1.0`), leading
    /// zeros (`01.0.0`), build metadata and anything else that is not `X.Y.Z[-PRE]`.
    public init(parsing text: String) throws {
        func refuse(_ why: String) -> PromptRegError {
            PromptRegError(
                .invalidInput, "'\(text)' is not a semantic version: \(why)",
                fix: "write MAJOR.MINOR.PATCH with no prefix and no leading zeros, e.g. 1.4.0 or 2.0.0-rc.1")
        }
        var core = Substring(text)
        var prerelease: [String] = []
        if let dash = text.firstIndex(of: "-") {
            core = text[..<dash]
            prerelease = text[text.index(after: dash)...].split(separator: ".", omittingEmptySubsequences: false)
                .map(String.init)
            for identifier in prerelease {
                guard !identifier.isEmpty,
                    identifier.utf8.allSatisfy({ Self.isAlphanumeric($0) || $0 == UInt8(ascii: "-") })
                else { throw refuse("pre-release identifiers are non-empty [0-9A-Za-z-]") }
                if identifier.utf8.allSatisfy(Self.isDigit), identifier.count > 1, identifier.hasPrefix("0") {
                    throw refuse("numeric pre-release identifiers have no leading zeros")
                }
            }
        }
        if text.contains("+") { throw refuse("build metadata (+...) is not allowed") }
        let parts = core.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw refuse("it needs exactly three numbers") }
        var numbers: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.utf8.allSatisfy(Self.isDigit) else {
                throw refuse("'\(part)' is not a number")
            }
            guard part == "0" || !part.hasPrefix("0") else { throw refuse("'\(part)' has a leading zero") }
            guard part.count <= 9, let value = Int(part) else { throw refuse("'\(part)' is too large") }
            numbers.append(value)
        }
        self.major = numbers[0]
        self.minor = numbers[1]
        self.patch = numbers[2]
        self.prerelease = prerelease
    }

    public var description: String {
        let core = "\(major).\(minor).\(patch)"
        return prerelease.isEmpty ? core : core + "-" + prerelease.joined(separator: ".")
    }

    /// This version raised by `bump` (pre-release dropped).
    public func bumped(_ bump: VersionBump) -> SemanticVersion {
        switch bump {
        case .major: SemanticVersion(major + 1, 0, 0)
        case .minor: SemanticVersion(major, minor + 1, 0)
        case .patch: SemanticVersion(major, minor, patch + 1)
        case .none: self
        }
    }

    /// The bump that leads from `previous` to this version, judged as a semver contract:
    /// a higher major is `.major`, a higher minor `.minor`, anything else higher `.patch`.
    public func bump(from previous: SemanticVersion) -> VersionBump {
        if major != previous.major { return .major }
        if minor != previous.minor { return .minor }
        return self == previous ? .none : .patch
    }

    public static func < (lhs: SemanticVersion, rhs: SemanticVersion) -> Bool {
        if lhs.major != rhs.major { return lhs.major < rhs.major }
        if lhs.minor != rhs.minor { return lhs.minor < rhs.minor }
        if lhs.patch != rhs.patch { return lhs.patch < rhs.patch }
        if lhs.prerelease.isEmpty || rhs.prerelease.isEmpty {
            // A pre-release comes before its release.
            return !lhs.prerelease.isEmpty && rhs.prerelease.isEmpty
        }
        for (left, right) in zip(lhs.prerelease, rhs.prerelease) where left != right {
            switch (Int(left), Int(right)) {
            case (let l?, let r?): return l < r
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return left < right
            }
        }
        return lhs.prerelease.count < rhs.prerelease.count
    }

    public init?(text: String) {
        guard let version = try? SemanticVersion(parsing: text) else { return nil }
        self = version
    }

    public static let textForm = "a semantic version MAJOR.MINOR.PATCH"

    private static func isDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) }
    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isDigit(byte) || (65...90).contains(byte) || (97...122).contains(byte)
    }
}
