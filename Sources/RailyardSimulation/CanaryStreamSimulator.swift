import Foundation
import RailyardCore

/// xoshiro256** (Blackman & Vigna), seeded through SplitMix64: small, fast and the same on every platform,
/// so the judges' simulations (tests and `railyard-bench judge`) are deterministic.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in (0, 1), 53 random bits.
    public mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) * 0x1p-53 }

    /// A Poisson variate: multiplication for small means, Hörmann's PTRS (transformed rejection) otherwise.
    public mutating func poisson(_ mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        if mean < 10 {
            let limit = exp(-mean)
            var k = 0
            var product = uniform()
            while product > limit {
                k += 1
                product *= uniform()
            }
            return k
        }
        let slam = mean.squareRoot()
        let loglam = log(mean)
        let b = 0.931 + 2.53 * slam
        let a = -0.059 + 0.02483 * b
        let invalpha = 1.1239 + 1.1328 / (b - 3.4)
        let vr = 0.9277 - 3.6224 / (b - 2)
        while true {
            let u = uniform() - 0.5
            let v = uniform()
            let us = 0.5 - abs(u)
            let k = ((2 * a / us + b) * u + mean + 0.43).rounded(.down)
            if us >= 0.07 && v <= vr { return Int(k) }
            if k < 0 || (us < 0.013 && v > us) { continue }
            if log(v) + log(invalpha) - log(a / (us * us) + b) <= -mean + k * loglam - lgamma(k + 1) { return Int(k) }
        }
    }
}

/// The traffic one simulated group (baseline or canary) serves: Poisson arrivals, independent errors, and
/// log-normal latencies observed through a Prometheus histogram. The canary differs by `errorRatio` and a
/// multiplicative `latencyShift`.
public struct CanaryTrafficModel: Sendable, Equatable {
    /// Requests per second to each group.
    public var requestsPerSecond: Double
    public var baselineErrorRate: Double
    /// Canary error rate / baseline error rate (1 = A/A).
    public var errorRatio: Double
    /// Median latency of the baseline, seconds, and the standard deviation of log-latency.
    public var latencyMedian: Double
    public var latencySigma: Double
    /// Canary latency = baseline latency × (1 + latencyShift).
    public var latencyShift: Double
    /// Finite histogram bounds (+Inf is added); empty for no histogram.
    public var bounds: [Double]
    /// One of the canary's two instances (half its traffic) is slower by this much more than the other;
    /// 0 for instances alike.
    public var oddInstanceShift: Double = 0
    /// A share of requests `slowFactor` times slower than the others (cache misses, a second backend): latency
    /// that is not log-normal, but the mixture of two. 0 for one log-normal. The canary's shift scales both.
    public var slowShare: Double = 0
    public var slowFactor: Double = 1
    /// P(latency in each bucket of `bounds`, the last one +Inf) as measured on a live service (`analysis plan`),
    /// in place of the log-normal; the canary's is the same read `latencyShift` slower (`HistogramMath.scaled`).
    public var measuredBuckets: [Double]?

    /// The demo fleet's histogram bounds (PaymentsDemo's MetricsRegistry).
    public static let demoBounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    public init(requestsPerSecond: Double, baselineErrorRate: Double = 0.005, errorRatio: Double = 1,
                latencyMedian: Double = 0.12, latencySigma: Double = 0.5, latencyShift: Double = 0, bounds: [Double] = []) {
        self.requestsPerSecond = requestsPerSecond
        self.baselineErrorRate = baselineErrorRate
        self.errorRatio = errorRatio
        self.latencyMedian = latencyMedian
        self.latencySigma = latencySigma
        self.latencyShift = latencyShift
        self.bounds = bounds
    }

    public func errorRate(canary: Bool) -> Double { min(1, baselineErrorRate * (canary ? errorRatio : 1)) }

    /// P(latency in each bucket), the last one +Inf; [1] without a histogram. With an odd canary
    /// instance, the canary's is the even mixture of its two instances'.
    public func bucketProbabilities(canary: Bool) -> [Double] {
        guard !bounds.isEmpty else { return [1] }
        if let measuredBuckets {
            precondition(measuredBuckets.count == bounds.count + 1 && oddInstanceShift == 0,
                         "a measured histogram has a share for each bound and +Inf, and no instance of its own")
            guard canary, latencyShift != 0 else { return measuredBuckets }
            return HistogramMath.scaled(measuredBuckets, bounds: bounds + [.infinity], by: 1 + latencyShift)
        }
        guard canary, oddInstanceShift != 0 else {
            return bucketProbabilities(median: latencyMedian * (canary ? 1 + latencyShift : 1))
        }
        let even = bucketProbabilities(median: latencyMedian * (1 + latencyShift))
        let odd = bucketProbabilities(median: latencyMedian * (1 + latencyShift) * (1 + oddInstanceShift))
        return zip(even, odd).map { ($0 + $1) / 2 }
    }

