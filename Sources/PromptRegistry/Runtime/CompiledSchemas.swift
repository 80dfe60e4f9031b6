import Foundation

/// The compiled schemas of published bundles, kept per process so that checking a tool call costs
/// a walk over the arguments, not a compile. Keyed by layer digest and position: a layer's content
/// never changes under its digest, so an entry is never stale. Bounded: past `capacity` entries
/// the cache starts over.
final class CompiledSchemas: @unchecked Sendable {
    /// The one cache of the process.
    static let shared = CompiledSchemas(capacity: 1024)

    private struct Key: Hashable {
        let layer: Digest
        let index: Int
    }

    private let capacity: Int
    private let lock = NSLock()
    private var schemas: [Key: JSONSchema] = [:]

    private init(capacity: Int) {
        self.capacity = capacity
    }

    /// The schema at `index` of the layer with digest `layer`, compiled by `compile` the first time.
    func schema(layer: Digest, index: Int, compile: () throws -> JSONSchema) throws -> JSONSchema {
        let key = Key(layer: layer, index: index)
        if let cached = lock.withLock({ schemas[key] }) { return cached }
        let compiled = try compile()
        lock.withLock {
            if schemas.count >= capacity { schemas.removeAll(keepingCapacity: true) }
            schemas[key] = compiled
        }
        return compiled
    }
}
