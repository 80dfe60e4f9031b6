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
