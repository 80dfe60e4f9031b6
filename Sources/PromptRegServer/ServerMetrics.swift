import Hummingbird
import Prometheus

/// The server's Prometheus metrics: requests by route and status, request latency by route, the
/// state sequence and, as a relay, the seconds since the last successful pull.
final class ServerMetrics: Sendable {
    private struct RouteStatus: Hashable {
        let route: String
        let status: Int
    }

    private let registry = PrometheusCollectorRegistry()
    private let counters = Locked<[RouteStatus: Counter]>([:])
    private let histograms = Locked<[String: DurationHistogram]>([:])
    private let stateSeq: Gauge
    private let sinceSync: Gauge?
    private let watcher: StateWatcher
    private let relay: Relay?

    private static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(10),
        .seconds(60),
    ]

    /// Metrics of a server following `watcher`'s state, relaying through `relay` when there is one.
    init(watcher: StateWatcher, relay: Relay?) {
        self.watcher = watcher
        self.relay = relay
        let registry = registry
        stateSeq = registry.makeGauge(
            descriptor: .init(namespace: "promptreg", metricName: "state", unitName: "seq", helpText: "Sequence number of the state served."))
        sinceSync = relay.map { _ in
            registry.makeGauge(
                descriptor: .init(
                    namespace: "promptreg", subsystem: "relay", metricName: "since_last_sync", unitName: "seconds",
                    helpText: "Seconds since the last successful pull from the followed remote (+Inf before the first)."))
        }
    }

    /// Counts one answered request to `route` and its latency.
    func record(route: String, status: HTTPResponse.Status, duration: Duration) {
        let key = RouteStatus(route: route, status: status.code)
        let counter = counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = registry.makeCounter(
                descriptor: .init(namespace: "promptreg", subsystem: "http", metricName: "requests", unitName: "total", helpText: "HTTP requests answered."),
                labels: [("route", route), ("status", String(status.code))])
            counters[key] = counter
            return counter
        }
        counter.increment()
        let histogram = histograms.withLock { histograms in
            if let histogram = histograms[route] { return histogram }
            let histogram = registry.makeDurationHistogram(
                descriptor: .init(
                    namespace: "promptreg", subsystem: "http", metricName: "request_duration", unitName: "seconds",
                    helpText: "Time to the response head, by route."),
                labels: [("route", route)], buckets: Self.latencyBuckets)
            histograms[route] = histogram
            return histogram
        }
        histogram.record(duration)
    }

    /// Every metric in the Prometheus text format, the gauges read now.
    func exposition() -> ByteBuffer {
        stateSeq.set(Double(watcher.head.seq))
        if let sinceSync, let relay { sinceSync.set(relay.secondsSinceSync ?? .infinity) }
        return ByteBuffer(bytes: registry.emitToBuffer())
    }
}

/// Records every request in `ServerMetrics`, by the route that answered it (`unmatched` for none).
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        metrics.record(route: context.endpointPath ?? "unmatched", status: response.status, duration: .now - start)
        return response
    }
}
