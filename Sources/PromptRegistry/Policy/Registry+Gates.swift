import Foundation

extension StateSnapshot {
    /// The gate of `channel`, if it has one.
    func gate(_ channel: String) throws -> GateRule? { try document(GateRule.self, at: Layout.gateFile(channel)) }

    /// Every gate, by channel name.
    func gates() throws -> [GateRule] {
        try names(in: "policy/gates").compactMap { file in try document(GateRule.self, at: "policy/gates/\(file)") }
    }

    /// The canary ramp policy (the standard steps when none is configured).
    func rampPolicy() throws -> RampPolicy { try document(RampPolicy.self, at: Layout.rampFile) ?? .standard }

    /// Checks `candidate` (a version of `name`) against `channel`'s gate. Returns nil when it
    /// passes or there is no gate, else the refusal (which a caller may override).
    func gateRefusal(_ channel: String, _ name: String, candidate: VersionRecord) throws -> PromptRegError? {
        guard let gate = try gate(channel) else { return nil }
        let subject = PromptRegError.Subject(bundle: name, version: candidate.version.description, channel: channel)
        let label = "\(name)@\(candidate.version)"
        let results = try evalStatements(name, candidate.digest).map(\.predicate).filter {
            $0.suite == gate.suite && (gate.dataset == nil || $0.run.dataset == gate.dataset)
        }
        guard let newest = results.last else {
            return PromptRegError(
                .gateFailed,
                "\(channel) is gated on suite \(gate.suite)\(gate.dataset.map { " (dataset \($0.short))" } ?? ""), and \(label) has no result for it",
                fix: "record a result for \(label) with eval record, or override the gate with a reason", remedy: .overrideGate,
                subject: subject)
        }
        guard let current = try pointer(channel, name), current.digest != candidate.digest else { return nil }
        let currentResults = try evalStatements(name, current.digest).map(\.predicate).filter { $0.suite == gate.suite }
        let baseline = currentResults.filter { $0.run.dataset == newest.run.dataset }.max {
            ExactScore.decimal($0.run.score) < ExactScore.decimal($1.run.score)
        }
        guard let baseline else {
            // What the channel runs was measured, but on another eval set: no comparison is possible,
            // and a candidate must not pass by choosing an eval set of its own.
            guard currentResults.isEmpty else {
                return PromptRegError(
                    .gateFailed,
                    "\(label) was measured on eval set \(newest.run.dataset.short), but \(name)@\(current.version), which \(channel) runs, has \(gate.suite) results only on \(Set(currentResults.map(\.run.dataset.short)).sorted().joined(separator: ", ")): the scores cannot be compared",
                    fix: "run the candidate on the same eval set (or pin the gate's dataset), or override the gate with a reason",
                    remedy: .overrideGate, subject: subject)
            }
            return nil
        }
        guard ExactScore.dropsTooFar(candidate: newest.run.score, baseline: baseline.run.score, maxDrop: gate.maxDrop) else { return nil }
        let change = ExactScore.relativeChange(from: baseline.run.score, to: newest.run.score).map { String(format: "%+.2f%%", $0 * 100) } ?? "n/a"
        return PromptRegError(
            .gateFailed,
            "\(label) scores \(newest.run.score) on \(gate.suite), \(change) against \(baseline.run.score) for \(name)@\(current.version) which \(channel) runs; the gate allows a drop of at most \(gate.maxDrop * 100)% (threshold \(NSDecimalNumber(decimal: ExactScore.decimal(baseline.run.score) * (1 - ExactScore.decimal(gate.maxDrop))).stringValue))",
            fix: "improve the candidate and record a new result, or override the gate with a reason", remedy: .overrideGate,
            subject: subject)
    }
}

extension Registry {
    /// Sets `channel`'s promotion gate (one audited state commit).
    @discardableResult
    public func setGate(_ rule: GateRule, message: String, actor: String) throws -> StateEvent {
        try Names.checkChannel(rule.channel)
        try Self.checkSuite(rule.suite)
        if let problem = rule.rangeProblem { throw PromptRegError(.invalidInput, problem, fix: "give the largest allowed drop as a fraction, e.g. 0.03 for 3 %") }
        return try updateState(actor: actor) { snapshot, _ in
            try snapshot.requireDeclared(rule.channel)
            if try snapshot.gate(rule.channel) == rule {
                throw PromptRegError(.conflict, "\(rule.channel) already has exactly this gate; nothing changed", subject: .init(channel: rule.channel))
            }
            return StateUpdate(
                action: .gateChange, message: "\(message) [gate \(rule.channel): \(rule.suite), max drop \(rule.maxDrop)]",
                channel: rule.channel, document: JSONValue(encoding: rule))
        }
    }

    /// Removes `channel`'s gate (one audited state commit).
    @discardableResult
    public func removeGate(_ channel: String, message: String, actor: String) throws -> StateEvent {
        try Names.checkChannel(channel)
        return try updateState(actor: actor) { snapshot, _ in
            guard try snapshot.gate(channel) != nil else {
                throw PromptRegError(.notFound, "\(channel) has no gate", fix: "see the gates with gate show", subject: .init(channel: channel))
            }
            return StateUpdate(action: .gateChange, message: "\(message) [gate \(channel) removed]", channel: channel)
        }
    }

    /// Every channel's gate, and the canary ramp policy.
    public func gates() throws -> (gates: [GateRule], ramp: RampPolicy) {
        try withStore { store in
            let snapshot = try StateSnapshot.current(store)
            return (try snapshot.gates(), try snapshot.rampPolicy())
        }
    }

    /// Sets the canary ramp steps and the least time on each (one audited state commit).
    @discardableResult
    public func setRampPolicy(_ policy: RampPolicy, message: String, actor: String) throws -> StateEvent {
        if let problem = policy.problem { throw PromptRegError(.invalidInput, "ramp: \(problem)", fix: "e.g. steps 1,5,20,50,100 and a dwell of 600 seconds") }
        return try updateState(actor: actor) { _, _ in
            StateUpdate(
                action: .rampChange, message: "\(message) [ramp \(policy.steps.map { PointerTarget.percent($0) }.joined(separator: " "))]",
                document: JSONValue(encoding: policy))
        }
    }
}
