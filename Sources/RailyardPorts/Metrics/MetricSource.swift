import RailyardCore

/// The metric-source port: reads one group's cumulative counters (requests, errors, latency histogram), summed
/// over its instances, for the canary analysis. One file per backend, built by `MetricSourceFactory`, like
/// Flagger's `pkg/metrics/providers`.
public protocol MetricSource: Sendable {
    /// - Parameters:
    ///   - instances: the group's instances as `host:port` (`127.0.0.1:8081`), as the driver reports them.
    ///   - metricsPath: the service's metrics path (`/metrics`), from `railyard.yml`.
    ///   - extractor: which metric names and routes make the counters.
    /// - Returns: the sum over every instance; an empty group reads zero.
    /// - Throws: an error naming the instance that could not be read, and why.
    func read(instances: [String], metricsPath: String, extractor: CountersExtractor) async throws -> RailyardCore.GroupCounters
}
