/// An error as an HTTP API reports it: RFC 9457 problem details (`application/problem+json`)
/// carrying the library's error code, fix and subject fields, so an HTTP client learns exactly what
/// the command line's `--json` error says. The HTTP status is chosen by the server, not here.
public struct ProblemDetails: Codable, Sendable, Equatable {
    /// A URI naming the kind of problem: `https://promptreg.dev/problems/<code>`.
    public let type: String
    /// A short summary of the kind of problem.
    public let title: String
    /// The HTTP status of the response.
    public let status: Int
    /// What happened, in the library's words.
    public let detail: String
    /// The library's error code (`not-found`, `invalid-input`, ...).
    public let code: String
    /// What to do about it, when there is something to do.
    public let fix: String?
    /// The bundle the error is about, where known.
    public let bundle: String?
    /// The version (`X.Y.Z`) the error is about, where known.
    public let version: String?
    /// The channel the error is about, where known.
    public let channel: String?
    /// The layer the error is about, where known.
    public let layer: String?
    /// The field the error is about, where known.
    public let field: String?
    /// Damaged documents, when a read found some (`integrity`).
    public let damaged: [DamagedDocument]?
    /// True when the channel asked for is killed (code `killed`).
    public let killed: Bool?
    /// Why it was killed.
    public let reason: String?
    /// Who killed it.
    public let by: String?
    /// When, ISO 8601 UTC.
    public let at: String?

    /// The problem details for `error`, answered with HTTP `status`.
    public init(_ error: PromptRegError, status: Int, damaged: [DamagedDocument]? = nil) {
        type = "https://promptreg.dev/problems/\(error.code.name)"
        title = Self.titles[error.code.name] ?? error.code.name
        self.status = status
        detail = error.message
        code = error.code.name
        fix = error.fix
        bundle = error.subject.bundle
        version = error.subject.version
        channel = error.subject.channel
        layer = error.subject.layer?.rawValue
        field = error.subject.field
        self.damaged = damaged
        killed = error.kill.map { _ in true }
        reason = error.kill?.reason
        by = error.kill?.by
        at = error.kill?.at
    }

    private static let titles = [
        "usage": "Bad request", "invalid-input": "Invalid input", "not-found": "Not found", "conflict": "Conflict",
        "integrity": "Integrity failure", "storage": "Storage failure", "unavailable": "Remote unavailable",
        "refused": "Refused by the remote", "gate-failed": "Gate failed", "killed": "Killed", "forbidden": "Forbidden",
    ]
}
