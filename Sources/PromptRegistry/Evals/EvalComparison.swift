import Foundation

/// Two eval results of one suite side by side.
public struct EvalComparison: Sendable, Codable, Equatable {
    /// One case whose outcome differs between the two runs.
    public struct Flip: Sendable, Codable, Equatable {
        /// The case.
        public let id: String
        /// Its outcome in the older run and in the newer.
        public let before: String
        public let after: String
    }

    /// The suite.
    public let suite: String
    /// The two records.
    public let old: EvalRecord
    public let new: EvalRecord
    /// (new − old) / old, as a fraction; nil when the old score is 0.
    public let relativeChange: Double?
    /// True when both ran on the same dataset digest (only then are scores comparable).
    public let sameDataset: Bool
    /// Cases whose outcome differs, by id.
    public let flips: [Flip]

    init(suite: String, old: EvalRecord, new: EvalRecord) {
        self.suite = suite
        self.old = old
        self.new = new
        let (before, after) = (old.statement.predicate.run, new.statement.predicate.run)
        relativeChange = ExactScore.relativeChange(from: before.score, to: after.score)
        sameDataset = before.dataset == after.dataset
        let outcomes = Dictionary((before.results ?? []).map { ($0.id, $0.outcome) }, uniquingKeysWith: { first, _ in first })
        flips = (after.results ?? []).compactMap { result in
            guard let earlier = outcomes[result.id], earlier != result.outcome else { return nil }
            return Flip(id: result.id, before: earlier, after: result.outcome)
        }
    }

    enum CodingKeys: String, CodingKey {
        case suite, old, new, flips
        case relativeChange = "relative_change"
        case sameDataset = "same_dataset"
    }
}

/// Scores compared in decimal, not binary floating point: a score is read as the shortest
/// decimal that round-trips its double (0.97 is 0.97), so a 3 % threshold cannot flip at the
/// boundary because 1 − 0.03 is not exactly 0.97 in binary.
enum ExactScore {
    /// The decimal a stored score means.
    static func decimal(_ value: Double) -> Decimal {
        Decimal(string: "\(value)", locale: Locale(identifier: "en_US_POSIX")) ?? Decimal(value)
    }

    /// True when `candidate` is below `baseline × (1 − maxDrop)`.
    static func dropsTooFar(candidate: Double, baseline: Double, maxDrop: Double) -> Bool {
        decimal(candidate) < decimal(baseline) * (1 - decimal(maxDrop))
    }

    /// (to − from) / from, or nil when `from` is 0.
    static func relativeChange(from: Double, to: Double) -> Double? {
        let base = decimal(from)
        guard base != 0 else { return nil }
        return NSDecimalNumber(decimal: (decimal(to) - base) / base).doubleValue
    }
}
