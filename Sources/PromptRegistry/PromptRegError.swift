/// Every failure promptreg reports: a code that says what kind of failure it is (and so the exit
/// code), and a message that names the file, field and line where there is one, and the fix.
public struct PromptRegError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure. Each has its own process exit code (see README "Exit codes").
    public enum Code: String, Sendable, CaseIterable {
        /// The command line itself is wrong.
        case usage
        /// A bundle, file or argument value is not acceptable.
        case invalidInput = "invalid-input"
        /// A registry, bundle, version, channel or digest does not exist.
        case notFound = "not-found"
        /// The write would break immutability or lost a race: version exists, identical content,
        /// a concurrent writer, a held lock.
        case conflict
        /// Stored content does not match its recorded digest, or the registry's history is broken.
        case integrity
        /// The storage itself failed (I/O, libgit2).
        case storage

        /// The process exit code for this kind of failure.
        public var exitCode: Int32 {
            switch self {
            case .usage: 64
            case .invalidInput: 65
            case .notFound: 66
            case .conflict: 67
            case .integrity: 68
            case .storage: 70
            }
        }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What happened and where, e.g. `registry/a/bundle.yaml:4: model.id: ...`.
    public let message: String
    /// What to do about it, when there is something to do.
    public let fix: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, fix: String? = nil) {
        self.code = code
        self.message = message
        self.fix = fix
    }

    /// An invalid-input error located at `file` (and `line`), about `field`.
    public static func invalid(
        file: String, line: Int? = nil, field: String? = nil, _ problem: String, fix: String? = nil
    ) -> PromptRegError {
        var location = file
        if let line { location += ":\(line)" }
        if let field, !field.isEmpty { location += ": \(field)" }
        return PromptRegError(.invalidInput, "\(location): \(problem)", fix: fix)
    }

    public var description: String {
        guard let fix else { return message }
        return "\(message)\n  fix: \(fix)"
    }
}