    /// P(request in each cell): bucket j's errors at 2j, its successes at 2j + 1.
    public func cells(canary: Bool) -> [Double] {
        let q = errorRate(canary: canary)
        return bucketProbabilities(canary: canary).flatMap { [$0 * q, $0 * (1 - q)] }
    }

    /// The cells of one instance: the canary's odd one (`oddInstanceShift` slower still) or any other, whose
    /// even mixture is `cells(canary:)`.
    public func cells(canary: Bool, odd: Bool) -> [Double] {
        guard canary, oddInstanceShift != 0, bounds.isEmpty == false, measuredBuckets == nil else { return cells(canary: canary) }
        let q = errorRate(canary: true)
        let median = latencyMedian * (1 + latencyShift) * (odd ? 1 + oddInstanceShift : 1)
        return bucketProbabilities(median: median).flatMap { [$0 * q, $0 * (1 - q)] }
    }

    func bucketProbabilities(median: Double) -> [Double] {
        guard slowShare > 0 else { return logNormalBuckets(median: median) }
        let fast = logNormalBuckets(median: median), slow = logNormalBuckets(median: median * slowFactor)
        return zip(fast, slow).map { (1 - slowShare) * $0 + slowShare * $1 }
    }

    func logNormalBuckets(median: Double) -> [Double] {
        var previous = 0.0
        var out: [Double] = []
        for bound in bounds {
            let cdf = 0.5 * erfc(-((log(bound) - log(median)) / latencySigma) / 2.0.squareRoot())  // normal CDF
            out.append(max(0, cdf - previous))
            previous = cdf
        }
        out.append(max(0, 1 - previous))
        return out
    }
}

/// Simulates an analysis: both groups' cumulative counters, one look after another. With
/// `instancesPerGroup`, each group is that many instances sharing its traffic evenly, read apart as the
/// product's sources read them (`GroupCounters.instances`, latency at the group's bounds); the canary's
/// first instance is the odd one when the model has one.
public struct CanaryStreamSimulator: Sendable {
    public private(set) var model: CanaryTrafficModel
    private var random: Xoshiro256StarStar
    private var baselineCells: [Double]
    private var canaryCells: [Double]
    public private(set) var look: AnalysisLook
    private var baselineCounts: [Double]
    private var canaryCounts: [Double]
    /// Requests served so far in each cell (`CanaryTrafficModel.cells`), per group.
    public private(set) var baselineCellCounts: [Double]
    public private(set) var canaryCellCounts: [Double]

    /// Requests a second the stable group serves, as the baseline does (`stable_as_control`); 0: no stable group in the looks.
    public let stableRequestsPerSecond: Double
    private var stableCounts: [Double]
    private var stableCellCounts: [Double]
    /// 0: the groups are read as sums (a source that cannot tell instances apart, or one instance a group). With an
    /// odd instance, `CanaryTrafficModel.cells(canary:)` (the oracle's) assumes it is one of two.
    public let instancesPerGroup: Int
    private var instanceCells: (baseline: [Double], canaryOdd: [Double], canaryEven: [Double])
    /// Each instance's cumulative counts per latency bucket, by group then instance.
    private var instanceBucketCounts: (baseline: [[Double]], canary: [[Double]])

    public init(model: CanaryTrafficModel, seed: UInt64, stableRequestsPerSecond: Double = 0, instancesPerGroup: Int = 0) {
        self.model = model
        // One instance is the group itself: read as a sum (and never the odd one alone).
        self.instancesPerGroup = instancesPerGroup > 1 ? instancesPerGroup : 0
        instanceCells = (model.cells(canary: false), model.cells(canary: true, odd: true), model.cells(canary: true, odd: false))
        random = Xoshiro256StarStar(seed: seed)
        baselineCells = model.cells(canary: false)
        canaryCells = model.cells(canary: true)
        baselineCellCounts = Array(repeating: 0, count: baselineCells.count)
        canaryCellCounts = baselineCellCounts
        stableCellCounts = baselineCellCounts
        let histogram = model.bounds.isEmpty ? [] : (model.bounds + [.infinity]).map { LatencyBucket(le: $0, count: 0) }
        self.stableRequestsPerSecond = max(0, stableRequestsPerSecond)
        look = AnalysisLook(elapsed: 0, baseline: GroupCounters(latencyBuckets: histogram), canary: GroupCounters(latencyBuckets: histogram),
                            stable: stableRequestsPerSecond > 0 ? GroupCounters(latencyBuckets: histogram) : nil)
        baselineCounts = Array(repeating: 0, count: baselineCells.count / 2)
        canaryCounts = baselineCounts
        stableCounts = baselineCounts
        let perInstance = Array(repeating: baselineCounts, count: self.instancesPerGroup)
        instanceBucketCounts = (perInstance, perInstance)
        if self.instancesPerGroup > 0 {
            let latency = model.bounds.isEmpty ? [] : baselineCounts
            for i in 0..<self.instancesPerGroup {
                look.baseline.instances[Self.name(canary: false, i)] = InstanceCounters(latency: latency)
                look.canary.instances[Self.name(canary: true, i)] = InstanceCounters(latency: latency)
            }
        }
    }

