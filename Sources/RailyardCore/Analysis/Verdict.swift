/// What a judge says. Always with its reason, in words and numbers.
public enum VerdictKind: String, Sendable, Codable, Equatable {
    case pass, fail, inconclusive
}

/// The judgement of one metric at one look.
public struct MetricVerdict: Sendable, Codable, Equatable {
    public var metric: String
    public var verdict: VerdictKind
    /// e.g. "payin error rate 3.9% vs 0.5% on baseline after 1,840 requests; boundary crossed at α=0.01"
    public var reason: String
    public var baselineValue: Double
    public var canaryValue: Double
    /// The judge's running statistic and the boundary it is compared with (for `rollout watch` and plots).
    public var statistic: Double
    public var boundary: Double
    public init(metric: String, verdict: VerdictKind, reason: String, baselineValue: Double, canaryValue: Double,
                statistic: Double, boundary: Double) {
        self.metric = metric
        self.verdict = verdict
        self.reason = reason
        self.baselineValue = baselineValue
        self.canaryValue = canaryValue
        self.statistic = statistic
        self.boundary = boundary
    }
}

extension MetricVerdict {
    enum CodingKeys: String, CodingKey { case metric, verdict, reason, baselineValue, canaryValue, statistic, boundary }

    // Judges may say NaN (no data yet) or infinity (no bound): JSON has neither, so they travel as strings.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func number(_ key: CodingKeys) throws -> Double {
            if let value = try? c.decode(Double.self, forKey: key) { return value }
            switch try c.decode(String.self, forKey: key) {
            case "+Inf": return .infinity
            case "-Inf": return -.infinity
            default: return .nan
            }
        }
        self.init(metric: try c.decode(String.self, forKey: .metric), verdict: try c.decode(VerdictKind.self, forKey: .verdict),
                  reason: try c.decode(String.self, forKey: .reason), baselineValue: try number(.baselineValue),
                  canaryValue: try number(.canaryValue), statistic: try number(.statistic), boundary: try number(.boundary))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        func put(_ value: Double, _ key: CodingKeys) throws {
            if value.isFinite { try c.encode(value, forKey: key) } else { try c.encode(value.isNaN ? "NaN" : (value > 0 ? "+Inf" : "-Inf"), forKey: key) }
        }
        try c.encode(metric, forKey: .metric)
        try c.encode(verdict, forKey: .verdict)
        try c.encode(reason, forKey: .reason)
        try put(baselineValue, .baselineValue)
        try put(canaryValue, .canaryValue)
        try put(statistic, .statistic)
        try put(boundary, .boundary)
    }
}

/// The overall judgement at one look: fail if a metric fails, pass when every metric passes.
public struct Judgement: Sendable, Codable, Equatable {
    public var verdict: VerdictKind
    public var reason: String
    public var metrics: [MetricVerdict]
    public init(verdict: VerdictKind, reason: String, metrics: [MetricVerdict]) {
        self.verdict = verdict
        self.reason = reason
        self.metrics = metrics
    }
}
