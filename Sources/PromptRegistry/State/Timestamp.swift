import Foundation

/// UTC timestamps in the one format promptreg stores: `2026-11-21T12:34:56Z`.
enum Timestamp {
    static func string(_ date: Date) -> String { date.formatted(.iso8601) }
}

extension Timestamp {
    /// The moment a stored timestamp names; nil when it is not one.
    static func date(_ text: String) -> Date? { try? Date(text, strategy: .iso8601) }
}
