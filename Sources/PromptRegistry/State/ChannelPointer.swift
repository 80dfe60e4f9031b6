/// A channel pointer: which version of a bundle a channel runs, and since when.
public struct ChannelPointer: Codable, Sendable, Equatable {
    /// Format tag.
    public var format = "promptreg.pointer/v1"
    /// The version.
    public var version: SemanticVersion
    /// Its bundle digest, recorded when the pointer was set.
    public var digest: Digest
    /// Share of subjects (0-100) that get this channel instead of `prod`; used by `canary`.
    public var traffic: Double?
    /// The state sequence number that set it.
    public var seq: Int64
    /// When it was set, ISO 8601 UTC.
    public var time: String
    /// Who set it.
    public var actor: String
}

/// A version and digest, as shown in a change.
public struct PointerTarget: Codable, Sendable, Equatable, CustomStringConvertible {
    /// The version.
    public var version: SemanticVersion
    /// The bundle digest.
    public var digest: Digest
    /// The traffic share, when the pointer carries one.
    public var traffic: Double?

    public var description: String {
        traffic.map { "\(version) (\(Self.percent($0)))" } ?? "\(version)"
    }

    /// A traffic share as text: `5%`, `12.5%`.
    public static func percent(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))%" : "\(value)%"
    }
}

extension ChannelPointer: StoredDocument {
    var rangeProblem: String? { trafficProblem(traffic) ?? sequenceProblem(seq) }
}
