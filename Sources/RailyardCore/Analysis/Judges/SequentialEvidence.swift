import Foundation

/// The anytime-valid evidence that a canary's latency is worse than its baseline's: a mixture of
/// likelihood-ratio e-processes over effect sizes (a mixture SPRT), each one an exact (super)martingale
/// under the null hypothesis, so that by Ville's inequality P(the mixture ever reaches 1/α) ≤ α however
/// often it is looked at. (The error rate has confidence sequences of its own: `ErrorRateEvidence`.)
///
/// **What is compared.** Within one interval between two looks, the null hypothesis is that the
/// canary behaves like the baseline: given how many requests each group served and how those requests
/// fell into latency buckets, which group each request came from is a uniformly random split. Then the
/// canary's count in a bucket is hypergeometric given what is left of the interval's pool, and for any ω
/// the factor ω^x / E[ω^X] has expectation exactly 1. Buckets are revealed one at a time, fastest first,
/// so each factor is conditionally an e-value; their product over buckets and intervals is a test
/// martingale, and so is any average of such products over a prior on effect sizes. No normal
/// approximation, no assumption on the traffic split, no "peeking" penalty.
///
/// Each bucket gets a score s_j, the log-likelihood ratio of a request in it for a slower canary, read off
/// the pooled histogram (`LatencyScores`: label-free, so it may depend on the pooled data), and
/// ω_j = exp(λ·(s_j − s̄_rest)), the odds that a request of bucket j is the canary's rather than one of the
/// slower buckets still in the pool. λ is the shift of the canary's latency in standard deviations of the
/// scores (on a log-normal, of log-latency); only λ > λ₀ is a regression. λ₀ is 0 unless
/// `allowedIncrease` > 0, in which case it is the λ a canary exactly 1 + allowedIncrease times slower
/// would show on the pooled histogram (`ToleratedShift`).
///
/// The *pass* side mirrors it: a second mixture over effects below the null (λ < λ₀) whose crossing
/// rules out a regression larger than the allowance, at the same α.
struct MetricEvidence: Sendable {
    let allowedIncrease: Double
    /// Effect sizes mixed over: λ − λ₀, in standard deviations.
    let failGrid: [Double]
    let passGrid: [Double]
    /// Per component, log of its e-process so far.
    private(set) var failLog: [Double]
    private(set) var passLog: [Double]
    /// Intervals that contributed.
    private(set) var intervals = 0
    /// The last interval's histogram had too few bounds where the requests are to measure a shift against
    /// the allowance (see `logSpread`): its evidence was not counted.
    private(set) var tooCoarse = false
    /// By canary instance, where the source reads instances' histograms apart: the same evidence for the
    /// canary without that instance. A fail needs each of them to show it too (at `OddInstanceRule.othersAlpha`): a version's slowness shows
    /// in all its instances, a slow host's in one (as `ErrorRateEvidence.complements` for errors). One first
    /// seen later starts from the whole canary's evidence, which it was part of until then.
    private(set) var complements: [String: MetricEvidence] = [:]
    /// Each canary instance's requests per bucket so far, and the bounds, for the words.
    private(set) var perInstance: [String: [Double]] = [:]
    private(set) var bounds: [Double] = []
    /// Canary instances that restarted: never the odd one out (a crash is the version's until shown otherwise).
    private(set) var restarted: Set<String> = []

    /// Mixing priors: equal weights on log-spaced effect sizes, chosen to cover the regressions worth
    /// catching (the fail side's from `SequentialMixing`). See docs/judges.md.
    static func logSpaced(_ low: Double, _ high: Double, _ count: Int) -> [Double] {
        (0..<count).map { i in exp(log(low) + (log(high) - log(low)) * Double(i) / Double(count - 1)) }
    }
    static let latencyPassGrid = logSpaced(0.05, 1.5, 12)

    /// `failGrid`/`passGrid` replace the default mixing grids (tests integrate the mixture on finer ones).
    init(allowedIncrease: Double, failGrid: [Double]? = nil, passGrid: [Double]? = nil) {
        self.allowedIncrease = max(0, allowedIncrease)
        self.failGrid = failGrid ?? SequentialMixing.product.latencyFailGrid
        self.passGrid = passGrid ?? Self.latencyPassGrid
        failLog = Array(repeating: 0, count: self.failGrid.count)
        passLog = Array(repeating: 0, count: self.passGrid.count)
    }

