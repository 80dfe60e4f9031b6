import PromptRegistry

/// Answers computed at one state commit, kept until the state moves: the state commit names the
/// whole state, so a read answered at a commit is the answer for as long as the state stays there.
/// Every read goes through `value(_:_:)`, which also tells which state an answer belongs to.
final class ResponseCache: Sendable {
    /// What a cached answer answers.
    enum Key: Hashable, Sendable {
        case bundles
        case versions(String)
        case version(String, String)
        case digest(String, String)
        case resolve(String, channel: String)
        case canaryTraffic
        case status
        case log(limit: Int, bundle: String?, channel: String?)
    }

    private struct Generation {
        var head: StateHead
        var values: [Key: any Sendable] = [:]
    }

    private let registry: Registry
    private let watcher: StateWatcher
    private let generation: Locked<Generation>
    /// Answers kept per state at most: distinct keys come from clients, so they are bounded.
    private let limit: Int

    /// A cache of reads of `registry`, whose state `watcher` follows.
    init(registry: Registry, watcher: StateWatcher, limit: Int = 4096) {
        self.registry = registry
        self.watcher = watcher
        self.limit = limit
        generation = Locked(Generation(head: watcher.head))
    }

    /// The answer for `key` at the newest state with the head it was read at: from the cache, or
    /// read now by `read` (and kept, unless `key` is nil). A read counts only when the state did not
    /// move while it ran; when it kept moving, the answer comes without a head (and is not kept).
    func value<T: Sendable>(_ key: Key?, _ read: (Registry) -> T) -> (value: T, head: StateHead?) {
        let head = watcher.head
        if let key, let stored = generation.withLock({ $0.head == head ? $0.values[key] : nil }), let hit = stored as? T {
            return (hit, head)
        }
        var answer: T
        var attempts = 0
        repeat {
            let before = watcher.refresh()
            answer = read(registry)
            let after = watcher.refresh()
            if before == after {
                if let key { store(answer, for: key, at: after) }
                return (answer, after)
            }
            attempts += 1
        } while attempts < 3
        return (answer, nil)
    }

    /// Keeps `value` for `key` at `head`, starting a new generation when `head` is newer.
    private func store(_ value: some Sendable, for key: Key, at head: StateHead) {
        generation.withLock { generation in
            if generation.head != head {
                guard head.seq >= generation.head.seq else { return }
                generation = Generation(head: head)
            }
            if generation.values.count < limit { generation.values[key] = value }
        }
    }
}
