/// Refuses regular expressions whose matching can take exponential time on a backtracking
/// engine (Swift's `Regex` backtracks): a quantified group that itself contains a quantifier or
/// an alternation, as in `(a+)+`, `(a*)*b` or `(a|aa)+`. Tool arguments come from a model, and a
/// prompt injection must not be able to hang the agent that validates them.
enum PatternSafety {
    /// Why `pattern` is refused; nil when it is safe.
    static func problem(_ pattern: String) -> String? {
        var groups: [Bool] = []  // per open group: does it contain a quantifier or an alternation?
        var escaped = false
        var inClass = false
        var previousClosedGroupRisky = false
        var previous: Character = " "
        for character in pattern {
            defer { previous = character }
            if escaped {
                escaped = false
                previousClosedGroupRisky = false
                continue
            }
            switch character {
            case "\\": escaped = true
            case "[" where !inClass: inClass = true
            case "]" where inClass: inClass = false
            case _ where inClass: break
            case "(":
                groups.append(false)
                previousClosedGroupRisky = false
            case ")":
                previousClosedGroupRisky = groups.popLast() ?? false
                if previousClosedGroupRisky, !groups.isEmpty { groups[groups.count - 1] = true }
                continue
            case "?" where previous == "(":
                break  // group syntax such as (?: or (?<name>, not a quantifier
            case "*", "+", "{":
                if previousClosedGroupRisky {
                    return "a repeated group that itself repeats or alternates (as in (a+)+ or (a|b)*) can make matching take exponential time"
                }
                if !groups.isEmpty { groups[groups.count - 1] = true }
            case "?":
                if !groups.isEmpty { groups[groups.count - 1] = true }
            case "|":
                if !groups.isEmpty { groups[groups.count - 1] = true }
            default: break
            }
            previousClosedGroupRisky = false
        }
        return nil
    }
}
