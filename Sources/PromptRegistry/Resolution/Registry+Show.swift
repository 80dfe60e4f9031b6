extension Registry {
    /// Finds which version `reference` means in `snapshot`, with its record.
    static func findVersion(_ reference: BundleReference, in snapshot: StateSnapshot) throws -> VersionRecord {
        let name = reference.name
        try Names.checkBundle(name)
        let version: SemanticVersion
        switch reference {
        case .latest:
            guard let highest = try snapshot.highestVersion(of: name) else { throw bundleNotFound(name) }
            version = highest
        case .version(_, let requested):
            version = requested
        case .digest(_, let digest):
            guard let found = try snapshot.version(of: name, digest: digest) else {
                if try !snapshot.hasVersions(of: name) { throw bundleNotFound(name) }
                throw PromptRegError(
                    .notFound, "no version of \(name) has digest \(digest)", fix: "list the digests of its versions",
                    remedy: .listVersions(bundle: name), subject: .init(bundle: name))
            }
            version = found
        }
        guard let record = try snapshot.versionRecord(name, version) else {
            if try !snapshot.hasVersions(of: name) { throw bundleNotFound(name) }
            throw PromptRegError(
                .notFound, "\(name)@\(version) is not published", fix: "see the published versions",
                remedy: .listVersions(bundle: name), subject: .init(bundle: name, version: version.description))
        }
        return record
    }

    /// The error for a bundle with no published version.
    static func bundleNotFound(_ name: String) -> PromptRegError {
        PromptRegError(
            .notFound, "no bundle named '\(name)' in this registry", fix: "see the bundles", remedy: .listBundles,
            subject: .init(bundle: name))
    }

    /// Reads the version `reference` names from disk and verifies it now (never from this
    /// process's cache of verified bundles, unlike `resolve`).
    public func show(_ reference: BundleReference) throws -> StoredBundle {
        try withStore { store in
            let record = try Self.findVersion(reference, in: try StateSnapshot.current(store))
            return try VersionReader(store: store).verifiedBundle(reference.name, record)
        }
    }

    /// Compares two published versions.
    public func diff(_ a: BundleReference, _ b: BundleReference) throws -> VersionDiff {
        let old = try show(a)
        let new = try show(b)
        return VersionDiff(old: old, new: new, comparison: BundleComparison(from: old.content, to: new.content))
    }
}

/// Two published versions and what changed between them.
public struct VersionDiff: Sendable {
    /// The older version.
    public let old: StoredBundle
    /// The newer version.
    public let new: StoredBundle
    /// The changes, layer by layer, and the bump they require.
    public let comparison: BundleComparison
}
