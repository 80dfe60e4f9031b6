/// Every failure the library reports: a code that says what kind of failure it is, a message that
/// names the file, field and line where there is one, a fix in plain words, an optional structured
/// remedy that an interface renders in its own terms (a command line, a link), and the subject the
/// failure is about (bundle, version, channel, layer) so that no caller has to search message text.
///
/// The library decides none of an interface's details: the CLI maps codes to exit codes and
/// remedies to commands and flags; an HTTP server maps codes to statuses.
public struct PromptRegError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure. A struct of static values, so that adding a code breaks no caller.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, CaseIterable, Sendable {
            case usage
            case invalidInput = "invalid-input"
            case notFound = "not-found"
            case conflict
            case integrity
            case storage
            case unavailable
            case refused
            case gateFailed = "gate-failed"
            case forbidden
            case killed
            case newerFormat = "newer-format"
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The request itself is malformed (missing message, contradictory arguments).
        public static let usage = Code(.usage)
        /// A bundle, file or argument value is not acceptable.
        public static let invalidInput = Code(.invalidInput)
        /// A registry, bundle, version, channel or digest does not exist.
        public static let notFound = Code(.notFound)
        /// The write would break immutability or lost a race: version exists, identical content,
        /// a concurrent writer, a held lock, nothing to change.
        public static let conflict = Code(.conflict)
        /// Stored content does not match its digest, or the registry's history or documents are damaged.
        public static let integrity = Code(.integrity)
        /// The storage itself failed (I/O, a full disk, libgit2).
        public static let storage = Code(.storage)

        /// A remote could not be reached (connection refused, DNS, authentication, certificate).
        public static let unavailable = Code(.unavailable)
        /// A remote's server refused a change (a hook, a protected ref).
        public static let refused = Code(.refused)

        /// A promotion gate refused the candidate (no eval result, or a score that dropped too far).
        public static let gateFailed = Code(.gateFailed)

        /// The registry's trust policy does not let this signer make this change (a protected
        /// channel, a policy change by a non-admin, an unsigned write where signatures are required).
        public static let forbidden = Code(.forbidden)

        /// The channel asked for was stopped on purpose (`promptreg kill`): the error's `kill`
        /// says why, by whom and when. An agent switches to its degraded path.
        public static let killed = Code(.killed)

        /// The registry holds state a newer promptreg wrote (an action or format this version
        /// does not know): readers answer from the newest state they understand; upgrade.
        public static let newerFormat = Code(.newerFormat)

        /// Every code this version of the library reports.
        public static let all: [Code] = Value.allCases.map(Code.init)

        /// The stable name of the code, e.g. `invalid-input`: what JSON errors carry.
        public var name: String { value.rawValue }

        /// The code named `name`, if this version of the library knows it.
        public init?(name: String) {
            guard let value = Value(rawValue: name) else { return nil }
            self.value = value
        }

        public var description: String { name }
    }

    /// What a failure is about, where known. Interfaces show these as fields (JSON, problem details).
    public struct Subject: Sendable, Equatable {
        /// The bundle.
        public var bundle: String?
        /// The version (`X.Y.Z`).
        public var version: String?
        /// The channel.
        public var channel: String?
        /// The layer of the bundle.
        public var layer: LayerKind?
        /// The file (a bundle file, a stored document's location).
        public var file: String?
        /// The field inside the file, e.g. `parameters.temperature`.
        public var field: String?
        /// The 1-based line in the file.
        public var line: Int?

        /// A subject with the given fields.
        public init(
            bundle: String? = nil, version: String? = nil, channel: String? = nil, layer: LayerKind? = nil,
            file: String? = nil, field: String? = nil, line: Int? = nil
        ) {
            (self.bundle, self.version, self.channel, self.layer) = (bundle, version, channel, layer)
            (self.file, self.field, self.line) = (file, field, line)
        }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What happened and where, e.g. `registry/a/bundle.yaml:4: model.id: ...`.
    public let message: String
    /// What to do about it, in plain words, when there is something to do.
    public let fix: String?
    /// The same advice as an action an interface can render as its own command, when there is one.
    public let remedy: Remedy?
    /// What the failure is about.
    public var subject: Subject
    /// The kill that refused the request; set for code `killed` only.
    public private(set) var kill: KillRecord?

    /// Creates an error.
    public init(_ code: Code, _ message: String, fix: String? = nil, remedy: Remedy? = nil, subject: Subject = Subject()) {
        self.code = code
        self.message = message
        self.fix = fix
        self.remedy = remedy
        self.subject = subject
        kill = nil
    }

    /// The error a resolve of a killed channel fails with: code `killed`, the kill in `kill`.
    public static func killed(_ record: KillRecord) -> PromptRegError {
        var error = PromptRegError(
            .killed,
            "\(record.channel) of \(record.bundle) is killed: \(record.reason) (by \(record.by) at \(record.at))",
            fix: "run the agent's degraded path, or resolve a pinned version; when it is safe again, revive the channel",
            remedy: .revive(bundle: record.bundle, channel: record.channel), subject: .init(bundle: record.bundle, channel: record.channel))
        error.kill = record
        return error
    }

    /// An invalid-input error located at `file` (and `line`), about `field`.
    public static func invalid(
        file: String, line: Int? = nil, field: String? = nil, _ problem: String, fix: String? = nil, remedy: Remedy? = nil
    ) -> PromptRegError {
        var location = file
        if let line { location += ":\(line)" }
        if let field, !field.isEmpty { location += ": \(field)" }
        return PromptRegError(
            .invalidInput, "\(location): \(problem)", fix: fix, remedy: remedy,
            subject: Subject(file: file, field: field?.isEmpty == false ? field : nil, line: line))
    }

    /// This error with `subject`'s fields filled in where this one has none.
    public func about(_ subject: Subject) -> PromptRegError {
        var copy = self
        copy.subject.bundle = self.subject.bundle ?? subject.bundle
        copy.subject.version = self.subject.version ?? subject.version
        copy.subject.channel = self.subject.channel ?? subject.channel
        copy.subject.layer = self.subject.layer ?? subject.layer
        copy.subject.file = self.subject.file ?? subject.file
        copy.subject.field = self.subject.field ?? subject.field
        copy.subject.line = self.subject.line ?? subject.line
        return copy
    }

    public var description: String {
        guard let fix else { return message }
        return "\(message)\n  fix: \(fix)"
    }
}
