import Foundation
import Hummingbird
import PromptRegistry

/// The endpoints of the HTTP API (`schemas/openapi.yaml`): reads answered from the response cache
/// at the newest state, the state long-poll and watch stream, health and metrics.
struct Routes: Sendable {
    let cache: ResponseCache
    let resolver: ResolveAnswers
    let watcher: StateWatcher
    let relay: Relay?
    let metrics: ServerMetrics
    let maxWait: Duration

    /// Adds every endpoint to `router`.
    func register(on router: Router<BasicRequestContext>) {
        router.get("/v1/bundles") { request, _ in
            cached(.bundles, request) { registry in .reading { try registry.list() } }
        }
        router.get("/v1/bundles/:name/versions") { request, context in
            let name = try Parameters.bundle(context)
            return cached(.versions(name), request) { registry in .reading { try registry.versions(of: name) } }
        }
        router.get("/v1/bundles/:name/versions/:version") { request, context in
            let reference = try Parameters.version(context)
            return cached(.version(reference.name, reference.description), request) { registry in
                .reading { try registry.show(reference) }
            }
        }
        router.get("/v1/bundles/:name/digests/:digest") { request, context in
            let reference = try Parameters.digest(context)
            return cached(.digest(reference.name, reference.description), request) { registry in
                .reading { try registry.show(reference) }
            }
        }
        router.get("/v1/bundles/:name/resolve") { request, context in
            let name = try Parameters.bundle(context)
            let channel = try Parameters.channel(request, "channel") ?? stableChannel
            let (reply, head) = resolver.reply(name, channel: channel, subject: request.uri.queryParameters["subject"].map(String.init))
            return reply.response(at: head, for: request)
        }
        router.get("/v1/status") { request, _ in
            cached(.status, request) { registry in .reading { try registry.status() } }
        }
        router.get("/v1/log") { request, _ in
            let limit = try Parameters.integer(request, "n", in: 1...1000) ?? 20
            let bundle = try Parameters.bundle(request, "bundle")
            let channel = try Parameters.channel(request, "channel")
            return cached(.log(limit: limit, bundle: bundle, channel: channel), request) { registry in
                .reading { try registry.log(bundle: bundle, channel: channel, limit: limit) }
            }
        }
        router.get("/v1/state") { request, _ in try await state(request) }
        router.get("/v1/watch") { request, _ in WatchStream(watcher: watcher).response(for: request) }
        router.get("/healthz") { request, _ in
            let progress = relay?.progress
            let health = ServerHealth(
                state: watcher.head, following: relay?.remote, secondsSinceSync: relay?.secondsSinceSync,
                lastSyncError: progress?.lastError?.message)
            return Reply.json(health).response(at: nil, for: request)
        }
        router.get("/metrics") { request, _ in
            Reply(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics.exposition())
                .response(at: nil, for: request)
        }
    }

    /// The reply for `key` at the newest state, from the cache or read now.
    private func cached(_ key: ResponseCache.Key, _ request: Request, _ read: (Registry) -> Reply) -> Response {
        let (reply, head) = cache.value(key, read)
        return reply.response(at: head, for: request)
    }

    /// `/v1/state`: the head now; with `after`, as soon as the sequence passes it (304 at the timeout).
    private func state(_ request: Request) async throws -> Response {
        let head = watcher.refresh()
        guard let after = try Parameters.integer(request, "after", in: 0...Int.max) else {
            return Reply.json(head).response(at: head, for: request)
        }
        let seconds = try Parameters.number(request, "wait", in: 0...Double(maxWait.components.seconds)) ?? 30
        if let moved = await watcher.head(after: Int64(after), timeout: .milliseconds(Int64(seconds * 1000))) {
            return Reply.json(moved).response(at: moved, for: request)
        }
        let now = watcher.head
        return Response(status: .notModified, headers: [.eTag: "\"\(now.commit)\"", .cacheControl: "no-cache"])
    }
}
