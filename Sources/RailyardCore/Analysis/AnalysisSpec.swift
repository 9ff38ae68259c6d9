/// The configuration of an `analysis` step: which metrics, which judge, how sure, how long.
public struct AnalysisSpec: Sendable, Equatable, Codable {
    public enum JudgeKind: String, Sendable, Codable, CaseIterable { case sequential, mannWhitney = "mann-whitney", threshold }

    public var judge: JudgeKind
    /// False-positive rate the judge guarantees (sequential: however often it looks).
    public var alpha: Double
    /// mann-whitney and threshold: requests each group needs before any verdict other than inconclusive.
    /// The sequential judge counts every request from the first and shows it for information only.
    public var minSamples: Int
    /// Past this with no verdict the analysis extends itself by up to `maxExtension`, then hands the
    /// decision to a person; with no data at all it fails.
    public var maxDuration: Duration
    /// How much longer an undecided analysis may watch after `maxDuration` before it asks a person (0: ask at once).
    public var maxExtension: Duration
    /// How often metrics are read and judged.
    public var interval: Duration
    public var metrics: [AnalysisMetricSpec]
    /// After a pass, how long the canary's error rate is still watched against its baseline, until the
    /// wave promotes (`LateRegressionWatch`); 0: not at all.
    public var watchAfterPass: Duration
    /// sequential, error rates only: the stable group's requests count as control beside the baseline's
    /// (Lindon et al., KDD 2022). More evidence at a small canary weight; but stable instances are not
    /// freshly started like the canary and its baseline, so off by default (docs/judges.md).
    public var stableAsControl: Bool

    public init(judge: JudgeKind = .sequential, alpha: Double = 0.01, minSamples: Int = 100, maxDuration: Duration = .seconds(300),
                interval: Duration = .seconds(5), metrics: [AnalysisMetricSpec] = AnalysisMetricSpec.defaults, maxExtension: Duration = .zero,
                watchAfterPass: Duration = AnalysisSpec.defaultWatch, stableAsControl: Bool = false) {
        self.stableAsControl = stableAsControl
        self.judge = judge
        self.alpha = alpha
        self.minSamples = minSamples
        self.maxDuration = maxDuration
        self.maxExtension = maxExtension
        self.interval = interval
        self.metrics = metrics
        self.watchAfterPass = watchAfterPass
    }

    public static let `default` = AnalysisSpec()

    /// Every counter of the service's own its metrics read.
    public var namedCounters: [String] { metrics.flatMap(\.namedCounters).uniqued() }
    /// Every histogram of the service's own its latency metrics read.
    public var namedHistograms: [String] { metrics.compactMap(\.histogram).uniqued() }
    public static let defaultWatch: Duration = .seconds(3600)

    enum CodingKeys: String, CodingKey { case judge, alpha, minSamples, maxDuration, maxExtension, interval, metrics, watchAfterPass, stableAsControl }

    // Durations as seconds in JSON, not Swift's internal pair of integers.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(judge: try c.decode(JudgeKind.self, forKey: .judge), alpha: try c.decode(Double.self, forKey: .alpha),
                  minSamples: try c.decode(Int.self, forKey: .minSamples),
                  maxDuration: .milliseconds(Int((try c.decode(Double.self, forKey: .maxDuration) * 1000).rounded())),
                  interval: .milliseconds(Int((try c.decode(Double.self, forKey: .interval) * 1000).rounded())),
                  metrics: try c.decode([AnalysisMetricSpec].self, forKey: .metrics),
                  maxExtension: .milliseconds(Int(((try c.decodeIfPresent(Double.self, forKey: .maxExtension) ?? 0) * 1000).rounded())),
                  watchAfterPass: .milliseconds(Int(((try c.decodeIfPresent(Double.self, forKey: .watchAfterPass) ?? Self.defaultWatch.timeInterval) * 1000).rounded())),
                  stableAsControl: try c.decodeIfPresent(Bool.self, forKey: .stableAsControl) ?? false)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(judge, forKey: .judge)
        try c.encode(alpha, forKey: .alpha)
        try c.encode(minSamples, forKey: .minSamples)
        try c.encode(maxDuration.timeInterval, forKey: .maxDuration)
        try c.encode(maxExtension.timeInterval, forKey: .maxExtension)
        try c.encode(interval.timeInterval, forKey: .interval)
        try c.encode(metrics, forKey: .metrics)
        try c.encode(watchAfterPass.timeInterval, forKey: .watchAfterPass)
        try c.encode(stableAsControl, forKey: .stableAsControl)
    }
}

