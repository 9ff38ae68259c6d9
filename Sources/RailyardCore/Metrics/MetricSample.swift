/// One sample line of a Prometheus exposition: `name{labels} value [timestamp]`.
///
/// In JSON, `value` is a number when finite and the string `"NaN"`, `"+Inf"` or `"-Inf"` otherwise (JSON has no
/// literal for them), and `timestamp` is left out when the line had none.
public struct MetricSample: Sendable, Equatable, Codable {
    /// The sample's own name: for a histogram family `x`, one of `x_bucket`, `x_sum`, `x_count`.
    public var name: String
    /// Label values, unescaped.
    public var labels: [String: String]
    public var value: Double
    /// Milliseconds since the Unix epoch, when the exposition gave one.
    public var timestamp: Int64?

    public init(name: String, labels: [String: String] = [:], value: Double, timestamp: Int64? = nil) {
        self.name = name
        self.labels = labels
        self.value = value
        self.timestamp = timestamp
    }

    /// Equal when every field is, with `NaN` equal to `NaN` (so a parsed sample compares equal to its expectation).
    public static func == (a: Self, b: Self) -> Bool {
        a.name == b.name && a.labels == b.labels && a.timestamp == b.timestamp
            && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
    }

    private enum CodingKeys: String, CodingKey { case name, labels, value, timestamp }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        timestamp = try container.decodeIfPresent(Int64.self, forKey: .timestamp)
        if let number = try? container.decode(Double.self, forKey: .value) {
            value = number
        } else {
            let text = try container.decode(String.self, forKey: .value)
            guard let parsed = PrometheusText.parseValue(Substring(text)) else {
                throw DecodingError.dataCorruptedError(forKey: .value, in: container, debugDescription: "not a sample value: \(text)")
            }
            value = parsed
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(labels, forKey: .labels)
        if value.isFinite {
            try container.encode(value, forKey: .value)
        } else {
            try container.encode(PrometheusText.format(value), forKey: .value)
        }
        try container.encodeIfPresent(timestamp, forKey: .timestamp)
    }
}
