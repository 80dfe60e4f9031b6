/// A value that JSON holds as its text form (`description`) and reads back through `init?(text:)`:
/// digests, semantic versions, version bumps.
public protocol TextCodable: Codable, CustomStringConvertible {
    /// Parses the text form; nil when `text` is not one.
    init?(text: String)
    /// What the text form looks like, for decoding errors (e.g. `a sha256:<hex> digest`).
    static var textForm: String { get }
}

extension TextCodable {
    /// Decodes the text form; anything else is a decoding error that says what was expected.
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(text: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "'\(text.prefix(80))' is not \(Self.textForm)"))
        }
        self = value
    }

    /// Encodes the text form.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
