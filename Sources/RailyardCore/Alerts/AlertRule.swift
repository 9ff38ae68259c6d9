/// An alert rule on live metrics of one service in one target: an expression and a "for" duration,
/// as in Prometheus: the condition must hold that long before the alert fires.
public struct AlertRule: Sendable, Equatable, Codable {
    public enum Measure: String, Sendable, Codable, CaseIterable {
        /// Failed requests over requests in the last interval, as a fraction.
        case errorRate = "error_rate"
        /// 99th percentile latency in the last interval, in seconds (an upper bound from the histogram).
        case latencyP99 = "latency_p99"
        /// Requests per second in the last interval.
        case requestRate = "request_rate"
    }
    public enum Comparison: String, Sendable, Codable, CaseIterable {
        case greater = ">", less = "<"
    }

    public var name: String
    public var service: String
    public var target: String
    public var measure: Measure
    public var comparison: Comparison
    public var threshold: Double
    public var holdFor: Duration
    public var severity: String

    public init(name: String, service: String, target: String, measure: Measure, comparison: Comparison, threshold: Double,
                holdFor: Duration, severity: String = "page") {
        self.name = name
        self.service = service
        self.target = target
        self.measure = measure
        self.comparison = comparison
        self.threshold = threshold
        self.holdFor = holdFor
        self.severity = severity
    }

    /// Parses `error_rate > 0.02`.
    public static func parseExpression(_ text: String) -> (Measure, Comparison, Double)? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard parts.count == 3, let measure = Measure(rawValue: parts[0]), let comparison = Comparison(rawValue: parts[1]),
              let threshold = Double(parts[2]), threshold.isFinite else { return nil }
        return (measure, comparison, threshold)
    }

    public var expression: String { "\(measure.rawValue) \(comparison.rawValue) \(threshold)" }

    /// The measured value over one interval of counters, or nil when there was no traffic to measure.
    public func value(over window: GroupCounters, seconds: Double) -> Double? {
        switch measure {
        case .errorRate: window.requests > 0 ? window.errorRate : nil
        case .latencyP99: window.latencyQuantile(0.99)
        case .requestRate: seconds > 0 ? window.requests / seconds : nil
        }
    }

    public func holds(_ value: Double) -> Bool {
        comparison == .greater ? value > threshold : value < threshold
    }
}
