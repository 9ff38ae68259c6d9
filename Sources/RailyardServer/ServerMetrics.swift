import Metrics
import Prometheus
import RailyardCore
import RailyardEngine

/// Railyard's own `/metrics`: the engine records through swift-metrics into this registry, which
/// swift-prometheus renders as text. One registry per server, never the process-wide default.
public struct ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    public let engineMetrics: EngineMetrics

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        // Steps wait on people and clocks: from a router change to an hour's bake.
        factory.durationHistogramBuckets[EngineMetrics.stepDuration] = [
            .milliseconds(10), .milliseconds(100), .seconds(1), .seconds(10), .seconds(60), .seconds(300), .seconds(1800), .seconds(3600),
        ]
        factory.durationHistogramBuckets[EngineMetrics.routerApply] = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
        ]
        engineMetrics = EngineMetrics(factory: factory)
    }

    /// The text exposition, with the rollouts-by-phase gauge read from the store now.
    public func render(engine: RailyardEngine) async throws -> String {
        let rollouts = try await engine.store.rollouts(limit: 1_000_000)
        engineMetrics.rollouts(byPhase: Dictionary(grouping: rollouts, by: \.phase).mapValues(\.count))
        return registry.emitToString()
    }
}
