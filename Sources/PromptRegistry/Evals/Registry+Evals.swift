extension StateSnapshot {
    /// Every eval statement recorded for bundle `name` at `digest`, oldest first (by suite, then seq).
    func evalStatements(_ name: String, _ digest: Digest) throws -> [EvalStatement] {
        let directory = Layout.evalsDirectory(name, digest)
        var found: [EvalStatement] = []
        for suite in try names(in: directory) {
            for file in try names(in: "\(directory)/\(suite)").sorted() {
                if let statement = try document(EvalStatement.self, at: "\(directory)/\(suite)/\(file)") { found.append(statement) }
            }
        }
        return found.sorted { $0.predicate.seq < $1.predicate.seq }
    }
}

/// One recorded eval result of one version, as `eval list` shows it.
public struct EvalRecord: Sendable, Codable, Equatable {
    /// The bundle.
    public let bundle: String
    /// The version.
    public let version: SemanticVersion
    /// The bundle digest the result is about.
    public let digest: Digest
    /// The stored statement.
    public let statement: EvalStatement
}

extension Registry {
    /// The rule for suite names, as shown in errors.
    public static let suiteRule = "^[a-z0-9][a-z0-9._-]{0,63}$"

    /// Records `run` of `suite` for the version `reference` names (for its digest), as an in-toto
    /// statement in one audited state commit. A record never changes: a new run is a new record.
    @discardableResult
    public func recordEval(
        _ reference: BundleReference, suite: String, run: EvalRun, message: String, actor: String
    ) throws -> EvalRecord {
        try Self.checkSuite(suite)
        if let problem = run.problem { throw PromptRegError(.invalidInput, "eval run: \(problem)", fix: "correct the results") }
        var recorded: EvalRecord?
        _ = try updateState(actor: actor) { snapshot, stamp in
            let record = try Self.findVersion(reference, in: snapshot)
            let statement = EvalStatement(
                subject: [.init(name: "\(reference.name)@\(record.version)", digest: ["sha256": record.digest.hex])],
                predicate: .init(suite: suite, run: run, actor: stamp.actor, time: stamp.time, message: message, seq: stamp.seq))
            recorded = EvalRecord(bundle: reference.name, version: record.version, digest: record.digest, statement: statement)
            let bytes = CanonicalJSON.bytes(of: statement)
            guard bytes.count <= StoredDocumentLimit.maxBytes else {
                throw PromptRegError(
                    .invalidInput, "this result would be stored as \(bytes.count) bytes; a stored document is at most \(StoredDocumentLimit.maxBytes) bytes (1 MiB)",
                    fix: "record fewer per-case results, or shorter case ids")
            }
            return StateUpdate(
                action: .evalRecord, message: "\(message) [eval \(reference.name)@\(record.version) \(suite) score \(run.score)]",
                document: JSONValue(encoding: statement))
        }
        guard let recorded else { throw PromptRegError(.storage, "the eval record was not written") }
        return recorded
    }

    /// The eval results of bundle `name` (all versions, or only `version`), oldest first.
    public func evals(of name: String, version: SemanticVersion? = nil) throws -> [EvalRecord] {
        try Names.checkBundle(name)
        return try withStore { store in
            let snapshot = try StateSnapshot.current(store)
            let versions = try version.map { [$0] } ?? snapshot.versions(of: name)
            guard !versions.isEmpty else { throw Self.bundleNotFound(name) }
            return try versions.flatMap { version -> [EvalRecord] in
                let record = try Self.findVersion(.version(name, version), in: snapshot)
                return try snapshot.evalStatements(name, record.digest).map {
                    EvalRecord(bundle: name, version: version, digest: record.digest, statement: $0)
                }
            }
        }
    }

    /// Compares the newest results of `suite` for two versions: scores, relative change, and the
    /// cases whose outcome flipped (on the same dataset when both have per-case results).
    public func compareEvals(_ a: BundleReference, _ b: BundleReference, suite: String) throws -> EvalComparison {
        try Self.checkSuite(suite)
        func newest(_ reference: BundleReference) throws -> EvalRecord {
            let bundle = try show(reference)
            guard let record = try evals(of: reference.name, version: bundle.version).last(where: { $0.statement.predicate.suite == suite }) else {
                throw PromptRegError(
                    .notFound, "\(reference.name)@\(bundle.version) has no result for suite \(suite)", fix: "record one with eval record",
                    subject: .init(bundle: reference.name, version: bundle.version.description))
            }
            return record
        }
        return EvalComparison(suite: suite, old: try newest(a), new: try newest(b))
    }

    static func checkSuite(_ suite: String) throws {
        guard suite.wholeMatch(of: /[a-z0-9][a-z0-9._-]{0,63}/) != nil, !suite.contains("..") else {
            throw PromptRegError(
                .invalidInput, "'\(Names.printable(suite))' is not a valid suite name", fix: "suite names match \(suiteRule), e.g. refunds-v2")
        }
    }
}
