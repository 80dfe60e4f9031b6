import Crypto

/// Where a version and the state live in the git repository (see README "Storage layout").
enum Layout {
    /// The ref whose commit history is the channel state and the audit log.
    static let stateRef = "refs/promptreg/state"
    /// The ref of one version; created once, never moved.
    static func versionRef(_ name: String, _ version: SemanticVersion) -> String {
        "refs/promptreg/versions/\(name)/\(version)"
    }
    /// The bundle name and version a version ref names; nil when it names no valid pair.
    static func parseVersionRef(_ ref: String) -> (name: String, version: SemanticVersion)? {
        let prefix = "refs/promptreg/versions/"
        guard ref.hasPrefix(prefix) else { return nil }
        let parts = ref.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, (try? Names.checkBundle(parts[0])) != nil, let version = SemanticVersion(text: parts[1]) else {
            return nil
        }
        return (parts[0], version)
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
    //
    // A bundle's version records and digest index entries sit in 256 shards of their own (the
    // first two hex digits of SHA-256 of the version, and of the digest), so a publish rewrites
    // trees of about n / 256 entries, not one tree of n. Registries written before 0.3 hold them
    // flat in the bundle's directory (`legacy...File`): readers accept both, writers write shards.
    static let eventFile = "event.json"
    static let versionsDirectory = "versions"
    static func versionsDirectory(_ name: String) -> String { "versions/\(shard(name))/\(name)" }
    static func versionRecordFile(_ name: String, _ version: SemanticVersion) -> String {
        "\(versionsDirectory(name))/\(versionShard(version))/\(version)"
    }
    static func legacyVersionRecordFile(_ name: String, _ version: SemanticVersion) -> String { "\(versionsDirectory(name))/\(version)" }
    static func digestIndexFile(_ name: String, _ digest: Digest) -> String {
        "digests/\(shard(name))/\(name)/\(digest.hex.prefix(2))/\(digest.hex)"
    }
    static func legacyDigestIndexFile(_ name: String, _ digest: Digest) -> String { "digests/\(shard(name))/\(name)/\(digest.hex)" }
    /// The highest published version of bundle `name`, kept so a publish or `show NAME` need not
    /// list every version (absent in registries before 0.3: readers then list them).
    static let highestDirectory = "highest"
    static func highestFile(_ name: String) -> String { "\(highestDirectory)/\(shard(name))/\(name)" }
    /// The shard of a version within its bundle: the first two hex digits of SHA-256 of its text.
    static func versionShard(_ version: SemanticVersion) -> String {
        Hex.string(SHA256.hash(data: Array(version.description.utf8)).prefix(1))
    }
    static let channelsDirectory = "channels"
    static func pointersDirectory(_ channel: String) -> String { "channels/\(channel)/pointers" }
    static func pointerFile(_ channel: String, _ name: String) -> String { "\(pointersDirectory(channel))/\(shard(name))/\(name)" }
    static func undoDirectory(_ channel: String) -> String { "channels/\(channel)/undo" }
    /// The kills of `channel`, sharded like its pointers.
    static func killsDirectory(_ channel: String) -> String { "channels/\(channel)/kills" }
    /// The kill of bundle `name` on `channel`, present only while it is killed.
    static func killFile(_ channel: String, _ name: String) -> String { "\(killsDirectory(channel))/\(shard(name))/\(name)" }
    /// Everything of one channel: its declaration, pointers, undo entries and kills.
    static func channelDirectory(_ channel: String) -> String { "channels/\(channel)" }
    /// The declaration of a channel (registries made before declarations have none: a channel
    /// holding pointers counts as declared).
    static func channelDeclarationFile(_ channel: String) -> String { "channels/\(channel)/channel.json" }
    /// One undo entry per file, named by its zero-padded sequence number so git's name order is
    /// the order of the changes.
    static func undoEntryFile(_ channel: String, seq: Int64) -> String {
        "\(undoDirectory(channel))/\(padded(seq))"
    }
    /// A sequence number zero-padded to 12 digits, so git's name order is numeric order.
    static func padded(_ seq: Int64) -> String {
        String(repeating: "0", count: max(0, 12 - String(seq).count)) + String(seq)
    }
    /// The eval results of one bundle digest, one directory per suite.
    static func evalsDirectory(_ name: String, _ digest: Digest) -> String { "evals/\(shard(name))/\(name)/\(digest.hex)" }
    /// One eval result: its suite and the state sequence number that recorded it.
    static func evalFile(_ name: String, _ digest: Digest, suite: String, seq: Int64) -> String {
        "\(evalsDirectory(name, digest))/\(suite)/\(padded(seq)).json"
    }
    /// The promotion gate of a channel.
    static func gateFile(_ channel: String) -> String { "policy/gates/\(channel).json" }
    /// The canary ramp policy.
    static let rampFile = "policy/ramp.json"
    /// The trust policy: signers, admins, protected channels.
    static let trustPolicyFile = "policy/trust.json"
    /// Pending proposals for protected channels.
    static let proposalsDirectory = "proposals"
    /// Proposal `id`.
    static func proposalFile(_ id: String) -> String { "\(proposalsDirectory)/\(id).json" }

    /// The shard of bundle `name`: `x/y`, the first two hex digits of SHA-256 of the name.
    static func shard(_ name: String) -> String {
        let digits = Hex.string(SHA256.hash(data: Array(name.utf8)).prefix(1))
        return "\(digits.prefix(1))/\(digits.suffix(1))"
    }
}