/// One judged metric, read from the service's standard request counter and latency histogram.
public struct AnalysisMetricSpec: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable { case errorRate = "error_rate", latency }
    /// Which way the canary is worse (Kayenta's `direction`): error rate and latency are worse higher, but
    /// a canary far *faster* than its baseline may be skipping work, which `either` catches.
    public enum Direction: String, Sendable, Codable, CaseIterable { case increase, decrease, either }

    public var name: String
    public var kind: Kind
    /// A failing critical metric fails the analysis whatever the others say (Kayenta's critical metrics).
    public var critical: Bool
    /// Relative increase over baseline tolerated before it counts as worse (0.1 = +10%); every judge but threshold.
    public var allowedIncrease: Double
    /// sequential, error rate only: a canary error rate at or below this is acceptable whatever the
    /// baseline's (0.001 = 0.1%; 0: none). What a service with no errors at all earns its pass on.
    public var acceptableRate: Double
    /// sequential, latency only: judge the tail at this quantile (0.99: p99) instead of the whole
    /// distribution's shift; `allowedIncrease` then tolerates that many more requests beyond the baseline's
    /// quantile (`TailEvidence`). nil: the whole distribution.
    public var quantile: Double?
    /// sequential, error rate only: the service's own counters to judge instead of HTTP 5xx over requests,
    /// e.g. `payins_failed_total` over `payins_total` (a declined payment is a failed one whatever its
    /// HTTP status). Both or neither.
    public var failedCounter: String?
    public var totalCounter: String?
    /// sequential, latency only: a histogram of the service's own exposition to judge instead of the HTTP
    /// latency, e.g. `payin_settlement_seconds` (how long a payment takes to settle, which no HTTP request
    /// times). Its `_bucket` series are summed over the instances and all their labels.
    public var histogram: String?
    /// mann-whitney only: which way is worse; the sequential judge fails upward only (`increase`).
    public var direction: Direction
    /// mann-whitney only: relative decrease tolerated when `direction` is decrease or either (0.3 = −30%).
    public var allowedDecrease: Double
    /// threshold judge only: the smallest acceptable value per interval.
    public var min: Double?
    /// threshold judge only: the largest acceptable value per interval (error rate as a fraction, latency p99 in seconds).
    public var max: Double?
    /// threshold judge only: how many intervals out of range fail the analysis (Flagger's failure limit).
    public var failureLimit: Int

    public init(name: String, kind: Kind, critical: Bool = true, allowedIncrease: Double = 0, acceptableRate: Double = 0,
                direction: Direction = .increase, allowedDecrease: Double = 0, min: Double? = nil, max: Double? = nil, failureLimit: Int = 2,
                quantile: Double? = nil, failedCounter: String? = nil, totalCounter: String? = nil, histogram: String? = nil) {
        self.name = name
        self.histogram = histogram
        self.quantile = quantile
        self.failedCounter = failedCounter
        self.totalCounter = totalCounter
        self.kind = kind
        self.critical = critical
        self.allowedIncrease = allowedIncrease
        self.acceptableRate = acceptableRate
        self.direction = direction
        self.allowedDecrease = allowedDecrease
        self.min = min
        self.max = max
        self.failureLimit = failureLimit
    }

    /// Analyses stored before `direction`, `allowedDecrease`, `min`, `acceptableRate` and `quantile` existed read with their defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try c.decode(String.self, forKey: .name), kind: try c.decode(Kind.self, forKey: .kind),
                  critical: try c.decode(Bool.self, forKey: .critical), allowedIncrease: try c.decode(Double.self, forKey: .allowedIncrease),
                  acceptableRate: try c.decodeIfPresent(Double.self, forKey: .acceptableRate) ?? 0,
                  direction: try c.decodeIfPresent(Direction.self, forKey: .direction) ?? .increase,
                  allowedDecrease: try c.decodeIfPresent(Double.self, forKey: .allowedDecrease) ?? 0,
                  min: try c.decodeIfPresent(Double.self, forKey: .min), max: try c.decodeIfPresent(Double.self, forKey: .max),
                  failureLimit: try c.decode(Int.self, forKey: .failureLimit),
                  quantile: try c.decodeIfPresent(Double.self, forKey: .quantile),
                  failedCounter: try c.decodeIfPresent(String.self, forKey: .failedCounter),
                  totalCounter: try c.decodeIfPresent(String.self, forKey: .totalCounter),
                  histogram: try c.decodeIfPresent(String.self, forKey: .histogram))
    }

    /// The sequential judge's error-rate tolerance when the config names none: a canary may fail up to
    /// +50% more often than its baseline, or at most 0.1% of requests whatever the baseline. With no
    /// tolerance a pass needs a canary shown *better*, which a good version rarely is.
    public static let sequentialErrorAllowance = 0.5
    public static let defaultAcceptableRate = 0.001
    /// The tail's tolerance when the config names none: +50% more canary requests beyond the baseline's
    /// quantile (at p99: the canary's p98.5 may reach the baseline's p99).
    public static let tailAllowance = 0.5

    /// The service's own counters this metric reads (none for HTTP requests).
    public var namedCounters: [String] { [failedCounter, totalCounter].compactMap { $0 } }

    /// Failed and total as this metric counts them: the named counters when it has them, else 5xx and requests.
    public func failedAndTotal(_ counters: GroupCounters) -> (failed: Double, total: Double) {
        guard let failedCounter, let totalCounter else { return (counters.errors, counters.requests) }
        return (counters.counters[failedCounter] ?? 0, counters.counters[totalCounter] ?? 0)
    }

    public static let defaults = [
        AnalysisMetricSpec(name: "error-rate", kind: .errorRate, critical: true, allowedIncrease: Self.sequentialErrorAllowance,
                           acceptableRate: Self.defaultAcceptableRate, max: 0.01),
        AnalysisMetricSpec(name: "latency", kind: .latency, critical: false, allowedIncrease: 0.1, max: 0.5),
    ]
}

/// A judge compares baseline and canary over the looks of one analysis. Pure: no I/O, no clock.
public protocol CanaryJudge: Sendable {
    /// Judges every look so far (cumulative counters since the analysis began). `final` is true at the
    /// deadline, when a fixed-horizon judge must decide.
    func judge(_ looks: [AnalysisLook], final: Bool) -> Judgement
}
