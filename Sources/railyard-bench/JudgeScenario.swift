import Foundation
import RailyardCore
import RailyardSimulation

/// One benchmark scenario: a baseline and a canary that is as good (A/A), exactly at the configured
/// tolerance (boundary), or worse by a known effect, possibly only after a while or on one instance.
struct JudgeScenario: Sendable {
    enum Family: String, Sendable { case error, latency }
    var name: String
    var family: Family
    /// Canary error rate / baseline error rate.
    var errorRatio = 1.0
    /// Canary latency / baseline latency − 1, on both canary instances.
    var latencyShift = 0.0
    /// One canary instance of two slower still by this much.
    var oddInstanceShift = 0.0
    /// Seconds before the canary turns worse (A/A until then).
    var startsAfter = 0.0

    static let names = ["error-1.0x", "error-1.5x", "error-2x", "error-4x", "latency-0", "latency-10", "latency-20",
                        "boundary-error", "boundary-latency", "late-start", "odd-instance"]

    static func all(_ settings: JudgeSettings) -> [JudgeScenario] {
        [
            JudgeScenario(name: "error-1.0x", family: .error),
            JudgeScenario(name: "error-1.5x", family: .error, errorRatio: 1.5),
            JudgeScenario(name: "error-2x", family: .error, errorRatio: 2),
            JudgeScenario(name: "error-4x", family: .error, errorRatio: 4),
            JudgeScenario(name: "latency-0", family: .latency),
            JudgeScenario(name: "latency-10", family: .latency, latencyShift: 0.1),
            JudgeScenario(name: "latency-20", family: .latency, latencyShift: 0.2),
            JudgeScenario(name: "boundary-error", family: .error, errorRatio: 1 + settings.errorTolerance),
            JudgeScenario(name: "boundary-latency", family: .latency, latencyShift: settings.latencyTolerance),
            JudgeScenario(name: "late-start", family: .error, errorRatio: 2, startsAfter: settings.lateStart),
            JudgeScenario(name: "odd-instance", family: .latency, oddInstanceShift: settings.oddInstanceShift),
        ]
    }

    /// The canary's mean latency against the baseline's, − 1 (log-normal: the shift, mixed over instances).
    var meanLatencyShift: Double { (1 + latencyShift) * (1 + oddInstanceShift / 2) - 1 }

    /// Worse than the configuration tolerates: failing it is a detection; otherwise a false positive.
    func harmful(_ settings: JudgeSettings) -> Bool {
        errorRatio > 1 + settings.errorTolerance + 1e-12 || meanLatencyShift > settings.latencyTolerance + 1e-12
    }

    /// The A/A scenario whose false-positive rate a regression row carries.
    var null: String { family == .error ? "error-1.0x" : "latency-0" }
    /// The scenario of this family whose canary sits exactly at the tolerance.
    var atTolerance: String { family == .error ? "boundary-error" : "boundary-latency" }

    /// The traffic at `rate`, both metrics present in every scenario (the judges watch both).
    func model(_ settings: JudgeSettings, rate: Double, regressed: Bool = true) -> CanaryTrafficModel {
        var model = CanaryTrafficModel(requestsPerSecond: rate, baselineErrorRate: settings.baselineErrorRate,
                                       errorRatio: regressed ? errorRatio : 1, latencyMedian: settings.latencyMedian,
                                       latencySigma: settings.latencySigma, latencyShift: regressed ? latencyShift : 0,
                                       bounds: CanaryTrafficModel.demoBounds)
        model.oddInstanceShift = regressed ? oddInstanceShift : 0
        model.slowShare = settings.latencySlowShare
        model.slowFactor = settings.latencySlowFactor
        return model
    }

    /// The canary exactly at the tolerance, in this scenario's family: the oracle's null.
    func boundary(_ settings: JudgeSettings, rate: Double) -> CanaryTrafficModel {
        var boundary = JudgeScenario(name: "boundary", family: family)
        if family == .error { boundary.errorRatio = 1 + settings.errorTolerance } else { boundary.latencyShift = settings.latencyTolerance }
        return boundary.model(settings, rate: rate)
    }

    /// The analysis every product judge gets: the product's two default metrics at the bench's tolerances.
    static func spec(_ judge: AnalysisSpec.JudgeKind, _ settings: JudgeSettings) -> AnalysisSpec {
        var metrics = AnalysisMetricSpec.defaults
        metrics[0].allowedIncrease = settings.errorTolerance
        metrics[0].acceptableRate = settings.acceptableRate
        metrics[1].allowedIncrease = settings.latencyTolerance
        return AnalysisSpec(judge: judge, alpha: settings.alpha, minSamples: 100, maxDuration: .seconds(settings.horizon),
                            interval: .seconds(settings.look), metrics: metrics)
    }
}

struct JudgeSettings: Sendable {
    var rates: [Double]
    var nullRuns: Int
    var regressionRuns: Int
    var alpha: Double
    var horizon: Double
    var look: Double
    var window: Double
    var interval: Double
    var errorTolerance: Double
    var latencyTolerance: Double
    var acceptableRate = AnalysisMetricSpec.defaultAcceptableRate
    var lateStart: Double
    var oddInstanceShift = 0.4
    var baselineErrorRate = 0.005
    var latencyMedian = Self.standardLatencyMedian
    var latencySigma = Self.standardLatencySigma
    /// The bench's usual latency: median 120 ms, σ 0.5 in log-latency.
    static let standardLatencyMedian = 0.12, standardLatencySigma = 0.5
    /// A share of requests `latencySlowFactor` times slower: latency with two modes (0: one log-normal).
    var latencySlowShare = 0.0
    var latencySlowFactor = 10.0
    /// Instances per group, read apart (0: each group one sum).
    var instances = 0
    var planRuns: Int
    var seed: UInt64
    /// The sequential judge's priors: the product's unless --ratio-prior-spread or --latency-shifts say otherwise.
    var mixing = SequentialMixing.product
}
