extension Registry {
    /// Every bundle with its highest version and where its channels point. A damaged pointer or
    /// record is reported in the result's `damaged` and the rest is still listed.
    public func list() throws -> PartialResult<BundleSummary> {
        try withStore { store in
            let snapshot = try StateSnapshot.current(store)
            let channels = try snapshot.channels()
            var collector = DamageCollector()
            let bundles = try snapshot.bundleNames().compactMap { name -> BundleSummary? in
                let versions = try snapshot.versions(of: name)
                guard let latest = versions.last else { return nil }
                var pointers: [String: SemanticVersion] = [:]
                for channel in channels {
                    pointers[channel] = try collector.attempt { try snapshot.pointer(channel, name)?.version }
                }
                return BundleSummary(name: name, versionCount: versions.count, latest: latest, channels: pointers)
            }
            return collector.result(bundles)
        }
    }

    /// Every published version of `name`, ascending. A damaged record is reported in `damaged`.
    public func versions(of name: String) throws -> PartialResult<VersionSummary> {
        try Names.checkBundle(name)
        return try withStore { store in
            let snapshot = try StateSnapshot.current(store)
            let versions = try snapshot.versions(of: name)
            guard !versions.isEmpty else { throw Self.bundleNotFound(name) }
            var collector = DamageCollector()
            var channelsByVersion: [SemanticVersion: [String]] = [:]
            for channel in try snapshot.channels() {
                if let pointer = try collector.attempt({ try snapshot.pointer(channel, name) }) {
                    channelsByVersion[pointer.version, default: []].append(channel)
                }
            }
            let reader = VersionReader(store: store)
            let summaries = try versions.compactMap { version -> VersionSummary? in
                guard let record = try collector.attempt({ try snapshot.versionRecord(name, version) }) else { return nil }
                return VersionSummary(
                    version: version, digest: record.digest, time: record.time, actor: record.actor,
                    message: reader.publishRecord(record)?.message ?? "", channels: channelsByVersion[version] ?? [])
            }
            return collector.result(summaries)
        }
    }
}
