/// A metric family of a Prometheus exposition: its `# HELP`, its `# TYPE` and its samples, in exposition order.
/// A histogram's `_bucket`, `_sum` and `_count` samples (a summary's quantiles, `_sum` and `_count`) belong to
/// the family named without the suffix.
public struct MetricFamily: Sendable, Equatable, Codable {
    public var name: String
    public var type: MetricType
    public var help: String?
    public var samples: [MetricSample]

    public init(name: String, type: MetricType = .untyped, help: String? = nil, samples: [MetricSample] = []) {
        self.name = name
        self.type = type
        self.help = help
        self.samples = samples
    }
}
