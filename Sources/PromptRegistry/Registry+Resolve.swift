import Foundation

/// How an agent asks for its bundle.
public enum ResolveRequest: Sendable, Hashable {
    /// What `channel` runs for bundle `name`; with a subject, `prod` may answer with the canary
    /// for the subject's sticky share (see `Canary`).
    case channel(String, channel: String = stableChannel, subject: String? = nil)
    /// Exactly this version or digest (`NAME@VERSION`, `NAME@sha256:HEX`; plain `NAME` is the highest version).
    case pinned(BundleReference)
    /// Exactly what the lock file pins for `name`.
    case locked(String, LockFile)
}

/// A bundle resolved for use, with every digest checked on the way.
public struct ResolvedBundle: Sendable, Encodable {
    /// The verified bundle.
    public let bundle: StoredBundle
    /// The channel that answered, when resolved by channel.
    public let channel: String?
    /// The subject's canary bucket, when a subject was given and a canary share applied.
    public let bucket: Double?
    /// The state sequence number the answer was read at.
    public let stateSeq: Int64

    /// Bundle name.
    public var name: String { bundle.name }
    /// Version.
    public var version: SemanticVersion { bundle.version }
    /// Bundle digest; record it in traces.
    public var digest: Digest { bundle.digest }
    /// Digest of each layer.
    public var layerDigests: [LayerKind: Digest] { bundle.layerDigests }
    /// Provider and model id.
    public var model: ModelLayer { bundle.content.model }
    /// Sampling parameters and run limits.
    public var parameters: ParametersLayer { bundle.content.parameters }
    /// Tool definitions.
    public var tools: [ToolDefinition] { bundle.content.tools.tools }
    /// Output schema, if any.
    public var outputSchema: JSONValue? { bundle.content.output?.schema }
    /// The prompt messages (templates).
    public var messages: [MessageTemplate] { bundle.content.prompt.messages }

    /// The messages rendered with `variables`.
    public func render(_ variables: [String: JSONValue]) throws -> [RenderedMessage] {
        try bundle.content.render(variables)
    }

    enum CodingKeys: String, CodingKey {
        case bundle, channel, bucket
        case stateSeq = "state_seq"
    }

    public func encode(to encoder: Encoder) throws {
        try bundle.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(channel, forKey: .channel)
        try container.encodeIfPresent(bucket, forKey: .bucket)
        try container.encode(stateSeq, forKey: .stateSeq)
    }
}

extension Registry {
    /// Opens the registry at `path` and resolves `request`: the one call an agent makes at startup.
    public static func resolve(_ request: ResolveRequest, registry path: String) throws -> ResolvedBundle {
        try open(at: path).resolve(request)
    }

    /// Resolves `request` against the current state and verifies every digest of the answer.
    public func resolve(_ request: ResolveRequest) throws -> ResolvedBundle {
        try resolve([request])[0]
    }

    /// Resolves several bundles from one and the same state commit, so a multi-agent release is
    /// read all old or all new, never a mix.
    public func resolve(_ requests: [ResolveRequest]) throws -> [ResolvedBundle] {
        try withRepository { repository in
            // The state commit id names the whole state, so an answer given at this commit is
            // still the answer: a repeated resolve costs one ref read until a channel moves.
            let head = try StateSnapshot.currentCommit(repository)
            let cached = requests.compactMap { cachedResolution($0, at: head) }
            if cached.count == requests.count { return cached }
            let snapshot = try StateSnapshot.at(head, repository)
            let seq = try snapshot.checkedSeq()
            return try requests.map { request in
                let resolved = try resolve(request, in: snapshot, seq: seq)
                cacheResolution(resolved, for: request, at: head)
                return resolved
            }
        }
    }

