import Foundation

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
    /// read all old or all new, never a mix. A handle opened with a trust anchor refuses state
    /// the anchor does not trust, as `resolve(_:trusting:)` does.
    public func resolve(_ requests: [ResolveRequest]) throws -> [ResolvedBundle] {
        try resolve(requests, trusting: nil)
    }

    /// Resolves `requests` like `resolve(_:)`; `vet`, when given, sees the state commit the
    /// answers are read at (cached or not) before they are, under `withStore`, and refuses it by
    /// throwing. A refused state is neither cached nor accepted.
    func resolve(_ requests: [ResolveRequest], vetting vet: ((CommitID, RegistryStore) throws -> Void)?) throws -> [ResolvedBundle] {
        try withStore { store in
            // The state commit id names the whole state, so an answer given at this commit is
            // still the answer: a repeated resolve costs one ref read until a channel moves.
            let seen = try StateSnapshot.currentCommit(store)
            let cached = requests.compactMap { cachedResolution($0, at: seen) }
            if cached.count == requests.count {
                try cached.forEach { try vet?($0.answeredAt, store) }
                return cached.map(\.answer)
            }
            // The accepted-state mark is read before the state it is checked against (a writer
            // moves the ref first and the mark after), so the state is read again after it. A
            // cached answer's state was checked when it was cached.
            let mark = try store.acceptedState()
            let head = try StateSnapshot.at(try StateSnapshot.currentCommit(store), store)
            let headSeq = try head.checkedSeq()
            // Never backwards: refuse a state older than the accepted one; remember a newer one
            // once its answers passed (best effort: an agent may read a registry it cannot write).
            let newer = try store.checkAccepted(head.commit, seq: headSeq, against: mark)
            // A state a newer promptreg wrote is answered from the newest one this version understands.
            let snapshot = try head.understood()
            let seq = snapshot.commit == head.commit ? headSeq : try snapshot.event().seq
            try vet?(snapshot.commit, store)
            let answers = try requests.map { request in try resolve(request, in: snapshot, seq: seq) }
            // A reader without an anchor still answers, but marks as accepted only a state whose
            // history passes the registry's own rules: a forged state must not become the one a
            // restore of the real state is refused against.
            if newer, (try? store.checkHistory(to: head.commit, trust: .policy)) != nil { try? store.accept(head.commit, seq: headSeq) }
            for (request, answer) in zip(requests, answers) { cacheResolution(answer, for: request, at: head.commit, answeredAt: snapshot.commit) }
            return answers
        }
    }

    /// Resolves one request at `snapshot`. Call under `withStore`.
    private func resolve(_ request: ResolveRequest, in snapshot: StateSnapshot, seq: Int64) throws -> ResolvedBundle {
        switch request {
        case .pinned(let reference):
            let record = try Self.findVersion(reference, in: snapshot)
            return ResolvedBundle(
                bundle: try verifiedVersion(reference.name, record), channel: nil, bucket: nil, stateSeq: seq)
        case .pinFile(let name, let pins):
            try Names.checkBundle(name)
            guard let pin = pins.bundles.first(where: { $0.name == name }) else {
                throw PromptRegError(
                    .notFound, "the pin file pins no bundle named \(name)", fix: "write the pin file again with this bundle in it",
                    remedy: .writePinFile(bundles: [name]), subject: .init(bundle: name))
            }
            let record = try Self.findVersion(.version(name, pin.version), in: snapshot)
            guard record.digest == pin.digest else {
                throw PromptRegError(
                    .integrity, "\(name)@\(pin.version) has digest \(record.digest) in this registry, but the pin file pins \(pin.digest)",
                    fix:
                        "this registry is not the one the pins were made from, or it was altered; write the pin file again only if you trust this registry",
                    subject: .init(bundle: name, version: pin.version.description))
            }
            return ResolvedBundle(
                bundle: try verifiedVersion(name, record), channel: nil, bucket: nil, stateSeq: seq)
        case .channel(let name, let channel, let subject):
            try Names.checkBundle(name)
            try Names.checkChannel(channel)
            // A killed channel answers nobody; a killed canary leaves its share on prod.
            if let kill = try snapshot.kill(channel, name) { throw PromptRegError.killed(kill) }
            var answering = channel
            var bucket: Double?
            if channel == stableChannel, let subject, let canary = try snapshot.pointer(canaryChannel, name),
                let traffic = canary.traffic, traffic > 0, try snapshot.kill(canaryChannel, name) == nil
            {
                let value = Canary.bucket(bundle: name, subject: subject)
                bucket = value
                if value < traffic { answering = canaryChannel }
            }
            guard let pointer = try snapshot.pointer(answering, name) else {
                if try !snapshot.hasVersions(of: name) { throw Self.bundleNotFound(name) }
                throw PromptRegError(
                    .notFound, "\(name) has no version on \(answering) yet", fix: "promote a version to it",
                    remedy: .promote(bundle: name, channel: answering), subject: .init(bundle: name, channel: answering))
            }
            let record = try Self.findVersion(.version(name, pointer.version), in: snapshot)
            guard record.digest == pointer.digest else {
                throw PromptRegError(
                    .integrity,
                    "\(answering) of \(name) points at \(pointer.version) with digest \(pointer.digest), but that version was published as \(record.digest)",
                    fix: "do not serve it; restore the registry from a clone", remedy: .verify,
                    subject: .init(bundle: name, version: pointer.version.description, channel: answering))
            }
            let bundle = try verifiedVersion(name, record)
            return ResolvedBundle(bundle: bundle, channel: answering, bucket: bucket, stateSeq: seq)
        }
    }

    /// A pin file pinning what `channel` runs now for each of `names`, read from one state commit.
    /// With `signers`, refuses state they do not trust, as `resolve(_:trusting:)` does.
    public func pins(_ names: [String], channel: String = stableChannel, trusting signers: AllowedSigners? = nil) throws -> PinFile {
        guard !names.isEmpty else { throw PromptRegError(.usage, "a pin file needs at least one bundle name") }
        let pins = try resolve(names.map { .channel($0, channel: channel) }, trusting: signers).map { resolved in
            PinFile.Pin(name: resolved.name, version: resolved.version, digest: resolved.digest)
        }
        return PinFile(channel: channel, bundles: pins)
    }
}
