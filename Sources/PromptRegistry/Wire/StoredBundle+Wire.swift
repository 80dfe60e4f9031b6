extension StoredBundle: Encodable {
    enum CodingKeys: String, CodingKey {
        case actor, time, message, description, model, parameters, tools, output
        case prompt
        case allowFloatingModel = "allow_floating_model"
        case allowSecrets = "allow_secrets"
    }

    /// Everything a reader needs: identity, digests, who/when/why, and every layer.
    public func encode(to encoder: Encoder) throws {
        try VersionIdentity(name: name, version: version, digest: digest, layerDigests: layerDigests).encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(publish.actor, forKey: .actor)
        try container.encode(publish.time, forKey: .time)
        try container.encode(publish.message, forKey: .message)
        try container.encode(content.description, forKey: .description)
        try container.encode(publish.allowFloatingModel, forKey: .allowFloatingModel)
        try container.encode(publish.allowSecrets, forKey: .allowSecrets)
        try container.encode(content.prompt, forKey: .prompt)
        try container.encode(content.model, forKey: .model)
        try container.encode(content.parameters, forKey: .parameters)
        try container.encode(content.tools.tools, forKey: .tools)
        try container.encodeIfPresent(content.output?.schema, forKey: .output)
    }
}
