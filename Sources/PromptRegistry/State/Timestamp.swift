import Foundation

/// UTC timestamps in the one format promptreg stores: `2026-11-21T12:34:56Z`.
enum Timestamp {
    static func string(_ date: Date) -> String { date.formatted(.iso8601) }
}
