import Metrics
import Prometheus

/// Request counters and latency histograms for one demo process: recorded through swift-metrics,
/// exposed in the Prometheus text format by swift-prometheus. Each server has its own registry, so
/// several servers in one test process never mix their counts.
final class MetricsRegistry: Sendable {
    /// Upper bounds, from a fast in-memory answer up to a request that is clearly broken.
    static let buckets: [Duration] = [
        .microseconds(1000), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
    ]

    /// How long a captured pay-in takes to settle with the acquirer: tens of milliseconds to seconds.
    static let settlementBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
    ]

    let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory

    init(service: DemoService, version: String) {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["http_request_duration_seconds"] = Self.buckets
        factory.durationHistogramBuckets["payin_settlement_seconds"] = Self.settlementBuckets
        self.factory = factory
        // Which service and version answer here; always 1.
        Gauge(label: "demo_build_info", dimensions: [("service", service.rawValue), ("version", version)], factory: factory).record(1)
    }

    /// `route` is the route template (`/wallets/{id}`), never the raw path, to keep label cardinality bounded.
    func record(route: String, method: String, status: Int, seconds: Double) {
        Counter(label: "http_requests_total", dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory)
            .increment()
        Timer(label: "http_request_duration_seconds", dimensions: [("route", route)], factory: factory)
            .recordNanoseconds(Int64(seconds * 1e9))
    }

    /// Exposition format 0.0.4.
    func render() -> String { registry.emitToString() }
}
