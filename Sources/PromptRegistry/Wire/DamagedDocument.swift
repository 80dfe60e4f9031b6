/// A stored document a read could not use (it does not decode, is too large, or holds a value out
/// of range). Reads that list many documents report these and carry on with the rest.
public struct DamagedDocument: Sendable, Codable, Equatable {
    /// Where it is, e.g. `state 1a2b3c4d5e6f:channels/prod/pointers/a/b/support-agent`.
    public let location: String
    /// What is wrong with it.
    public let message: String
}

/// The answer of a read over many documents: what could be read, and what was damaged.
public struct PartialResult<Item: Sendable & Encodable>: Sendable, Encodable {
    /// What could be read.
    public let items: [Item]
    /// What could not; empty when the registry is sound.
    public let damaged: [DamagedDocument]

    /// True when nothing was damaged.
    public var complete: Bool { damaged.isEmpty }
}

/// Collects integrity failures of single documents so a read can carry on past them.
struct DamageCollector {
    private(set) var damaged: [DamagedDocument] = []

    /// The result of `body`, or nil after recording its integrity failure. Other failures propagate.
    mutating func attempt<T>(_ body: () throws -> T?) throws -> T? {
        do {
            return try body()
        } catch let error as PromptRegError where error.code == .integrity {
            let location = error.subject.file ?? "state"
            damaged.append(DamagedDocument(location: location, message: error.message))
            return nil
        }
    }

    /// The items with the damage collected so far.
    func result<Item>(_ items: [Item]) -> PartialResult<Item> { PartialResult(items: items, damaged: damaged) }
}
