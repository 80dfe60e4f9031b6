extension StateSnapshot {
    /// Throws unless `channel` is declared (or, in a registry made before declarations, holds
    /// pointers). The error suggests the closest declared name.
    func requireDeclared(_ channel: String) throws {
        let declared = try channels()
        guard !declared.contains(channel) else { return }
        let suggestion = Names.closest(to: channel, among: declared)
        throw PromptRegError(
            .notFound,
            "no channel named '\(channel)'\(suggestion.map { "; did you mean '\($0)'?" } ?? "") (declared: \(declared.joined(separator: ", ")))",
            fix: suggestion.map { "use '\($0)'; if '\(channel)' is meant to be a new channel, declare it first" } ?? "declare it first",
            remedy: suggestion == nil ? .createChannel(name: channel) : nil, subject: .init(channel: channel))
    }

    /// The declaration of `channel`: stored, or implied by its pointers in an older registry.
    func declaration(_ channel: String) throws -> ChannelDeclaration {
        try document(ChannelDeclaration.self, at: Layout.channelDeclarationFile(channel))
            ?? ChannelDeclaration(name: channel, description: "")
    }
}

/// A declared channel as `channel list` shows it.
public struct ChannelSummary: Sendable, Codable, Equatable {
    /// The channel name.
    public let name: String
    /// What it is for.
    public let description: String
    /// How many bundles it points at.
    public let bundles: Int
}

extension Registry {
    /// The declared channels, sorted, with how many bundles each points at.
    public func channels() throws -> [ChannelSummary] {
        try withStore { store in
            let snapshot = try StateSnapshot.current(store)
            return try snapshot.channels().map { name in
                ChannelSummary(
                    name: name, description: try snapshot.declaration(name).description,
                    bundles: try snapshot.pointerNames(name).count)
            }
        }
    }

    /// Declares `channel` in one audited state commit.
    @discardableResult
    public func createChannel(_ channel: String, description: String = "", message: String, actor: String) throws -> StateEvent {
        try Names.checkChannel(channel)
        return try updateState(actor: actor) { snapshot, _ in
            guard try !snapshot.channels().contains(channel) else {
                throw PromptRegError(
                    .conflict, "channel \(channel) already exists; nothing changed", subject: .init(channel: channel))
            }
            let declaration = ChannelDeclaration(name: channel, description: description)
            return StateUpdate(action: .channelCreate, message: message, channel: channel, document: JSONValue(encoding: declaration))
        }
    }

    /// Removes `channel` and every pointer and undo entry it has, in one audited state commit whose
    /// changes list each pointer removed.
    @discardableResult
    public func deleteChannel(_ channel: String, message: String, actor: String) throws -> StateEvent {
        try Names.checkChannel(channel)
        return try updateState(actor: actor) { snapshot, _ in
            try snapshot.requireDeclared(channel)
            let changes = try snapshot.pointers(channel).sorted { $0.key < $1.key }.map { name, pointer in
                StateChange(bundle: name, channel: channel, from: PointerTarget(pointer), to: nil)
            }
            return StateUpdate(action: .channelDelete, message: message, changes: changes, channel: channel)
        }
    }
}
