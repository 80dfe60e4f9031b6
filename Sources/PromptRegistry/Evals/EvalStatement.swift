/// An eval result as the registry stores it: an in-toto Statement (v1) whose subject is the bundle
/// digest and whose predicate (type `https://promptreg.dev/eval-result/v1`) is the run with the
/// suite, who recorded it, when and why. Other tools read it as any in-toto attestation.
public struct EvalStatement: Codable, Sendable, Equatable {
    /// The statement's subject: the bundle, by name and digest.
    public struct Subject: Codable, Sendable, Equatable {
        /// `NAME@VERSION`.
        public var name: String
        /// `{"sha256": HEX}` of the bundle digest.
        public var digest: [String: String]
    }

    /// What was measured, by whom and when.
    public struct Predicate: Codable, Sendable, Equatable {
        /// The suite's name.
        public var suite: String
        /// The run.
        public var run: EvalRun
        /// Who recorded it.
        public var actor: String
        /// When, ISO 8601 UTC.
        public var time: String
        /// Why, as the user said.
        public var message: String
        /// The state sequence number that recorded it.
        public var seq: Int64
    }

    /// The in-toto statement type.
    public static let statementType = "https://in-toto.io/Statement/v1"
    /// promptreg's predicate type for eval results.
    public static let resultPredicateType = "https://promptreg.dev/eval-result/v1"

    /// `https://in-toto.io/Statement/v1`.
    public var type = EvalStatement.statementType
    /// The bundle this result is about.
    public var subject: [Subject]
    /// `https://promptreg.dev/eval-result/v1`.
    public var predicateType = EvalStatement.resultPredicateType
    /// The result.
    public var predicate: Predicate

    enum CodingKeys: String, CodingKey {
        case type = "_type"
        case subject, predicateType, predicate
    }

    /// The bundle digest this statement is about, when its subject names one.
    public var bundleDigest: Digest? {
        subject.first?.digest["sha256"].flatMap { Digest(parsing: "sha256:\($0)") }
    }
}

extension EvalStatement: StoredDocument {
    var rangeProblem: String? {
        guard type == Self.statementType, predicateType == Self.resultPredicateType else {
            return "not an eval statement in the format promptreg writes (\(Names.printable(type)), \(Names.printable(predicateType)))"
        }
        guard bundleDigest != nil else { return "its subject names no sha256 bundle digest" }
        return predicate.run.problem ?? sequenceProblem(predicate.seq)
    }
}
