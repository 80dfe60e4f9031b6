/// What changed between two bundles, layer by layer, and the semver bump that change requires.
public struct BundleComparison: Sendable {
    /// One difference, with the bump it requires on its own.
    public struct Change: Sendable, Equatable, Codable {
        /// The layer it is in (nil for the bundle description).
        public let layer: LayerKind?
        /// A key path or item, e.g. `parameters.temperature`, `tools.lookup_order`.
        public let field: String
        /// What happened, e.g. `added`, `removed`, `changed`.
        public let kind: String
        /// The old value, compactly, where it is short.
        public let before: String?
        /// The new value, compactly, where it is short.
        public let after: String?
        /// What this change alone requires.
        public let bump: VersionBump
    }

    /// The unified diff of one prompt message's template text.
    public struct TemplateDiff: Sendable, Equatable, Codable {
        /// Which message, e.g. `messages[0] (system)`.
        public let message: String
        /// The diff, in `diff -u` format.
        public let diff: String
    }

    /// Every difference found.
    public let changes: [Change]
    /// Unified diffs of template text, per message that changed.
    public let templateDiffs: [TemplateDiff]

    /// The smallest bump that covers every change.
    public var requiredBump: VersionBump { changes.map(\.bump).max() ?? .none }

    /// The layers that changed.
    public var changedLayers: [LayerKind] { Array(Set(changes.compactMap(\.layer))).sorted() }

    /// Compares `old` to `new`.
    public init(from old: BundleContent, to new: BundleContent) {
        var collector = ChangeCollector()
        if old.description != new.description {
            collector.add(nil, "description", "changed", old.description, new.description, .patch)
        }
        collector.compareModel(old.model, new.model)
        collector.compareVariables(old.prompt.variables, new.prompt.variables)
        collector.compareMessages(old.prompt.messages, new.prompt.messages)
        collector.compareParameters(old.parameters, new.parameters)
        collector.compareTools(old.tools.tools, new.tools.tools)
        collector.compareOutput(old.output, new.output)
        changes = collector.changes
        templateDiffs = collector.templateDiffs
    }
}

/// Gathers the changes of one comparison, one layer at a time, with the semver rule of each.
private struct ChangeCollector {
    var changes: [BundleComparison.Change] = []
    var templateDiffs: [BundleComparison.TemplateDiff] = []

    mutating func add(_ layer: LayerKind?, _ field: String, _ kind: String, _ before: String?, _ after: String?, _ bump: VersionBump) {
        changes.append(.init(layer: layer, field: field, kind: kind, before: before, after: after, bump: bump))
    }

    /// Any model change is breaking.
    mutating func compareModel(_ old: ModelLayer, _ new: ModelLayer) {
        if old.provider != new.provider { add(.model, "model.provider", "changed", old.provider, new.provider, .major) }
        if old.id != new.id { add(.model, "model.id", "changed", old.id, new.id, .major) }
    }

    /// Removing a variable, adding a required one, or changing a type is breaking; an optional one is a feature.
    mutating func compareVariables(_ old: [VariableSpec], _ new: [VariableSpec]) {
        let (oldVariables, newVariables, names) = Self.byName(old, new, \.name)
        for name in names {
            let field = "variables.\(name)"
            switch (oldVariables[name], newVariables[name]) {
            case (let before?, nil):
                add(.prompt, field, "removed", before.type.rawValue, nil, .major)
            case (nil, let after?):
                add(
                    .prompt, field, after.required ? "added (required)" : "added (optional)", nil, after.type.rawValue,
                    after.required ? .major : .minor)
            case (let before?, let after?):
                compareVariable(field, before, after)
            case (nil, nil): break
            }
        }
        if old.map(\.name) != new.map(\.name), Set(oldVariables.keys) == Set(newVariables.keys) {
            add(.prompt, "variables", "reordered", nil, nil, .patch)
        }
    }

    private mutating func compareVariable(_ field: String, _ before: VariableSpec, _ after: VariableSpec) {
        if before.type != after.type {
            add(.prompt, field + ".type", "changed", before.type.rawValue, after.type.rawValue, .major)
        }
        if before.required != after.required {
            add(.prompt, field + ".required", "changed", "\(before.required)", "\(after.required)", after.required ? .major : .minor)
        }
        if before.description != after.description {
            add(.prompt, field + ".description", "changed", before.description, after.description, .patch)
        }
    }

