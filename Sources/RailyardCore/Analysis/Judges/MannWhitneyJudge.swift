import Foundation

/// Kayenta's judge (NetflixACAJudge with its Mann-Whitney classifier): per metric, the canary's
/// per-interval values against the baseline's, a two-sided Mann-Whitney U test at 1 − 2α confidence
/// (98% at the default α = 0.01, Kayenta's level), then a score.
///
/// - Values per interval (between consecutive looks): the error rate; for latency, the mean estimated from
///   the histogram's bucket midpoints. An interval where a group served nothing is left out (Kayenta's
///   "remove" NaN strategy).
/// - A metric is **High** (fails) when the test rejects, the canary's values tend to be larger, and
///   mean(canary)/mean(baseline) exceeds 1 + allowedIncrease (Kayenta's effect size); **Low** (fails) when
///   it rejects, the canary tends lower and the ratio is below 1 − allowedDecrease. Which of the two count
///   is the metric's `direction` (increase by default: a significantly lower error rate or latency passes;
///   with `either`, each side is tested at α, so the false-positive rate of that metric is 2α).
///   Identical series pass.
/// - Score = 100 × passing metrics / judged metrics. A critical metric that fails fails the analysis;
///   otherwise score ≥ 95 passes, < 75 fails, in between is "marginal" (inconclusive, a person decides).
/// - Fixed horizon: it decides only at the deadline (`final`); before, it is inconclusive, with the
///   figures it would decide on.
public struct MannWhitneyJudge: CanaryJudge {
    public let spec: AnalysisSpec
    public var passScore = 95.0
    public var marginalScore = 75.0

    public init(spec: AnalysisSpec) { self.spec = spec }

    /// Two-sided significance level: 2α, so that the one-sided false-positive rate is α (0.02 at α = 0.01).
    public var level: Double { min(max(2 * spec.alpha, 1e-12), 1) }

    public func judge(_ looks: [AnalysisLook], final: Bool) -> Judgement {
        let intervals = IntervalCounts.of(looks)
        let look = looks.last ?? AnalysisLook(elapsed: 0, baseline: .zero, canary: .zero)
        let noData = looks.isEmpty || look.canary.requests <= 0 || look.baseline.requests <= 0
        let needed = Double(max(1, spec.minSamples))
        let gated = !looks.isEmpty && look.canary.requests >= needed && look.baseline.requests >= needed
        let boundary = JudgeMath.normalQuantile(1 - level / 2)
        var verdicts: [MetricVerdict] = []
        var judged = 0, passing = 0
        var criticalFailure = false
        for metric in spec.metrics {
            let (baseline, canary) = Self.series(metric.kind, intervals)
            let name = metric.name
            guard !baseline.isEmpty, !canary.isEmpty else {
                let reason = gated ? "\(name): no intervals with data from both groups" : SequentialTracker.waitingReason(name, look, minSamples: spec.minSamples)
                verdicts.append(MetricVerdict(metric: name, verdict: final && noData ? .fail : .inconclusive,
                                              reason: final && noData ? SequentialTracker.noDataReason(look) : reason,
                                              baselineValue: .nan, canaryValue: .nan, statistic: 0, boundary: boundary))
                continue
            }
            let c = classify(metric, baseline: baseline, canary: canary)
            let figures = "\(name) \(Self.show(metric.kind, c.canaryMean)) vs \(Self.show(metric.kind, c.baselineMean)) on baseline " +
                "(mean of \(canary.count) and \(baseline.count) intervals), Mann-Whitney p=\(JudgeText.fixed(c.pValue, 4)) at \(JudgeText.fixed((1 - level) * 100, 0))% confidence"
            let verdict: VerdictKind
            let reason: String
            if !gated {
                verdict = final && noData ? .fail : .inconclusive
                reason = final && noData ? SequentialTracker.noDataReason(look) : SequentialTracker.waitingReason(name, look, minSamples: spec.minSamples)
            } else if !final {
                verdict = .inconclusive
                reason = figures + "; fixed horizon: decides at the deadline (now \(c.high ? "high" : c.low ? "low" : "pass"))"
            } else {
                verdict = c.worse ? .fail : .pass
                reason = figures + (c.worse ? "; canary \(c.high ? "higher" : "lower")" + (metric.critical ? " (critical metric)" : "") : "; \(c.note)")
            }
            if gated && final {
                judged += 1
                if !c.worse { passing += 1 } else if metric.critical { criticalFailure = true }
            }
            verdicts.append(MetricVerdict(metric: name, verdict: verdict, reason: reason, baselineValue: c.baselineMean,
                                          canaryValue: c.canaryMean, statistic: c.z, boundary: boundary))
        }
        guard final, gated, judged > 0 else {
            if final && noData { return Judgement(verdict: .fail, reason: SequentialTracker.noDataReason(look), metrics: verdicts) }
            return SequentialTracker.combine(verdicts.map { v in var v = v; if v.verdict != .fail { v.verdict = .inconclusive }; return v },
                                             final: final, noData: noData, look: look)
        }
        let score = 100 * Double(passing) / Double(judged)
        let scoreText = "score \(JudgeText.fixed(score, 0)) (\(passing) of \(judged) metrics pass; pass ≥ \(JudgeText.fixed(passScore, 0)), marginal ≥ \(JudgeText.fixed(marginalScore, 0)))"
        let failing = verdicts.filter { $0.verdict == .fail }.map(\.reason)
        if criticalFailure {
            return Judgement(verdict: .fail, reason: (failing + ["a critical metric failed, " + scoreText]).joined(separator: "; "), metrics: verdicts)
        }
        if score >= passScore { return Judgement(verdict: .pass, reason: scoreText, metrics: verdicts) }
        if score < marginalScore { return Judgement(verdict: .fail, reason: (failing + [scoreText]).joined(separator: "; "), metrics: verdicts) }
        return Judgement(verdict: .inconclusive, reason: (failing + ["marginal " + scoreText]).joined(separator: "; "), metrics: verdicts)
    }

