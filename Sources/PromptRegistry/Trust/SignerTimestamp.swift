import Foundation

/// The `valid-after` and `valid-before` times of allowed_signers (ssh-keygen(1), ALLOWED SIGNERS):
/// `YYYYMMDD` (midnight), `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`, optionally followed by `Z` (or
/// `UTC`) for UTC.
///
/// Time zone: ssh-keygen reads a time without `Z` in the machine's local time zone. promptreg
/// reads it in the zone the caller gives (UTC by default), so that every machine decides the same;
/// write times with `Z` so that stock ssh-keygen and git decide the same too.
enum SignerTimestamp {
    /// The moment `text` names, reading times without a suffix in `zone`; nil when `text` is not
    /// one of the formats above or names no real date and time.
    static func parse(_ text: String, unsuffixedIn zone: TimeZone) -> Date? {
        var digits = Substring(text)
        var timeZone = zone
        if digits.uppercased().hasSuffix("UTC") {
            digits = digits.dropLast(3)
            timeZone = TimeZone(identifier: "UTC")!
        } else if digits.uppercased().hasSuffix("Z") {
            digits = digits.dropLast()
            timeZone = TimeZone(identifier: "UTC")!
        }
        guard [8, 12, 14].contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let values = Array(digits)
        func number(_ start: Int, _ length: Int) -> Int { Int(String(values[start..<start + length]))! }
        var components = DateComponents()
        components.year = number(0, 4)
        components.month = number(4, 2)
        components.day = number(6, 2)
        components.hour = digits.count >= 12 ? number(8, 2) : 0
        components.minute = digits.count >= 12 ? number(10, 2) : 0
        components.second = digits.count == 14 ? number(12, 2) : 0
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        guard let date = calendar.date(from: components) else { return nil }
        // Reject what the calendar would roll over (month 13, February 30, 24:00).
        let back = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        guard back.year == components.year, back.month == components.month, back.day == components.day,
            back.hour == components.hour, back.minute == components.minute, back.second == components.second
        else { return nil }
        return date
    }
}
