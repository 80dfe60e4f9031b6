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

    /// Every difference found.
    public let changes: [Change]
    /// Unified diffs of template text, per message that changed (`messages[0] (system)` ...).
    public let templateDiffs: [(message: String, diff: String)]

    /// The smallest bump that covers every change.
    public var requiredBump: VersionBump { changes.map(\.bump).max() ?? .none }

    /// The layers that changed.
    public var changedLayers: [LayerKind] { Array(Set(changes.compactMap(\.layer))).sorted() }

    /// Compares `old` to `new`.
    public init(from old: BundleContent, to new: BundleContent) {
        var changes: [Change] = []
        func add(_ layer: LayerKind?, _ field: String, _ kind: String, _ before: String?, _ after: String?, _ bump: VersionBump) {
            changes.append(Change(layer: layer, field: field, kind: kind, before: before, after: after, bump: bump))
        }
        if old.description != new.description {
            add(nil, "description", "changed", old.description, new.description, .patch)
        }
        // Model: any change is breaking.
        if old.model.provider != new.model.provider {
            add(.model, "model.provider", "changed", old.model.provider, new.model.provider, .major)
        }
        if old.model.id != new.model.id { add(.model, "model.id", "changed", old.model.id, new.model.id, .major) }

        // Prompt variables.
        let oldVariables = Dictionary(old.prompt.variables.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let newVariables = Dictionary(new.prompt.variables.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for name in Set(oldVariables.keys).union(newVariables.keys).sorted() {
            let field = "variables.\(name)"
            switch (oldVariables[name], newVariables[name]) {
            case (let before?, nil):
                add(.prompt, field, "removed", before.type.rawValue, nil, .major)
            case (nil, let after?):
                add(
                    .prompt, field, after.required ? "added (required)" : "added (optional)", nil, after.type.rawValue,
                    after.required ? .major : .minor)
            case (let before?, let after?):
                if before.type != after.type {
                    add(.prompt, field + ".type", "changed", before.type.rawValue, after.type.rawValue, .major)
                }
                if before.required != after.required {
                    add(
                        .prompt, field + ".required", "changed", "\(before.required)", "\(after.required)",
                        after.required ? .major : .minor)
                }
                if before.description != after.description {
                    add(.prompt, field + ".description", "changed", before.description, after.description, .patch)
                }
            case (nil, nil): break
            }
        }
        if old.prompt.variables.map(\.name) != new.prompt.variables.map(\.name),
            Set(oldVariables.keys) == Set(newVariables.keys)
        {
            add(.prompt, "variables", "reordered", nil, nil, .patch)
        }
        // Prompt messages: wording.
        var templateDiffs: [(String, String)] = []
        for index in 0..<max(old.prompt.messages.count, new.prompt.messages.count) {
            let before = index < old.prompt.messages.count ? old.prompt.messages[index] : nil
            let after = index < new.prompt.messages.count ? new.prompt.messages[index] : nil
            guard before != after else { continue }
            let label = "messages[\(index)] (\((after ?? before)!.role))"
            switch (before, after) {
            case (nil, _): add(.prompt, label, "added", nil, after?.role, .patch)
            case (_, nil): add(.prompt, label, "removed", before?.role, nil, .patch)
            default:
                if before!.role != after!.role {
                    add(.prompt, label + ".role", "changed", before!.role, after!.role, .patch)
                }
                if before!.template != after!.template { add(.prompt, label + ".template", "changed", nil, nil, .patch) }
            }
            let diff = UnifiedDiff.render(
                old: before?.template ?? "", new: after?.template ?? "",
                oldName: "a/\(label)", newName: "b/\(label)")
            if !diff.isEmpty { templateDiffs.append((label, diff)) }
        }
        // Parameters: key by key; any change needs at least minor.
        let oldParameters = CanonicalJSON.value(of: old.parameters).flattened(prefix: "parameters")
        let newParameters = CanonicalJSON.value(of: new.parameters).flattened(prefix: "parameters")
        for key in Set(oldParameters.keys).union(newParameters.keys).sorted() where oldParameters[key] != newParameters[key] {
            let kind = oldParameters[key] == nil ? "added" : newParameters[key] == nil ? "removed" : "changed"
            add(.parameters, key, kind, oldParameters[key]?.canonicalString, newParameters[key]?.canonicalString, .minor)
        }
        // Tools.
        let oldTools = Dictionary(old.tools.tools.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let newTools = Dictionary(new.tools.tools.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for name in Set(oldTools.keys).union(newTools.keys).sorted() {
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
        if old.tools.tools.map(\.name) != new.tools.tools.map(\.name), Set(oldTools.keys) == Set(newTools.keys) {
            add(.tools, "tools", "reordered", nil, nil, .patch)
        }
        // Output schema.
        if old.output != new.output {
            let kind = old.output == nil ? "added" : new.output == nil ? "removed" : "changed"
            add(.output, "output.schema", kind, old.output?.schema.canonicalString, new.output?.schema.canonicalString, .major)
        }
        self.changes = changes
        self.templateDiffs = templateDiffs
    }
}

extension JSONValue {
    /// Leaf values by dotted key path (`parameters.limits.max_steps`); arrays are leaves.
    public func flattened(prefix: String = "") -> [String: JSONValue] {
        guard case .object(let members) = self else { return [prefix: self] }
        var out: [String: JSONValue] = [:]
        for (key, value) in members {
            out.merge(value.flattened(prefix: prefix.isEmpty ? key : "\(prefix).\(key)")) { a, _ in a }
        }
        return out
    }
}

/// Line-based unified diffs (the format of `diff -u`), built on the standard library's
/// `CollectionDifference`.
enum UnifiedDiff {
    /// The unified diff of `old` and `new` with three lines of context; empty when they are equal.
    static func render(old: String, new: String, oldName: String, newName: String, context: Int = 3) -> String {
        let a = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let b = new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard a != b else { return "" }
        // Walk both sides and tag each line: ' ' kept, '-' removed, '+' inserted.
        let difference = b.difference(from: a)
        var removed = Set<Int>()
        var inserted = Set<Int>()
        for change in difference {
            switch change {
            case .remove(let offset, _, _): removed.insert(offset)
            case .insert(let offset, _, _): inserted.insert(offset)
            }
        }
        var lines: [(tag: Character, text: String, oldLine: Int, newLine: Int)] = []
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            if i < a.count, removed.contains(i) {
                lines.append(("-", a[i], i, j))
                i += 1
            } else if j < b.count, inserted.contains(j) {
                lines.append(("+", b[j], i, j))
                j += 1
            } else {
                lines.append((" ", a[i], i, j))
                i += 1
                j += 1
            }
        }
        // Group changed lines with their context into hunks.
        var out = ["--- \(oldName)", "+++ \(newName)"]
        let changed = lines.indices.filter { lines[$0].tag != " " }
        var start = 0
        while start < changed.count {
            var end = start
            while end + 1 < changed.count, changed[end + 1] - changed[end] <= 2 * context + 1 { end += 1 }
            let low = max(0, changed[start] - context)
            let high = min(lines.count - 1, changed[end] + context)
            let hunk = lines[low...high]
            let oldCount = hunk.filter { $0.tag != "+" }.count
            let newCount = hunk.filter { $0.tag != "-" }.count
            let oldStart = oldCount == 0 ? hunk.first!.oldLine : hunk.first!.oldLine + 1
            let newStart = newCount == 0 ? hunk.first!.newLine : hunk.first!.newLine + 1
            out.append("@@ -\(oldStart),\(oldCount) +\(newStart),\(newCount) @@")
            out += hunk.map { "\($0.tag)\($0.text)" }
            start = end + 1
        }
        return out.joined(separator: "\n")
    }
}
