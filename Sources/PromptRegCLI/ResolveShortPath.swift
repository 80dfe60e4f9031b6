import PromptRegistry

/// `promptreg resolve` without the argument parser, for the forms agents run at start-up:
/// `resolve REF [--json] [--registry PATH] [--channel C] [--subject S]`, each option at most once
/// and as two words. Parsing through swift-argument-parser reflects over every option of the
/// command (about a fifth of a resolve process); this reads the few words itself. Any other form
/// (`--help`, `--lock`, `--trust`, `--opt=value`, a repeated or empty value, an unknown word) is
/// left to the parser, so errors and help come from one place.
struct ResolveShortPath {
    let reference: String
    let registry: String?
    let channel: String?
    let subject: String?
    let json: Bool

    /// The short path's reading of `arguments` (normalised, subcommand first); nil when they
    /// are not one of its forms.
    init?(_ arguments: [String]) {
        guard arguments.first == "resolve" else { return nil }
        var reference: String?
        var values: [String: String] = [:]
        var json = false
        var index = 1
        while index < arguments.count {
            let word = arguments[index]
            switch word {
            case "--json":
                guard !json else { return nil }
                json = true
                index += 1
            case "--registry", "--channel", "--subject":
                guard index + 1 < arguments.count, values[word] == nil else { return nil }
                let value = arguments[index + 1]
                guard !value.isEmpty, !value.hasPrefix("-") else { return nil }
                values[word] = value
                index += 2
            default:
                guard reference == nil, !word.isEmpty, !word.hasPrefix("-") else { return nil }
                reference = word
                index += 1
            }
        }
        guard let reference else { return nil }
        // An exact reference with a channel or subject is a usage error: the parser says so.
        if reference.contains("@"), values["--channel"] != nil || values["--subject"] != nil { return nil }
        (self.reference, self.json) = (reference, json)
        (registry, channel, subject) = (values["--registry"], values["--channel"], values["--subject"])
    }

    /// Resolves and prints exactly as `ResolveCommand` does.
    func run() throws {
        var options = RegistryOptions()
        options.registry = registry
        let parsed = try BundleReference(parsing: reference)
        let request: ResolveRequest
        if case .latest(let name) = parsed {
            request = .channel(name, channel: channel ?? stableChannel, subject: subject)
        } else {
            request = .pinned(parsed)
        }
        let registry = try options.open()
        let view = try? registry.upstreamView()
        UpstreamNote.print(view)
        try ResolveCommand.print(try registry.resolve(request, trusting: nil), json: json, view: view)
    }
}
