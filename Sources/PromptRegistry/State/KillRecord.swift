/// A kill: one channel of one bundle stopped on purpose with `promptreg kill` (the runbook's last
/// line of defence). While it is stored (at `channels/<channel>/kills/<x>/<y>/<bundle>` in the
/// state tree) a resolve of that channel fails with `PromptRegError.Code.killed`, which carries
/// this record, so an agent can switch to its degraded path; `revive` removes it.
public struct KillRecord: Codable, Sendable, Equatable {
    /// Format tag.
    public var format = "promptreg.kill/v1"
    /// The bundle stopped.
    public var bundle: String
    /// The channel stopped.
    public var channel: String
    /// Why, as the one who killed it said (the kill event's message).
    public var reason: String
    /// Who killed it.
    public var by: String
    /// When, ISO 8601 UTC.
    public var at: String

    /// A kill of `channel` of `bundle`.
    public init(bundle: String, channel: String, reason: String, by: String, at: String) {
        (self.bundle, self.channel, self.reason, self.by, self.at) = (bundle, channel, reason, by, at)
    }
}

extension KillRecord: StoredDocument {
    var rangeProblem: String? {
        if (try? Names.checkBundle(bundle)) == nil { return "bundle '\(Names.printable(bundle))' is not a valid bundle name" }
        if (try? Names.checkChannel(channel)) == nil { return "channel '\(Names.printable(channel))' is not a valid channel name" }
        return nil
    }
}
