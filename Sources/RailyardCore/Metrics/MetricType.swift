/// The type a `# TYPE` line gives a metric family in the Prometheus text format; `untyped` without one.
public enum MetricType: String, Sendable, Codable, Equatable, Hashable, CaseIterable {
    case counter, gauge, histogram, summary, untyped
}