    /// "canary-1", "baseline-2": the canary's first is the odd one.
    public static func name(canary: Bool, _ index: Int) -> String { "\(canary ? "canary" : "baseline")-\(index + 1)" }

    /// From now on the canary serves as `canary`'s canary does (a regression that starts late); the
    /// baseline and the histogram stay as they were.
    public mutating func changeCanary(to canary: CanaryTrafficModel) {
        precondition(canary.bounds == model.bounds, "a canary cannot change its histogram mid-analysis")
        model = canary
        canaryCells = canary.cells(canary: true)
        instanceCells.canaryOdd = canary.cells(canary: true, odd: true)
        instanceCells.canaryEven = canary.cells(canary: true, odd: false)
    }

    /// From now on both groups serve as `model` says (the whole fleet slows down or speeds up, not the
    /// version): what an exact test must not take for a difference between them. Not for instances read apart.
    public mutating func changeTraffic(to model: CanaryTrafficModel) {
        precondition(model.bounds == self.model.bounds && instancesPerGroup == 0, "the histogram stays, and the groups are read as sums")
        self.model = model
        baselineCells = model.cells(canary: false)
        canaryCells = model.cells(canary: true)
    }

    /// Advances the clock by `seconds` and returns the new look (cumulative counters).
    public mutating func step(seconds: Double) -> AnalysisLook {
        let expected = model.requestsPerSecond * seconds
        if instancesPerGroup > 0 {
            // Each instance its own Poisson share: their sums are the group's Poisson traffic, as unsplit.
            let share = expected / Double(instancesPerGroup)
            for i in 0..<instancesPerGroup {
                advance(canary: false, instance: i, cells: instanceCells.baseline, expected: share)
                advance(canary: true, instance: i, cells: i == 0 ? instanceCells.canaryOdd : instanceCells.canaryEven, expected: share)
            }
        } else {
            Self.advance(&look.baseline, &baselineCounts, &baselineCellCounts, cells: baselineCells, expected: expected, random: &random)
            Self.advance(&look.canary, &canaryCounts, &canaryCellCounts, cells: canaryCells, expected: expected, random: &random)
        }
        if var stable = look.stable {
            Self.advance(&stable, &stableCounts, &stableCellCounts, cells: baselineCells, expected: stableRequestsPerSecond * seconds, random: &random)
            look.stable = stable
        }
        look.elapsed += seconds
        return look
    }

    /// One instance's requests over a step, added to its own counters and to its group's.
    private mutating func advance(canary: Bool, instance i: Int, cells: [Double], expected: Double) {
        let name = Self.name(canary: canary, i)
        var own = (canary ? look.canary : look.baseline).instances[name] ?? InstanceCounters()
        var buckets = canary ? instanceBucketCounts.canary[i] : instanceBucketCounts.baseline[i]
        var added = GroupCounters()
        var addedCells = Array(repeating: 0.0, count: cells.count)
        Self.advance(&added, &buckets, &addedCells, cells: cells, expected: expected, random: &random)
        own.requests += added.requests
        own.errors += added.errors
        if !own.latency.isEmpty {
            var cumulative = 0.0
            own.latency = buckets.map { cumulative += $0; return cumulative }
        }
        if canary {
            instanceBucketCounts.canary[i] = buckets
            Self.merge(added, addedCells, into: &look.canary, &canaryCounts, &canaryCellCounts)
            look.canary.instances[name] = own
        } else {
            instanceBucketCounts.baseline[i] = buckets
            Self.merge(added, addedCells, into: &look.baseline, &baselineCounts, &baselineCellCounts)
            look.baseline.instances[name] = own
        }
    }

    /// Adds one instance's step to its group: `added` its requests and errors, `addedCells` the same per cell.
    private static func merge(_ added: GroupCounters, _ addedCells: [Double], into group: inout GroupCounters, _ counts: inout [Double],
                              _ cellCounts: inout [Double]) {
        group.requests += added.requests
        group.errors += added.errors
        for j in cellCounts.indices { cellCounts[j] += addedCells[j] }
        var cumulative = 0.0
        for j in counts.indices {
            counts[j] += addedCells[2 * j] + addedCells[2 * j + 1]
            cumulative += counts[j]
            if !group.latencyBuckets.isEmpty { group.latencyBuckets[j].count = cumulative }
        }
    }

    private static func advance(_ group: inout GroupCounters, _ counts: inout [Double], _ cellCounts: inout [Double], cells: [Double],
                                expected: Double, random: inout Xoshiro256StarStar) {
        var cumulative = 0.0
        for j in 0..<(cells.count / 2) {
            let errors = Double(random.poisson(expected * cells[2 * j]))
            let ok = Double(random.poisson(expected * cells[2 * j + 1]))
            cellCounts[2 * j] += errors
            cellCounts[2 * j + 1] += ok
            group.errors += errors
            group.requests += errors + ok
            counts[j] += errors + ok
            cumulative += counts[j]
            if !group.latencyBuckets.isEmpty { group.latencyBuckets[j].count = cumulative }
        }
    }
}
