import Hummingbird
import Logging
import NIOCore
import PromptRegistry
import ServiceLifecycle

/// `promptreg serve`: the HTTP read API over one registry, and with `follow` set a relay of a
/// remote. Runs until SIGINT or SIGTERM, then ends watch streams and long-polls and stops.
public enum RegistryServer {
    /// Serves `settings.registryPath` until a shutdown signal; calls `onListening` with where it
    /// listens once the server accepts connections.
    public static func run(_ settings: ServerSettings, onListening: @escaping @Sendable (Listening) -> Void) async throws {
        let registry = try Registry.open(at: settings.registryPath, trusting: settings.trust)
        let watcher = try StateWatcher(registry: registry, pollInterval: settings.pollInterval, keepAliveInterval: settings.keepAliveInterval)
        let relay = try settings.follow.map { remote in
            try Relay(
                registryPath: settings.registryPath, trust: settings.trust, remote: remote,
                schedule: PullSchedule(interval: settings.pullInterval, maxBackoff: settings.maxBackoff), watcher: watcher)
        }
        let metrics = ServerMetrics(watcher: watcher, relay: relay)
        let cache = ResponseCache(registry: registry, watcher: watcher)
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(MetricsMiddleware(metrics: metrics))
        router.middlewares.add(ProblemMiddleware())
        Routes(cache: cache, resolver: ResolveAnswers(cache: cache), watcher: watcher, relay: relay, metrics: metrics, maxWait: settings.maxWait)
            .register(on: router)

        var logger = Logger(label: "promptreg-server")
        logger.logLevel = .error
        let app = Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .seconds(120))),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil, backlog: 1024),
            onServerRunning: { channel in
                onListening(Listening(host: settings.host, port: channel.localAddress?.port ?? settings.port, registry: settings.registryPath))
            },
            logger: logger)
        // Shut down in reverse order: the watcher first (ending watch streams and long-polls, which
        // would otherwise hold the server's graceful shutdown open), then the relay, then the server.
        let services: [any Service] = [app] + (relay.map { [$0] } ?? []) + [watcher]
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Where a running server listens: what `serve` prints once it accepts connections.
public struct Listening: Encodable, Sendable {
    /// The base URL, e.g. `http://127.0.0.1:8080`.
    public let url: String
    /// The bound port (the one picked when asked for port 0).
    public let port: Int
    /// The registry served.
    public let registry: String

    init(host: String, port: Int, registry: String) {
        url = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        self.port = port
        self.registry = registry
    }
}
