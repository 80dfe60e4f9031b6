import Foundation

/// One run of an eval suite against one bundle version: what `eval record` reads from a results
/// file and what the registry stores (inside an in-toto statement).
public struct EvalRun: Codable, Sendable, Equatable {
    /// The outcome of one case.
    public struct CaseOutcome: Codable, Sendable, Equatable {
        /// The case's id within the eval set.
        public var id: String
        /// `pass`, `fail` or `error`.
        public var outcome: String

        /// Case `id` with `outcome`.
        public init(id: String, outcome: String) {
            self.id = id
            self.outcome = outcome
        }
    }

    /// The suite's score, 0 to 1 (higher is better).
    public var score: Double
    /// How many cases ran.
    public var cases: Int
    /// How many passed, failed and errored.
    public var passed: Int
    public var failed: Int
    public var errored: Int
    /// The digest of the eval set (`sha256:HEX`), so scores are compared on the same cases.
    public var dataset: Digest
    /// The judge model, pinned, when a model graded the answers.
    public var judge: String?
    /// Per-case outcomes, when the results file has them.
    public var results: [CaseOutcome]?
    /// What `score` measures when it is not the pass rate (`passed / cases`), e.g. `mean-judge-score`.
    public var metric: String?

    /// A run with these figures.
    public init(
        score: Double, cases: Int, passed: Int, failed: Int, errored: Int, dataset: Digest, judge: String? = nil,
        results: [CaseOutcome]? = nil, metric: String? = nil
    ) {
        (self.score, self.cases, self.passed, self.failed, self.errored) = (score, cases, passed, failed, errored)
        (self.dataset, self.judge, self.results, self.metric) = (dataset, judge, results, metric)
    }

    /// The outcomes a case may have.
    public static let outcomes: Set<String> = ["pass", "fail", "error"]

    /// The most cases one run may record (its statement must stay within a stored document's size).
    public static let maxCases = 10_000

    /// What is wrong with this run, if anything: a score outside 0...1, counts that are negative,
    /// too large or do not add up, per-case results that disagree with the counts, a floating judge.
    var problem: String? {
        guard score.isFinite, (0...1).contains(score) else { return "score \(score) is outside 0...1" }
        let counts = [cases, passed, failed, errored]
        guard counts.allSatisfy({ (0...Self.maxCases).contains($0) }) else {
            return "cases, passed, failed and errored must be whole numbers from 0 to \(Self.maxCases)"
        }
        guard cases > 0 else { return "cases is 0: a run of no case has no score" }
        guard passed + failed + errored == cases else {
            return "passed + failed + errored (\(passed) + \(failed) + \(errored)) is not cases (\(cases))"
        }
        // A score is the pass rate unless the run names what it measures instead: a gate must not
        // count a score its own counts contradict.
        let rate = Double(passed) / Double(cases)
        if metric == nil, abs(score - rate) > 0.5 / Double(cases) + 1e-9 {
            return "score \(score) contradicts the counts (\(passed) of \(cases) passed: a pass rate of \(rate)); give the pass rate, or name the metric the score reports"
        }
        if let metric, metric.isEmpty || metric.count > 64 { return "metric must name what the score measures, in 1 to 64 characters" }
        if let judge, let reason = ContentPolicy.floatingReason(modelID: judge) {
            return "judge '\(Names.printable(judge))' is not a pinned model id: \(reason)"
        }
        guard let results else { return nil }
        if let bad = results.first(where: { !Self.outcomes.contains($0.outcome) }) {
            return "results: case '\(Names.printable(bad.id))' has outcome '\(Names.printable(bad.outcome))'; use pass, fail or error"
        }
        guard Set(results.map(\.id)).count == results.count else { return "results: case ids repeat" }
        let tally = (results.filter { $0.outcome == "pass" }.count, results.filter { $0.outcome == "fail" }.count, results.count)
        guard tally == (passed, failed, cases) else {
            return "results lists \(tally.2) cases (\(tally.0) passed, \(tally.1) failed), but the counts say \(cases) (\(passed) passed, \(failed) failed)"
        }
        return nil
    }
}

