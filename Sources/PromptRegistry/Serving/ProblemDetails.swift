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
    /// The bundle, version, channel, layer and field the error is about, where known.
    public let bundle: String?
    public let version: String?
    public let channel: String?
    public let layer: String?
    public let field: String?
    /// Damaged documents, when a read found some (`integrity`).
    public let damaged: [DamagedDocument]?

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
    }

    private static let titles = [
        "usage": "Bad request", "invalid-input": "Invalid input", "not-found": "Not found", "conflict": "Conflict",
        "integrity": "Integrity failure", "storage": "Storage failure", "unavailable": "Remote unavailable",
        "refused": "Refused by the remote", "gate-failed": "Gate failed",
    ]
}
