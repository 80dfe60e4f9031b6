import Crypto

/// A SHA-256 content digest, written `sha256:<64 lowercase hex digits>`.
public struct Digest: Hashable, Sendable, Comparable, TextCodable {
    /// The 64 lowercase hexadecimal digits.
    public let hex: String

    /// The digest of `bytes`.
    public init(of bytes: some Sequence<UInt8>) {
        hex = Hex.string(SHA256.hash(data: Array(bytes)))
    }

    /// Parses `sha256:<hex>`; nil when `text` is not exactly that form.
    public init?(parsing text: String) {
        guard text.hasPrefix("sha256:") else { return nil }
        let hex = text.dropFirst("sha256:".count)
        guard hex.utf8.count == 64, hex.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
        else { return nil }
        self.hex = String(hex)
    }

    /// `sha256:<hex>`.
    public var description: String { "sha256:\(hex)" }

    /// The first 12 hex digits, for tables.
    public var short: String { String(hex.prefix(12)) }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.hex < rhs.hex }

    public init?(text: String) { self.init(parsing: text) }

    public static let textForm = "a sha256:<64 lowercase hex digits> digest"
}