    /// log of the fail-side mixture: log((1/K) Σ e-processes), the log Bayes factor against the null.
    var failStatistic: Double { JudgeMath.logSumExp(failLog) - log(Double(failLog.count)) }
    var passStatistic: Double { JudgeMath.logSumExp(passLog) - log(Double(passLog.count)) }

    /// Adds one interval. `pooled` is both groups' cumulative per-bucket latency counts at the end of the
    /// interval (label-free, used only for the latency scores). `instances`: the canary's requests per bucket
    /// over the interval by instance, when the source reads them apart.
    mutating func add(baseline: IntervalCounts, canary: IntervalCounts, pooled: [Double], instances: [String: [Double]] = [:],
                      unreadable: Set<String> = []) {
        let usable = instances.filter { $0.value.count == canary.buckets.count }
        // The scores read only the pooled histogram: one reading serves the whole canary and every complement.
        let scores = LatencyScores.scores(bounds: canary.bounds, pooled: pooled)
        if usable.count > 1 || !complements.isEmpty {
            var whole = self
            whole.complements = [:]
            for address in usable.keys where complements[address] == nil { complements[address] = whole }
            for address in complements.keys {
                // An instance absent this interval served none of it; one present but unreadable leaves its complement as it was.
                guard !unreadable.contains(address),
                      let own = usable[address] ?? (instances[address] == nil ? Array(repeating: 0, count: canary.buckets.count) : nil) else { continue }
                var others = canary
                others.buckets = zip(canary.buckets, own).map { max(0, $0 - $1) }
                others.requests = max(0, canary.requests - own.reduce(0, +))
                complements[address]!.addLatency(baseline: baseline, canary: others, pooled: pooled, scores: scores)
            }
        }
        for (address, own) in usable {
            perInstance[address] = zip(perInstance[address] ?? Array(repeating: 0, count: own.count), own).map(+)
        }
        bounds = canary.bounds
        addLatency(baseline: baseline, canary: canary, pooled: pooled, scores: scores)
    }

    mutating func markRestarted(_ instances: Set<String>) { restarted.formUnion(instances) }

    /// The canary instance without which the fail would not be shown, when the whole canary's is: the odd
    /// host to name, and the fail held for a person. nil when the fail stands (or is not shown).
    func carrier(boundary: Double) -> String? {
        guard failStatistic >= boundary else { return nil }
        let others = OddInstanceRule.othersBoundary(whole: boundary)
        return complements.keys.sorted().first { !restarted.contains($0) && complements[$0]!.failStatistic < others }
    }

    /// The words for a fail held by `carrier`: "the canary as a whole is shown slower (…), but not without its instance …".
    func carrierText(_ address: String, boundary: Double) -> String {
        let own = perInstance[address] ?? []
        let served = own.reduce(0, +)
        let median = own.count == bounds.count && served > 0 ? JudgeText.latency(HistogramMath.quantile(0.5, bounds: bounds, counts: own)) : "n/a"
        let others = complements[address]?.failStatistic ?? 0
        return "the canary as a whole is shown slower (log Bayes factor \(JudgeText.fixed(failStatistic, 2)) ≥ \(JudgeText.fixed(boundary, 2))), "
            + "but not without its instance \(address) (p50 \(median) over \(JudgeText.count(served)) requests): without it, the log Bayes factor is "
            + "\(JudgeText.fixed(others, 2)) against the \(JudgeText.fixed(OddInstanceRule.othersBoundary(whole: boundary), 2)) a fail needs there; "
            + "one instance carries it, a host rather than the version, "
            + "for a person to judge"
    }