    /// Message wording is a patch; each changed message gets a unified diff.
    mutating func compareMessages(_ old: [MessageTemplate], _ new: [MessageTemplate]) {
        for index in 0..<max(old.count, new.count) {
            let before = index < old.count ? old[index] : nil
            let after = index < new.count ? new[index] : nil
            guard before != after, let role = (after ?? before)?.role else { continue }
            let label = "messages[\(index)] (\(role))"
            switch (before, after) {
            case (nil, let after?): add(.prompt, label, "added", nil, after.role, .patch)
            case (let before?, nil): add(.prompt, label, "removed", before.role, nil, .patch)
            case (let before?, let after?):
                if before.role != after.role { add(.prompt, label + ".role", "changed", before.role, after.role, .patch) }
                if before.template != after.template { add(.prompt, label + ".template", "changed", nil, nil, .patch) }
            case (nil, nil): break
            }
            let diff = UnifiedDiff.render(
                old: before?.template ?? "", new: after?.template ?? "", oldName: "a/\(label)", newName: "b/\(label)")
            if !diff.isEmpty { templateDiffs.append(.init(message: label, diff: diff)) }
        }
    }

    /// Parameters key by key; any change needs at least a minor bump.
    mutating func compareParameters(_ old: ParametersLayer, _ new: ParametersLayer) {
        let oldParameters = CanonicalJSON.value(of: old).flattened(prefix: "parameters")
        let newParameters = CanonicalJSON.value(of: new).flattened(prefix: "parameters")
        for key in Set(oldParameters.keys).union(newParameters.keys).sorted() where oldParameters[key] != newParameters[key] {
            let kind = oldParameters[key] == nil ? "added" : newParameters[key] == nil ? "removed" : "changed"
            add(.parameters, key, kind, oldParameters[key]?.canonicalString, newParameters[key]?.canonicalString, .minor)
        }
    }

    /// A tool removed or its input schema changed is breaking; a tool added is a feature.
    mutating func compareTools(_ old: [ToolDefinition], _ new: [ToolDefinition]) {
        let (oldTools, newTools, names) = Self.byName(old, new, \.name)
        for name in names {
            let field = "tools.\(name)"
            switch (oldTools[name], newTools[name]) {
            case (_?, nil): add(.tools, field, "removed", nil, nil, .major)
            case (nil, _?): add(.tools, field, "added", nil, nil, .minor)
            case (let before?, let after?):
                if before.inputSchema != after.inputSchema {
                    add(
                        .tools, field + ".input_schema", "changed", before.inputSchema.canonicalString,
                        after.inputSchema.canonicalString, .major)
                }
                if before.description != after.description {
                    add(.tools, field + ".description", "changed", before.description, after.description, .patch)
                }
            case (nil, nil): break
            }
        }
        if old.map(\.name) != new.map(\.name), Set(oldTools.keys) == Set(newTools.keys) {
            add(.tools, "tools", "reordered", nil, nil, .patch)
        }
    }

    /// Both lists keyed by name (the first of duplicate names wins), and every name of either, sorted.
    private static func byName<T>(_ old: [T], _ new: [T], _ name: (T) -> String) -> ([String: T], [String: T], [String]) {
        let oldByName = Dictionary(old.map { (name($0), $0) }, uniquingKeysWith: { first, _ in first })
        let newByName = Dictionary(new.map { (name($0), $0) }, uniquingKeysWith: { first, _ in first })
        return (oldByName, newByName, Set(oldByName.keys).union(newByName.keys).sorted())
    }

    /// Any change of the output schema is breaking.
    mutating func compareOutput(_ old: OutputLayer?, _ new: OutputLayer?) {
        guard old != new else { return }
        let kind = old == nil ? "added" : new == nil ? "removed" : "changed"
        add(.output, "output.schema", kind, old?.schema.canonicalString, new?.schema.canonicalString, .major)
    }
}
