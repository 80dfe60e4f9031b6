/// A declared channel, stored in the state. Promoting to a channel that is not declared is
/// refused, so a typo cannot create a channel nobody reads.
public struct ChannelDeclaration: Codable, Sendable, Equatable {
    /// Format tag.
    public var format = "promptreg.channel/v1"
    /// The channel name.
    public var name: String
    /// What the channel is for.
    public var description: String

    /// A declaration of `name`.
    public init(name: String, description: String) {
        self.name = name
        self.description = description
    }

    /// The channels a new registry declares.
    public static let defaults = [
        ChannelDeclaration(name: "canary", description: "a small, sticky share of the traffic that asks for prod"),
        ChannelDeclaration(name: "prod", description: "what production runs"),
    ]
}

extension ChannelDeclaration: StoredDocument {}
