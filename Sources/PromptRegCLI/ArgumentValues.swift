import ArgumentParser
import PromptRegistry

extension VersionBump: ExpressibleByArgument {
    /// `patch`, `minor` or `major`.
    public init?(argument: String) {
        guard argument != "none" else { return nil }
        self.init(rawValue: argument)
    }

    public static var allValueStrings: [String] { ["patch", "minor", "major"] }
}

extension ProviderFormat: ExpressibleByArgument {}

extension LayerKind: ExpressibleByArgument {}

extension Digest: ExpressibleByArgument {
    /// `sha256:` and 64 lowercase hex digits.
    public init?(argument: String) { self.init(parsing: argument) }
}

/// A canary traffic share as typed: a plain decimal number from 0 to 100 (`5`, `12.5`), never
/// hexadecimal or an exponent.
struct TrafficPercent: ExpressibleByArgument {
    let value: Double

    init?(argument: String) {
        guard argument.wholeMatch(of: /-?[0-9]{1,3}(\.[0-9]{1,6})?/) != nil, let value = Double(argument) else { return nil }
        self.value = value
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
