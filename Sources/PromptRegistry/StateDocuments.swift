import Crypto
import Foundation

/// Where a version and the state live in the git repository (see README "Storage layout").
enum Layout {
    /// The ref whose commit history is the channel state and the audit log.
    static let stateRef = "refs/promptreg/state"
    /// The ref of one version; created once, never moved.
    static func versionRef(_ name: String, _ version: SemanticVersion) -> String {
        "refs/promptreg/versions/\(name)/\(version)"
    }
    /// The glob of every version ref.
    static let allVersionRefs = "refs/promptreg/versions/*"

    // Files of a version commit's tree.
    static let manifestFile = "manifest.json"
    static let publishFile = "publish.json"
    static func layerFile(_ kind: LayerKind) -> String { "\(kind.rawValue).json" }

    // Files of a state commit's tree. Per-bundle entries sit in 16 x 16 shards (the first two hex
    // digits of SHA-256 of the name) so that a state commit rewrites only small trees, whatever
    // the number of bundles.
    static let eventFile = "event.json"
    static let versionsDirectory = "versions"
    static func versionsDirectory(_ name: String) -> String { "versions/\(shard(name))/\(name)" }
    static func versionRecordFile(_ name: String, _ version: SemanticVersion) -> String { "\(versionsDirectory(name))/\(version)" }
    static func digestIndexFile(_ name: String, _ digest: Digest) -> String { "digests/\(shard(name))/\(name)/\(digest.hex)" }
    static let channelsDirectory = "channels"
    static func pointersDirectory(_ channel: String) -> String { "channels/\(channel)/pointers" }
    static func pointerFile(_ channel: String, _ name: String) -> String { "\(pointersDirectory(channel))/\(shard(name))/\(name)" }
    static func undoDirectory(_ channel: String) -> String { "channels/\(channel)/undo" }
    /// One undo entry per file, named by its zero-padded sequence number so git's name order is
    /// the order of the changes.
    static func undoEntryFile(_ channel: String, seq: Int64) -> String {
        "\(undoDirectory(channel))/\(String(repeating: "0", count: max(0, 12 - String(seq).count)))\(seq)"
    }
    /// The shard of bundle `name`: `x/y`, the first two hex digits of SHA-256 of the name.
    static func shard(_ name: String) -> String {
        let byte = SHA256.hash(data: Array(name.utf8)).withUnsafeBytes { $0[0] }
        let digits = Array("0123456789abcdef")
        return "\(digits[Int(byte >> 4)])/\(digits[Int(byte & 0x0f)])"
    }
}

/// Stored in each version's tree: who published it, when, why, and what they allowed.
public struct PublishRecord: Codable, Sendable, Equatable {
    /// Format tag.
    public var format = "promptreg.publish/v1"
    /// Bundle name.
    public var name: String
    /// The version.
    public var version: SemanticVersion
    /// The bundle digest.
    public var digest: Digest
    /// Who published it.
    public var actor: String
    /// When, as ISO 8601 UTC.
    public var time: String
    /// Why.
    public var message: String
    /// Published with `--allow-floating-model`.
    public var allowFloatingModel: Bool
    /// Published with `--allow-secrets`.
    public var allowSecrets: Bool

    enum CodingKeys: String, CodingKey {
        case format, name, version, digest, actor, time, message
        case allowFloatingModel = "allow_floating_model"
        case allowSecrets = "allow_secrets"
    }
}

/// Stored in the state for each published version: the digest it was published with (which a
/// moved version ref cannot rewrite) and the commit that holds it.
public struct VersionRecord: Codable, Sendable, Equatable {
    /// Format tag.
    public var format = "promptreg.version/v1"
    /// The version.
    public var version: SemanticVersion
    /// The bundle digest at publish time.
    public var digest: Digest
    /// The version commit (git object id).
    public var commit: String
    /// The state sequence number of the publish.
    public var seq: Int64
    /// When, as ISO 8601 UTC.
    public var time: String
    /// Who published it.
    public var actor: String
}

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

/// One change of a state commit: a version published (no channel) or a channel pointer moved.
public struct StateChange: Codable, Sendable, Equatable {
    /// The bundle.
    public var bundle: String
    /// The channel; nil for a publish.
    public var channel: String?
    /// What the pointer was; nil when it did not exist (and for a publish).
    public var from: PointerTarget?
    /// What it became; nil when it was removed.
    public var to: PointerTarget?
}

/// What a state commit did; stored as `event.json` in its tree. The history of these is the audit log.
public struct StateEvent: Codable, Sendable, Equatable {
    /// The kinds of event.
    public enum Action: String, Codable, Sendable {
        case initialise = "init"
        case publish, promote, rollback
    }
    /// Format tag.
    public var format = "promptreg.event/v1"
    /// Grows by exactly one with each state commit, from 0 at `init`.
    public var seq: Int64
    /// ISO 8601 UTC.
    public var time: String
    /// Who.
    public var actor: String
    /// What kind of event.
    public var action: Action
    /// Why, as the user said.
    public var message: String
    /// What changed.
    public var changes: [StateChange]
}

/// One entry of a channel's undo stack: a change to that channel that `rollback` can revert.
/// Each is its own state file, so pushing or popping one rewrites nothing else.
public struct UndoEntry: Codable, Sendable, Equatable {
    /// One bundle's move.
    public struct Move: Codable, Sendable, Equatable {
        /// The bundle.
        public var bundle: String
        /// The pointer before the change; nil when the bundle was not on the channel.
        public var from: ChannelPointer?
        /// The pointer the change set.
        public var to: ChannelPointer
    }
    /// Format tag.
    public var format = "promptreg.undo/v1"
    /// The state sequence number of the change.
    public var seq: Int64
    /// The bundles it moved.
    public var moves: [Move]

    /// How many changes of one channel can be rolled back, one after another.
    public static let limit = 100
}

/// UTC timestamps in the one format promptreg stores: `2026-11-21T12:34:56Z`.
enum Timestamp {
    static func string(_ date: Date) -> String { date.formatted(.iso8601) }
}
