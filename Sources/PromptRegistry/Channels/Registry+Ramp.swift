import Foundation

/// What a ramp did.
public struct RampResult: Sendable, Encodable {
    /// The state commit that moved the canary's traffic.
    public let event: StateEvent
    /// The canary's traffic now, in percent.
    public let traffic: Double
    /// True at 100 %: the next step is promoting canary to prod.
    public let complete: Bool
}

extension Registry {
    /// Raises the canary's traffic for bundle `name` to the next step of the ramp policy (default
    /// 1, 5, 20, 50, 100). Refused before the current step has run for the policy's dwell, and
    /// when the canary's version fails prod's promotion gate. Subjects already on the canary stay
    /// on it at every step (the bucketing is monotone). With `abort`, sets the traffic to 0 at once.
    @discardableResult
    public func ramp(_ name: String, abort: Bool = false, message: String, actor: String, now: Date = Date()) throws -> RampResult {
        try Names.checkBundle(name)
        var traffic = 0.0
        var complete = false
        let event = try updateState(actor: actor) { snapshot, stamp in
            try snapshot.requireDeclared(canaryChannel)
            guard let canary = try snapshot.pointer(canaryChannel, name) else {
                if try !snapshot.hasVersions(of: name) { throw Self.bundleNotFound(name) }
                throw PromptRegError(
                    .notFound, "\(name) has no version on \(canaryChannel) to ramp", fix: "promote the candidate to \(canaryChannel) first",
                    remedy: .promote(bundle: name, channel: canaryChannel), subject: .init(bundle: name, channel: canaryChannel))
            }
            let current = canary.traffic ?? 0
            if abort {
                guard current > 0 else {
                    throw PromptRegError(.conflict, "the \(canaryChannel) of \(name) already takes no traffic; nothing changed", subject: .init(bundle: name))
                }
                traffic = 0
            } else {
                traffic = try Self.nextStep(after: current, canary: canary, policy: try snapshot.rampPolicy(), name: name, now: now)
                let record = try Self.findVersion(.version(name, canary.version), in: snapshot)
                if let refusal = try snapshot.gateRefusal(stableChannel, name, candidate: record) { throw refusal }
            }
            complete = traffic >= 100
            var moved = canary
            (moved.traffic, moved.seq, moved.time, moved.actor) = (traffic, stamp.seq, stamp.time, stamp.actor)
            var plan = ChannelPlan(snapshot: snapshot)
            plan.move(name, on: canaryChannel, from: canary, to: moved)
            return plan.update(action: .promote, message: message)
        }
        return RampResult(event: event, traffic: traffic, complete: complete)
    }

    /// The step after `current`, once the current step has run for the policy's dwell.
    private static func nextStep(after current: Double, canary: ChannelPointer, policy: RampPolicy, name: String, now: Date) throws -> Double {
        guard let next = policy.steps.first(where: { $0 > current }) else {
            throw PromptRegError(
                .conflict, "the \(canaryChannel) of \(name) already takes \(PointerTarget.percent(current)) of the traffic; the ramp is complete",
                fix: "promote it to \(stableChannel)", remedy: .promote(bundle: name, channel: stableChannel), subject: .init(bundle: name))
        }
        if current > 0, policy.minDwellSeconds > 0, let since = ISO8601DateFormatter().date(from: canary.time) {
            let waited = now.timeIntervalSince(since)
            if waited < policy.minDwellSeconds {
                throw PromptRegError(
                    .conflict,
                    "the \(canaryChannel) of \(name) has run at \(PointerTarget.percent(current)) for \(Int(waited)) s; the ramp policy asks for \(Int(policy.minDwellSeconds)) s per step",
                    fix: "wait \(Int((policy.minDwellSeconds - waited).rounded(.up))) s more, or abort the ramp", subject: .init(bundle: name))
            }
        }
        return next
    }
}
