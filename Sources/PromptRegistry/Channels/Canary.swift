import Crypto

/// Sticky, monotone assignment of subjects to the canary.
///
/// bucket(name, subject) = first 8 bytes of SHA-256("promptreg/canary/v1\n" + name + "\n" + subject),
/// read as a big-endian unsigned 64-bit integer, shifted right by 11 bits (keeping 53 bits), divided
/// by 2^53 and multiplied by 100: a number in [0, 100). A subject gets the canary when
/// bucket < traffic. The same subject always has the same bucket (sticky), and raising the traffic
/// only adds subjects (monotone).
public enum Canary {
    /// The bucket of `subject` for bundle `name`, in [0, 100).
    public static func bucket(bundle name: String, subject: String) -> Double {
        let digest = SHA256.hash(data: Array("promptreg/canary/v1\n\(name)\n\(subject)".utf8))
        let value = digest.prefix(8).reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
        return Double(value >> 11) / 9_007_199_254_740_992.0 * 100
    }

    /// True when `subject` gets the canary of bundle `name` at `traffic` percent.
    public static func includes(bundle name: String, subject: String, traffic: Double) -> Bool {
        bucket(bundle: name, subject: subject) < traffic
    }
}