    struct Classification {
        var high: Bool
        var low = false
        var pValue: Double
        var z: Double
        var baselineMean: Double
        var canaryMean: Double
        var note: String
        var worse: Bool { high || low }
    }

    func classify(_ metric: AnalysisMetricSpec, baseline: [Double], canary: [Double]) -> Classification {
        let bMean = baseline.reduce(0, +) / Double(baseline.count)
        let cMean = canary.reduce(0, +) / Double(canary.count)
        if baseline.sorted() == canary.sorted() {
            return Classification(high: false, pValue: 1, z: 0, baselineMean: bMean, canaryMean: cMean, note: "canary and baseline data are equal")
        }
        let test = MannWhitney.test(canary, baseline)
        let ratio = bMean > 0 ? cMean / bMean : (cMean > 0 ? .infinity : 1)
        let significant = test.pValue < level
        let upIsWorse = metric.direction != .decrease, downIsWorse = metric.direction != .increase
        let high = significant && test.z > 0 && upIsWorse && ratio > 1 + metric.allowedIncrease
        let low = significant && test.z < 0 && downIsWorse && ratio < 1 - metric.allowedDecrease
        let note: String
        if !significant { note = "no significant difference" }
        else if test.z < 0 {
            note = downIsWorse ? "within the allowed decrease (×\(JudgeText.fixed(ratio, 2)) ≥ ×\(JudgeText.fixed(1 - metric.allowedDecrease, 2)))" : "canary lower"
        } else {
            note = upIsWorse ? "within the allowed increase (×\(JudgeText.fixed(ratio, 2)) ≤ ×\(JudgeText.fixed(1 + metric.allowedIncrease, 2)))"
                : "canary higher (only a decrease is worse)"
        }
        // The statistic shown: the signed normal deviate matching the p-value actually used.
        let z = (test.z >= 0 ? 1.0 : -1.0) * JudgeMath.normalQuantile(1 - min(test.pValue, 1) / 2)
        return Classification(high: high, low: low, pValue: test.pValue, z: z.isFinite ? z : test.z, baselineMean: bMean, canaryMean: cMean, note: note)
    }

    /// The per-interval values of both groups (intervals where a group served nothing are left out).
    static func series(_ kind: AnalysisMetricSpec.Kind, _ intervals: [(look: Int, baseline: IntervalCounts, canary: IntervalCounts)])
        -> (baseline: [Double], canary: [Double]) {
        var b: [Double] = [], c: [Double] = []
        for interval in intervals {
            let pair: (Double, Double)
            switch kind {
            case .errorRate:
                pair = (interval.baseline.errorRate, interval.canary.errorRate)
            case .latency:
                pair = (HistogramMath.mean(bounds: interval.baseline.bounds, counts: interval.baseline.buckets),
                        HistogramMath.mean(bounds: interval.canary.bounds, counts: interval.canary.buckets))
            }
            if pair.0.isFinite { b.append(pair.0) }
            if pair.1.isFinite { c.append(pair.1) }
        }
        return (b, c)
    }

    static func show(_ kind: AnalysisMetricSpec.Kind, _ value: Double) -> String {
        kind == .errorRate ? JudgeText.percent(value) : JudgeText.latency(value)
    }
}
