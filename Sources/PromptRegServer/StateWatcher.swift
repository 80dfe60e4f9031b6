import PromptRegistry
import ServiceLifecycle

/// Watches the registry's state head and tells every subscriber when it moves: the one background
/// poll (a ref read every `pollInterval`) behind long-polls and watch streams. Anyone who notices a
/// newer head first (a handler, the relay) reports it through `refresh()`, so waiters wake at once.
final class StateWatcher: Service, Sendable {
    /// What a subscriber receives.
    enum Event: Sendable, Equatable {
        /// The state is at this head now.
        case state(StateHead)
        /// Nothing moved for a while; a stream should show it is alive.
        case keepAlive
    }

    private struct Subscribers {
        var head: StateHead
        var next = 0
        var streams: [Int: AsyncStream<Event>.Continuation] = [:]
        var closed = false
    }

    private let registry: Registry
    private let pollInterval: Duration
    private let keepAliveInterval: Duration
    private let subscribers: Locked<Subscribers>

    /// A watcher of `registry`, starting at its current head.
    init(registry: Registry, pollInterval: Duration, keepAliveInterval: Duration) throws {
        self.registry = registry
        self.pollInterval = pollInterval
        self.keepAliveInterval = keepAliveInterval
        subscribers = Locked(Subscribers(head: try registry.stateHead()))
    }

    /// The newest head seen.
    var head: StateHead { subscribers.withLock { $0.head } }

    /// Reads the head now and, when it moved, tells every subscriber. Returns the head read (the
    /// last one seen when the read fails).
    @discardableResult
    func refresh() -> StateHead {
        guard let now = try? registry.stateHead() else { return head }
        publish(now)
        return now
    }

    /// A stream of events: the current head first, then every head the state moves to (a slow
    /// reader gets the newest), and keep-alives. It ends when the server shuts down.
    func subscribe() -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(8))
        let id = subscribers.withLock { subscribers in
            defer { subscribers.next += 1 }
            return subscribers.next
        }
        continuation.onTermination = { [weak self] _ in
            self?.subscribers.withLock { _ = $0.streams.removeValue(forKey: id) }
        }
        let open = subscribers.withLock { subscribers in
            guard !subscribers.closed else { return false }
            subscribers.streams[id] = continuation
            continuation.yield(.state(subscribers.head))
            return true
        }
        if !open { continuation.finish() }
        return stream
    }

    /// Waits until the state sequence passes `seq`, at most `timeout`; nil at the timeout or shutdown.
    func head(after seq: Int64, timeout: Duration) async -> StateHead? {
        let events = subscribe()
        return await withTaskGroup(of: StateHead?.self) { group in
            group.addTask {
                for await case .state(let head) in events where head.seq > seq { return head }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// Polls until the server shuts down, then ends every stream.
    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var sinceKeepAlive = Duration.zero
            while !Task.isCancelled {
                try await Task.sleep(for: self.pollInterval)
                self.refresh()
                sinceKeepAlive += self.pollInterval
                if sinceKeepAlive >= self.keepAliveInterval {
                    sinceKeepAlive = .zero
                    self.broadcast(.keepAlive)
                }
            }
        }
        let streams = subscribers.withLock { subscribers in
            subscribers.closed = true
            defer { subscribers.streams.removeAll() }
            return Array(subscribers.streams.values)
        }
        for stream in streams { stream.finish() }
    }

    /// Records `head` and tells subscribers, when it is newer than the one seen. Events are handed
    /// over under the lock (yielding never blocks), so every stream sees heads in order.
    private func publish(_ head: StateHead) {
        subscribers.withLock { subscribers in
            guard head != subscribers.head, head.seq >= subscribers.head.seq else { return }
            subscribers.head = head
            Self.yield(.state(head), to: &subscribers)
        }
    }

    private func broadcast(_ event: Event) {
        subscribers.withLock { Self.yield(event, to: &$0) }
    }

    /// Yields `event` to every stream, dropping those whose reader has gone.
    private static func yield(_ event: Event, to subscribers: inout Subscribers) {
        for (id, stream) in subscribers.streams {
            if case .terminated = stream.yield(event) { subscribers.streams.removeValue(forKey: id) }
        }
    }
}
