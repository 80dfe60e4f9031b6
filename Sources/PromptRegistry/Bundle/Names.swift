/// Checks for the names users give to bundles and channels. Both end up in git reference names
/// and tree paths, so they are checked before any file or reference is touched.
public enum Names {
    /// The rule for bundle names, as shown in errors.
    public static let bundleRule = "^[a-z0-9][a-z0-9._-]{0,62}$, without '..' and not ending in '.lock'"
    /// The rule for channel names, as shown in errors.
    public static let channelRule = "^[a-z][a-z0-9-]{0,31}$"

    /// Throws unless `name` is a valid bundle name.
    public static func checkBundle(_ name: String, file: String = "bundle name", field: String? = nil) throws {
        let bytes = Array(name.utf8)
        let valid =
            (1...63).contains(bytes.count)
            && isLowerAlnum(bytes[0])
            && bytes.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
            && !name.contains("..") && !name.hasSuffix(".lock")
        guard valid else {
            throw PromptRegError.invalid(
                file: file, field: field, "'\(printable(name))' is not a valid bundle name",
                fix: "use lowercase letters, digits, '.', '_' and '-' (\(bundleRule))")
        }
    }

    /// Throws unless `name` is a valid channel name.
    public static func checkChannel(_ name: String) throws {
        let bytes = Array(name.utf8)
        let valid =
            (1...32).contains(bytes.count) && (97...122).contains(bytes[0])
            && bytes.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
        guard valid else {
            throw PromptRegError(
                .invalidInput, "'\(printable(name))' is not a valid channel name",
                fix: "channel names match \(channelRule), e.g. prod, canary, staging-eu")
        }
    }

    /// Throws unless `name` is a valid remote name (letters, digits, '.', '_', '-'; 1 to 64).
    public static func checkRemote(_ name: String) throws {
        guard name.wholeMatch(of: /[A-Za-z0-9][A-Za-z0-9._-]{0,63}/) != nil, !name.contains(".."), !name.hasSuffix(".lock") else {
            throw PromptRegError(
                .invalidInput, "'\(printable(name))' is not a valid remote name", fix: "use letters, digits, '.', '_' and '-', e.g. origin")
        }
    }

    /// `text` with control and non-ASCII characters escaped, safe to print in an error.
    public static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(200) {
            if scalar.value < 0x20 || scalar.value == 0x7f || scalar.value > 0x7e {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func isLowerAlnum(_ byte: UInt8) -> Bool { (97...122).contains(byte) || (48...57).contains(byte) }
}
