import Foundation
import PromptRegistry

/// What a read on a clone says on standard error when its view of the upstream may be old: it
/// never pulled, or it last reached the upstream more than `staleAfter` seconds ago.
enum UpstreamNote {
    /// How old a clone's view may be before reads say so.
    static let staleAfter: TimeInterval = 600

    /// The note for `view` at `now`, when one is due.
    static func text(_ view: UpstreamView?, now: Date = Date()) -> String? {
        guard let view else { return nil }
        guard let age = view.age(at: now), let fetched = view.lastFetched else {
            return "note: this registry never pulled from its upstream \(view.remote): it may not show what \(view.remote) holds; run 'promptreg pull'"
        }
        guard age > staleAfter else { return nil }
        return "note: this view of \(view.remote) is \(duration(age)) old (last pulled \(fetched.formatted(.iso8601))); run 'promptreg pull' for newer changes"
    }

    /// Prints the note for `registry` on standard error, when one is due (best effort: a note
    /// that cannot be computed is not printed).
    static func print(for registry: Registry) {
        print(try? registry.upstreamView())
    }

    /// Prints the note for `view`, when one is due.
    static func print(_ view: UpstreamView?) {
        if let note = text(view) { Output.error(note) }
    }

    /// `seconds` as `2 h 5 min`, `12 min` or `40 s`.
    static func duration(_ seconds: TimeInterval) -> String {
        let whole = Int(seconds)
        if whole >= 3600 { return "\(whole / 3600) h \(whole % 3600 / 60) min" }
        if whole >= 60 { return "\(whole / 60) min" }
        return "\(whole) s"
    }
}
