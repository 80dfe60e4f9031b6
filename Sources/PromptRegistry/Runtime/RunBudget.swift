/// What one agent run may still spend, from the bundle's `parameters.limits`: steps (model
/// turns), tool calls and tokens. The agent loop charges each before (or as) it spends it; a
/// charge that would go past a limit throws `RunBudget.Exceeded` and is not recorded, so the
/// loop can still end the run cleanly. A limit the bundle does not set is unlimited.
///
/// One value per run, owned by that run: it is a plain value type, not synchronised (charge it
/// from one task, or guard it yourself).
public struct RunBudget: Sendable, Equatable {
    /// The three run limits a bundle can set.
    public enum Limit: String, Sendable, CaseIterable, CustomStringConvertible {
        /// Agent steps (model turns) in one run: `parameters.limits.max_steps`.
        case steps = "max_steps"
        /// Tool calls in one run: `parameters.limits.max_tool_calls`.
        case toolCalls = "max_tool_calls"
        /// Tokens, input and output, in one run: `parameters.limits.max_tokens_per_run`.
        case tokens = "max_tokens_per_run"

        /// The field in bundle.yaml, e.g. `parameters.limits.max_steps`.
        public var field: String { "parameters.limits.\(rawValue)" }

        /// What is counted, e.g. `steps`.
        public var description: String {
            switch self {
            case .steps: "steps"
            case .toolCalls: "tool calls"
            case .tokens: "tokens"
            }
        }
    }

    /// A charge refused because it would go past a limit.
    public struct Exceeded: Error, Sendable, Equatable, CustomStringConvertible {
        /// Which limit.
        public let limit: Limit
        /// Its value.
        public let maximum: Int
        /// The total the refused charge would have reached.
        public let attempted: Int
        /// The bundle the limit comes from, when the budget was made from one.
        public let bundle: String?
        /// Its version, when the budget was made from a bundle.
        public let version: SemanticVersion?

        public var description: String {
            "run limit reached: this would make \(attempted) \(limit) in the run, but \(limit.field)"
                + "\(bundle.map { " of \($0)\(version.map { "@\($0)" } ?? "")" } ?? "") allows \(maximum)"
        }

        /// The same as a library error (invalid input, about the parameters layer's limit field).
        public var error: PromptRegError {
            PromptRegError(
                .invalidInput, description,
                fix: "end the run with the best answer so far; if runs legitimately need more, raise "
                    + "\(limit.field) in bundle.yaml and publish a new version",
                subject: .init(bundle: bundle, version: version?.description, layer: .parameters, field: limit.field))
        }
    }

    /// The limit of each kind; a missing one is unlimited.
    public let limits: [Limit: Int]
    /// The bundle the limits come from, for errors.
    public let bundle: String?
    /// Its version, for errors.
    public let version: SemanticVersion?
    /// What has been charged so far, per kind.
    public private(set) var used: [Limit: Int] = [:]

    /// A budget with `limits` (nil: nothing is limited); `bundle` and `version` name them in errors.
    public init(limits: RunLimits?, bundle: String? = nil, version: SemanticVersion? = nil) {
        var table: [Limit: Int] = [:]
        table[.steps] = limits?.maxSteps
        table[.toolCalls] = limits?.maxToolCalls
        table[.tokens] = limits?.maxTokensPerRun
        self.limits = table
        self.bundle = bundle
        self.version = version
    }

    /// A fresh budget for one run of `bundle`, from its `parameters.limits`.
    public init(for bundle: ResolvedBundle) {
        self.init(limits: bundle.parameters.limits, bundle: bundle.name, version: bundle.version)
    }

    /// Charges `count` agent steps (model turns); throws `Exceeded` past `max_steps`.
    public mutating func charge(steps count: Int = 1) throws {
        try charge(count, to: .steps)
    }

    /// Charges `count` tool calls; throws `Exceeded` past `max_tool_calls`.
    public mutating func charge(toolCalls count: Int = 1) throws {
        try charge(count, to: .toolCalls)
    }

    /// Charges `count` tokens (input and output as the provider reports them); throws
    /// `Exceeded` past `max_tokens_per_run`.
    public mutating func charge(tokens count: Int) throws {
        try charge(count, to: .tokens)
    }

    /// What is left of `limit`; nil when it is unlimited.
    public func remaining(_ limit: Limit) -> Int? {
        limits[limit].map { max(0, $0 - used[limit, default: 0]) }
    }

    /// Adds `count` to `limit` (a negative count charges nothing; a total past `Int.max` stays
    /// there), or throws without recording it.
    private mutating func charge(_ count: Int, to limit: Limit) throws {
        let (sum, overflow) = used[limit, default: 0].addingReportingOverflow(max(0, count))
        let total = overflow ? Int.max : sum
        if let maximum = limits[limit], total > maximum {
            throw Exceeded(limit: limit, maximum: maximum, attempted: total, bundle: bundle, version: version)
        }
        used[limit] = total
    }
}