extension EvalRun {
    /// Reads a results file: promptreg's own format (see `schemas/eval-results.schema.json`) or
    /// the JSON that `promptfoo eval -o FILE.json` writes. `dataset` overrides (and for promptfoo
    /// files defaults to) the digest of the eval set.
    public static func read(from path: String, dataset override: Digest? = nil) throws -> EvalRun {
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > StoredDocumentLimit.maxBytes {
            throw PromptRegError.invalid(
                file: path, "is \(size) bytes; a results file may be at most \(StoredDocumentLimit.maxBytes) bytes (1 MiB)",
                fix: "record at most \(maxCases) cases, with short case ids")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PromptRegError(.notFound, "\(path): results file not found", fix: "pass the JSON file your eval run wrote", subject: .init(file: path))
        }
        let document = try JSONValue(parsing: data, file: path)
        var run: EvalRun
        if let promptfoo = document.objectValue?["results"]?.objectValue, promptfoo["stats"] != nil {
            run = try PromptfooResults(promptfoo, file: path).run(dataset: override)
        } else {
            run = try CanonicalJSON.decode(EvalRun.self, from: data, file: path)
            if let override { run.dataset = override }
        }
        if let problem = run.problem {
            throw PromptRegError.invalid(file: path, problem, fix: "correct the results file (schemas/eval-results.schema.json)")
        }
        return run
    }
}

extension EvalRun {
    /// The digest promptreg gives a promptfoo eval set: SHA-256 of the canonical JSON array of the
    /// tests' `vars`, in test order.
    public static func promptfooDataset(vars: [JSONValue]) -> Digest {
        Digest(of: JSONValue.array(vars).canonicalBytes)
    }
}

/// The JSON `promptfoo eval -o FILE.json` writes (results version 2 or 3): per-test results with
/// `success`, `error`, `testIdx` and `vars`, and `stats` with `successes`, `failures`, `errors`.
/// The score is the pass rate; the dataset digest, unless given, is the SHA-256 of the canonical
/// JSON of the tests' `vars` in test order. Files with several prompts or providers are refused
/// (one bundle version is one prompt).
private struct PromptfooResults {
    let members: [String: JSONValue]
    let file: String

    init(_ members: [String: JSONValue], file: String) {
        self.members = members
        self.file = file
    }

    func run(dataset override: Digest?) throws -> EvalRun {
        let results = members["results"]?.arrayValue ?? []
        guard !results.isEmpty else { throw fail("results.results is empty or missing") }
        var outcomes: [Int: EvalRun.CaseOutcome] = [:]
        var vars: [Int: JSONValue] = [:]
        var prompts = Set<JSONValue>()
        for result in results {
            guard let fields = result.objectValue, case .integer(let index) = fields["testIdx"] ?? .null else {
                throw fail("a result has no integer testIdx")
            }
            prompts.insert(fields["promptIdx"] ?? .null)
            let hasError = fields["error"].map { $0 != .null && $0 != .string("") } ?? false
            let outcome = hasError ? "error" : fields["success"] == .bool(true) ? "pass" : "fail"
            guard outcomes[Int(index)] == nil else {
                throw fail("test \(index) has several results (several providers, or repeats); export one provider per file")
            }
            outcomes[Int(index)] = EvalRun.CaseOutcome(id: "test-\(index)", outcome: outcome)
            vars[Int(index)] = fields["vars"] ?? .null
        }
        guard prompts.count == 1 else {
            throw fail("the file holds results for \(prompts.count) prompts or providers; export one prompt and one provider per file")
        }
        let ordered = outcomes.keys.sorted().compactMap { outcomes[$0] }
        let passed = ordered.filter { $0.outcome == "pass" }.count
        let errored = ordered.filter { $0.outcome == "error" }.count
        let dataset = override ?? EvalRun.promptfooDataset(vars: vars.keys.sorted().compactMap { vars[$0] })
        return EvalRun(
            score: Double(passed) / Double(ordered.count), cases: ordered.count, passed: passed,
            failed: ordered.count - passed - errored, errored: errored, dataset: dataset, judge: nil, results: ordered)
    }

    private func fail(_ problem: String) -> PromptRegError {
        .invalid(file: file, field: "results", "promptfoo results: \(problem)", fix: "pass the file 'promptfoo eval -o FILE.json' wrote")
    }
}