    /// Resolves one request at `snapshot`. Call under `withRepository`.
    private func resolve(_ request: ResolveRequest, in snapshot: StateSnapshot, seq: Int64) throws -> ResolvedBundle {
        switch request {
        case .pinned(let reference):
            let record = try Self.findVersion(reference, in: snapshot)
            return ResolvedBundle(
                bundle: try verifiedVersion(reference.name, record), channel: nil, bucket: nil, stateSeq: seq)
        case .locked(let name, let lock):
            try Names.checkBundle(name)
            guard let pin = lock.bundles.first(where: { $0.name == name }) else {
                throw PromptRegError(
                    .notFound, "the lock file pins no bundle named \(name)", fix: "regenerate it with 'promptreg lock \(name) ...'")
            }
            let record = try Self.findVersion(.version(name, pin.version), in: snapshot)
            guard record.digest == pin.digest else {
                throw PromptRegError(
                    .integrity, "\(name)@\(pin.version) has digest \(record.digest) in this registry, but the lock file pins \(pin.digest)",
                    fix:
                        "this registry is not the one the lock was made from, or it was altered; regenerate the lock only if you trust this registry"
                )
            }
            return ResolvedBundle(
                bundle: try verifiedVersion(name, record), channel: nil, bucket: nil, stateSeq: seq)
        case .channel(let name, let channel, let subject):
            try Names.checkBundle(name)
            try Names.checkChannel(channel)
            var answering = channel
            var bucket: Double?
            if channel == stableChannel, let subject, let canary = try snapshot.pointer(canaryChannel, name),
                let traffic = canary.traffic, traffic > 0
            {
                let value = Canary.bucket(bundle: name, subject: subject)
                bucket = value
                if value < traffic { answering = canaryChannel }
            }
            guard let pointer = try snapshot.pointer(answering, name) else {
                if try snapshot.versions(of: name).isEmpty { throw Self.bundleNotFound(name) }
                throw PromptRegError(
                    .notFound, "\(name) has no version on \(answering) yet",
                    fix: "promote one: promptreg promote \(name)@VERSION \(answering)")
            }
            let record = try Self.findVersion(.version(name, pointer.version), in: snapshot)
            guard record.digest == pointer.digest else {
                throw PromptRegError(
                    .integrity,
                    "\(answering) of \(name) points at \(pointer.version) with digest \(pointer.digest), but that version was published as \(record.digest)",
                    fix: "do not serve it; run 'promptreg verify' and restore the registry from a clone")
            }
            let bundle = try verifiedVersion(name, record)
            return ResolvedBundle(bundle: bundle, channel: answering, bucket: bucket, stateSeq: seq)
        }
    }

    /// A lock file pinning what `channel` runs now for each of `names`.
    public func lock(_ names: [String], channel: String = stableChannel) throws -> LockFile {
        guard !names.isEmpty else { throw PromptRegError(.usage, "lock needs at least one bundle name") }
        let pins = try resolve(names.map { .channel($0, channel: channel) }).map { resolved in
            LockFile.Pin(name: resolved.name, version: resolved.version, digest: resolved.digest)
        }
        return LockFile(channel: channel, bundles: pins)
    }
}

/// A lock file: exact versions and digests, so a deployment resolves exactly what was tested.
public struct LockFile: Sendable, Codable, Hashable {
    /// One pinned bundle.
    public struct Pin: Sendable, Codable, Hashable {
        /// Bundle name.
        public let name: String
        /// Version.
        public let version: SemanticVersion
        /// Bundle digest.
        public let digest: Digest

        /// Pins `name` to `version` with `digest`.
        public init(name: String, version: SemanticVersion, digest: Digest) {
            self.name = name
            self.version = version
            self.digest = digest
        }
    }
    /// Format tag.
    public var format = "promptreg.lock/v1"
    /// The channel the pins were read from.
    public var channel: String
    /// The pins.
    public var bundles: [Pin]

    /// A lock of `bundles`, read from `channel`.
    public init(channel: String, bundles: [Pin]) {
        self.channel = channel
        self.bundles = bundles
    }

    /// Reads a lock file; errors name the file.
    public static func read(from path: String) throws -> LockFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PromptRegError(.notFound, "\(path): lock file not found", fix: "write one with 'promptreg lock NAME... -o \(path)'")
        }
        let lock = try CanonicalJSON.decode(LockFile.self, from: data, file: path)
        guard lock.format == "promptreg.lock/v1" else {
            throw PromptRegError.invalid(
                file: path, field: "format", "unknown format '\(lock.format)'", fix: "regenerate it with 'promptreg lock'")
        }
        return lock
    }
}