    private mutating func addLatency(baseline: IntervalCounts, canary: IntervalCounts, pooled: [Double], scores: [Double]) {
        let count = canary.buckets.count
        guard count > 1, baseline.buckets.count == count, pooled.count == count, scores.count == count else { return }
        var nullShift = (fail: 0.0, pass: 0.0)
        if allowedIncrease > 0 {
            // The tolerance is a shift in log-latency, read against the histogram's spread: with fewer than
            // two bounds inside the central 98% of requests there is none to read it against. Dropping the
            // tolerance would fail canaries within it, so the interval is not counted, and says why.
            guard Self.logSpread(bounds: canary.bounds, pooled: pooled) != nil else {
                tooCoarse = true
                return
            }
            tooCoarse = false
            // The tolerated scale, as the tilt a canary exactly that much slower would show on this histogram:
            // each side against the reading of the buckets' insides that makes its verdict harder.
            let served = canary.buckets.reduce(0, +)
            nullShift = ToleratedShift.tilts(factor: 1 + allowedIncrease, bounds: canary.bounds, pooled: pooled, scores: scores,
                                             canaryShare: served / max(1, served + baseline.buckets.reduce(0, +)))
        }
        let used = Self.reveal(canary: canary.buckets, baseline: baseline.buckets, scores: scores) { urn, contrast, x in
            let failNull = urn.logMGF(logOmega: nullShift.fail * contrast), passNull = urn.logMGF(logOmega: nullShift.pass * contrast)
            for (k, eta) in failGrid.enumerated() {
                failLog[k] += eta * contrast * x - (urn.logMGF(logOmega: (nullShift.fail + eta) * contrast) - failNull)
            }
            for (k, eta) in passGrid.enumerated() {
                passLog[k] += -eta * contrast * x - (urn.logMGF(logOmega: (nullShift.pass - eta) * contrast) - passNull)
            }
        }
        if used { intervals += 1 }
    }

    /// One interval's buckets revealed fastest first: for each bucket that can still vary, the urn its canary
    /// count is drawn from (what is left of the pool), its score's contrast against the slower buckets still
    /// in the pool, and the canary's count. A tilt ω = exp(λ·contrast) of each urn makes a conditional
    /// e-value; the late watch tests its tilts with the same walk (`LateShiftWatch`). false when no bucket
    /// could vary (nothing learned).
    static func reveal(canary: [Double], baseline: [Double], scores: [Double], _ body: (HypergeometricTilt, Double, Double) -> Void) -> Bool {
        let count = canary.count
        guard count > 1, baseline.count == count, scores.count == count else { return false }
        var totals = [Int](repeating: 0, count: count)
        var canaries = [Int](repeating: 0, count: count)
        for j in 0..<count {
            canaries[j] = Int(canary[j].rounded())
            totals[j] = canaries[j] + Int(baseline[j].rounded())
        }
        var population = totals.reduce(0, +)
        var successes = canaries.reduce(0, +)
        guard successes > 0, successes < population else { return false }
        // Pooled count and score sum of the buckets after j, for s̄_rest.
        var restCount = Double(population)
        var restScore = 0.0
        for j in 0..<count { restScore += Double(totals[j]) * scores[j] }
        var used = false
        for j in 0..<count where totals[j] > 0 {
            restCount -= Double(totals[j])
            restScore -= Double(totals[j]) * scores[j]
            guard restCount > 0.5 else { break }  // the last non-empty bucket is determined by the others
            let contrast = scores[j] - restScore / restCount
            let urn = HypergeometricTilt(population: population, successes: successes, draws: totals[j])
            population -= totals[j]
            successes -= canaries[j]
            guard urn.highest > urn.lowest, contrast != 0 else { continue }
            used = true
            body(urn, contrast, Double(canaries[j]))
        }
        return used
    }

    /// The spread σ of log-latency, fitted as log(bound) ≈ μ + σ·Φ⁻¹(F(bound)) over the finite bounds whose
    /// pooled cumulative fraction F is in [1%, 99%]; nil with fewer than two such bounds.
    static func logSpread(bounds: [Double], pooled: [Double]) -> Double? {
        let total = pooled.reduce(0, +)
        guard total > 0 else { return nil }
        var points: [(z: Double, y: Double)] = []
        var cumulative = 0.0
        for (i, c) in pooled.enumerated() {
            cumulative += c
            let f = cumulative / total
            guard i < bounds.count, bounds[i].isFinite, bounds[i] > 0, f >= 0.01, f <= 0.99 else { continue }
            points.append((JudgeMath.normalQuantile(f), log(bounds[i])))
        }
        guard points.count >= 2 else { return nil }
        let zMean = points.map(\.z).reduce(0, +) / Double(points.count)
        let yMean = points.map(\.y).reduce(0, +) / Double(points.count)
        var sxy = 0.0, sxx = 0.0
        for p in points {
            sxy += (p.z - zMean) * (p.y - yMean)
            sxx += (p.z - zMean) * (p.z - zMean)
        }
        guard sxx > 0, sxy > 0 else { return nil }
        return sxy / sxx
    }
}
