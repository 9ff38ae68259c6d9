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
