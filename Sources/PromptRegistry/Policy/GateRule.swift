/// A channel's promotion gate: a promote onto the channel is refused when the candidate has no
/// result for `suite` (on `dataset`, when given) or scores more than `maxDrop` (relative) below
/// the best result of the version the channel runs now.
public struct GateRule: Codable, Sendable, Equatable {
    /// Format tag.
    public var format = "promptreg.gate/v1"
    /// The gated channel.
    public var channel: String
    /// The eval suite whose score gates it.
    public var suite: String
    /// The largest relative drop allowed, as a fraction (0.03 is 3 %).
    public var maxDrop: Double
    /// When set, only results on this eval set count.
    public var dataset: Digest?

    /// The drop allowed when none is given.
    public static let defaultMaxDrop = 0.03

    /// A gate on `channel`.
    public init(channel: String, suite: String, maxDrop: Double = defaultMaxDrop, dataset: Digest? = nil) {
        self.channel = channel
        self.suite = suite
        self.maxDrop = maxDrop
        self.dataset = dataset
    }

    enum CodingKeys: String, CodingKey {
        case format, channel, suite, dataset
        case maxDrop = "max_drop"
    }
}

extension GateRule: StoredDocument {
    var rangeProblem: String? {
        maxDrop.isFinite && (0...1).contains(maxDrop) ? nil : "max_drop \(maxDrop) is outside 0...1"
    }
}

/// How the canary ramps: the traffic steps and the least time to spend on each.
public struct RampPolicy: Codable, Sendable, Equatable {
    /// Format tag.
    public var format = "promptreg.ramp/v1"
    /// Traffic steps in percent, strictly rising, ending at 100.
    public var steps: [Double]
    /// Seconds a step must have run before the next (0: none).
    public var minDwellSeconds: Double

    /// The steps when none are configured.
    public static let standard = RampPolicy(steps: [1, 5, 20, 50, 100], minDwellSeconds: 0)

    /// A policy with these steps and dwell.
    public init(steps: [Double], minDwellSeconds: Double) {
        self.steps = steps
        self.minDwellSeconds = minDwellSeconds
    }

    /// What is wrong with these steps, if anything.
    var problem: String? {
        guard !steps.isEmpty, steps.allSatisfy({ $0.isFinite && $0 > 0 && $0 <= 100 }) else {
            return "steps must be percentages above 0 and at most 100"
        }
        guard zip(steps, steps.dropFirst()).allSatisfy({ $0 < $1 }) else { return "steps must rise strictly" }
        guard steps.last == 100 else { return "the last step must be 100" }
        guard minDwellSeconds.isFinite, minDwellSeconds >= 0 else { return "the dwell must be 0 or more seconds" }
        return nil
    }

    enum CodingKeys: String, CodingKey {
        case format, steps
        case minDwellSeconds = "min_dwell_seconds"
    }
}

extension RampPolicy: StoredDocument {
    var rangeProblem: String? { problem }
}
