import Foundation

/// The sequential judge's tail-latency evidence: are more of the canary's requests slow than its baseline's,
/// beyond the tolerance, at the configured quantile (p99 by default for a `quantile` metric)?
///
/// A histogram cannot say where inside a bucket a request fell, so the tail is read at a bucket bound:
/// **L**, the smallest finite bound above which at most 1 − q of the baseline's requests lie (q the
/// quantile), fixed once, at the first look where the baseline has served `minimumPool` requests. Read off
/// the baseline alone: a pooled quantile would move up with a slow canary and hide it. From then on, each interval's
/// requests slower than L are counted like errors, and the canary-to-baseline ratio of those shares gets the
/// same one-sided confidence sequences as the error rate (`ErrorRateEvidence`): a rate ratio with the
/// baseline's share removed exactly by conditioning, so the tolerance (1 + `allowed_increase` times the
/// baseline's share) is an exact composite null, whatever the latency distribution.
///
/// The interval that chose L is not counted: L depends on it, the later intervals do not choose anything,
/// so each later e-value is valid given the past and α is not spent on the choice.
///
/// What a pass means: "at most +38% of baseline's share of requests slower than 250 ms". With the
/// baseline's share at 1%, a +50% tolerance lets the canary's p98.5 reach the baseline's p99.
struct TailEvidence: Sendable {
    let quantile: Double
    let allowedIncrease: Double
    let alpha: Double
    /// The bound the tail is read at, and its index in the histogram; nil until chosen.
    private(set) var bound: Double?
    private(set) var boundIndex: Int?
    /// The baseline's share of requests above `bound` when it was chosen.
    private(set) var shareAbove = 0.0
    /// The counts of slow requests, once `bound` is chosen.
    private(set) var counts: ErrorRateEvidence?
    /// Why the tail could not be read yet, when a look had enough requests but no bound to read it at.
    private(set) var unreadable: String?
    /// Canary instances seen restarting (their intervals' latency is lost): never the odd one out.
    private(set) var restarted: Set<String> = []

    /// What the histogram counts, in the words: "requests" for the HTTP latency, "observations" for the service's own.
    let unit: String
    /// The spread of its ratio sequence's prior (`SequentialMixing.ratioSpread`).
    let ratioSpread: Double

    init(quantile: Double, allowedIncrease: Double, alpha: Double, unit: String = "requests",
         ratioSpread: Double = SequentialMixing.product.ratioSpread) {
        self.unit = unit
        self.ratioSpread = ratioSpread
        self.quantile = quantile
        self.allowedIncrease = max(0, allowedIncrease)
        self.alpha = alpha
    }

    /// Requests the baseline must have served before the bound is chosen: ten expected above the quantile.
    var minimumPool: Double { Self.minimumPool(quantile) }
    static func minimumPool(_ quantile: Double) -> Double { (10 / (1 - quantile)).rounded(.up) }

    mutating func markRestarted(_ instances: Set<String>) { restarted.formUnion(instances) }

    /// "p99", "p99.9", "p95".
    static func name(_ quantile: Double) -> String { "p" + JudgeText.alpha(quantile * 100) }

    /// Adds one interval. `reference` is the baseline's cumulative per-bucket counts since the analysis
    /// began, at the end of the interval, `bounds` their upper bounds (used only to choose the bound).
    /// `instances`: the canary's requests per bucket over the interval by instance, when the source reads
    /// them apart: the slow ones are counted per instance too, so that one slow host is not the version's.
    mutating func add(baseline: IntervalCounts, canary: IntervalCounts, reference: [Double], bounds: [Double],
                      instances: [String: [Double]] = [:], unreadable: Set<String> = []) {
        guard let index = boundIndex, var counts else {
            choose(reference: reference, bounds: bounds)
            return
        }
        guard canary.buckets.count == bounds.count, baseline.buckets.count == bounds.count, index < bounds.count else { return }
        let slow = { (buckets: [Double]) -> IntervalCounts in
            IntervalCounts(requests: buckets.reduce(0, +), errors: buckets[(index + 1)...].reduce(0, +), buckets: [], bounds: [])
        }
        counts.add(baseline: slow(baseline.buckets), canary: slow(canary.buckets),
                   instances: instances.filter { $0.value.count == bounds.count }.mapValues(slow), restarted: restarted,
                   unreadable: unreadable.union(instances.filter { $0.value.count != bounds.count }.keys))
        self.counts = counts
    }

    private mutating func choose(reference: [Double], bounds: [Double]) {
        guard reference.reduce(0, +) >= minimumPool, reference.count == bounds.count else { return }
        guard let found = Self.readableBound(quantile: quantile, counts: reference, bounds: bounds) else {
            unreadable = Self.unreadableReason(quantile: quantile, bounds: bounds)
            return
        }
        bound = found.bound
        boundIndex = found.index
        shareAbove = found.shareAbove
        unreadable = nil
        let slower = "\(unit) slower than \(JudgeText.latency(found.bound))"
        counts = ErrorRateEvidence(allowedIncrease: allowedIncrease, acceptableRate: 0, alpha: alpha,
                                   wording: .init(rate: "share of \(slower)", ratio: "ratio of \(slower)", nothingCounted: "none in either group yet"),
                                   ratioSpread: ratioSpread)
    }

    /// The smallest finite bound above which at most 1 − `quantile` of `counts` (per bucket, under `bounds`) lie;
    /// nil when the quantile is in the +Inf bucket or there are no requests.
    static func readableBound(quantile: Double, counts: [Double], bounds: [Double]) -> (bound: Double, index: Int, shareAbove: Double)? {
        let total = counts.reduce(0, +)
        guard total > 0, counts.count == bounds.count else { return nil }
        var cumulative = 0.0
        for (i, count) in counts.enumerated() {
            cumulative += count
            let above = (total - cumulative) / total
            if bounds[i].isFinite, above <= 1 - quantile { return (bounds[i], i, above) }
        }
        return nil
    }

    static func unreadableReason(quantile: Double, bounds: [Double]) -> String {
        let largest = bounds.last(where: \.isFinite).map(JudgeText.latency) ?? "none"
        return "the baseline's \(name(quantile)) lies above the largest finite latency bucket (\(largest)): the tail cannot be read "
            + "at any bound, so it cannot pass (a bucket above the usual \(name(quantile)) fixes it)"
    }

    /// The fail side's statistic (0 until the bound is chosen).
    var failStatistic: Double { counts?.failStatistic ?? 0 }

    /// Where the tail is read, in words: "read at 250 ms (the baseline's p99.2 when it was chosen)".
    var readAt: String? {
        bound.map { "read at \(JudgeText.latency($0)) (\(JudgeText.percent(shareAbove)) of the baseline's \(unit) were slower when it was chosen)" }
    }

    /// What is known so far (nil verdict while undecided), with the numbers.
    func reading(undecided: String, baselineRequests: Double) -> ErrorRateEvidence.Reading {
        if let counts {
            var reading = counts.reading(undecided: undecided)
            if let readAt { reading.text += "; the tail " + readAt }
            return reading
        }
        if let unreadable { return .init(verdict: nil, text: "\(undecided): \(unreadable)") }
        return .init(verdict: nil, text: "\(undecided): the tail's bound is chosen once the baseline has served \(JudgeText.grouped(Int(minimumPool))) \(unit) "
                     + "(\(JudgeText.count(baselineRequests)) so far)")
    }
}
