/// What one interval between two consecutive looks holds for one group: the difference of the
/// cumulative counters. A counter that went down (an instance restarted) makes the interval unusable.
struct IntervalCounts: Sendable, Equatable {
    var requests: Double
    var errors: Double
    /// Per-bucket (not cumulative) counts, aligned with `bounds`; empty when the group has no histogram.
    var buckets: [Double]
    var bounds: [Double]

    var errorRate: Double { requests > 0 ? errors / requests : .nan }

    /// The difference `later - earlier`, or nil if a counter went backwards or the histograms disagree.
    static func between(_ earlier: GroupCounters, _ later: GroupCounters) -> IntervalCounts? {
        let requests = later.requests - earlier.requests
        let errors = later.errors - earlier.errors
        guard requests >= 0, errors >= 0 else { return nil }
        var bounds: [Double] = []
        var buckets: [Double] = []
        let hasBefore = !earlier.latencyBuckets.isEmpty
        if !later.latencyBuckets.isEmpty {
            if hasBefore && earlier.latencyBuckets.map(\.le) != later.latencyBuckets.map(\.le) { return nil }
            var previousLater = 0.0, previousEarlier = 0.0
            for (i, bucket) in later.latencyBuckets.enumerated() {
                let before = hasBefore ? earlier.latencyBuckets[i].count : 0
                let count = (bucket.count - previousLater) - (before - previousEarlier)
                guard count >= -1e-9 else { return nil }
                bounds.append(bucket.le)
                buckets.append(max(0, count))
                previousLater = bucket.count
                previousEarlier = before
            }
        }
        return IntervalCounts(requests: requests, errors: min(errors, requests), buckets: buckets, bounds: bounds)
    }

    /// Requests, errors and the service's own counters over one interval, instance by instance: nil unless
    /// both readings tell instances apart. An instance whose counters went back restarted, and what it counts
    /// now it served since (as Prometheus's `increase()` reads a reset); one not read before started since
    /// and counts whole. Either is a restart.
    static func increase(_ earlier: GroupCounters, _ later: GroupCounters) -> Increase? {
        increases(earlier, later).map(Increase.init(summing:))
    }

    /// `increase`, instance by instance (by address).
    static func increases(_ earlier: GroupCounters, _ later: GroupCounters) -> [String: Increase]? {
        guard !earlier.instances.isEmpty, !later.instances.isEmpty else { return nil }
        var each: [String: Increase] = [:]
        for (address, now) in later.instances {
            var before = earlier.instances[address] ?? InstanceCounters()
            var one = Increase()
            if earlier.instances[address] == nil || now.wentBack(from: before) {
                one.restarts = 1
                before = InstanceCounters()
            }
            one.requests = now.requests - before.requests
            one.errors = now.errors - before.errors
            for (name, value) in now.counters { one.counters[name] = value - (before.counters[name] ?? 0) }
            // Latency over an interval with a restart is lost with the histogram (the group's too).
            if one.restarts == 0, !now.latency.isEmpty, now.latency.count == before.latency.count {
                var previous = 0.0
                one.latency = zip(now.latency, before.latency).map { after, earlier in
                    let cumulative = after - earlier
                    defer { previous = cumulative }
                    return max(0, cumulative - previous)
                }
            }
            each[address] = one
        }
        return each
    }

    /// What `increase` finds over one interval.
    struct Increase: Sendable, Equatable {
        var requests = 0.0
        var errors = 0.0
        var counters: [String: Double] = [:]
        /// Instances that restarted in the interval: their counters went back, or they were not there before.
        var restarts = 0
        /// Requests per latency bucket over the interval (not cumulative), at the group's bounds; nil when
        /// the instance's histogram was not read or it restarted.
        var latency: [Double]?

        init(requests: Double = 0, errors: Double = 0, counters: [String: Double] = [:], restarts: Int = 0) {
            (self.requests, self.errors, self.counters, self.restarts) = (requests, errors, counters, restarts)
        }

        /// The group's: its instances' summed.
        init(summing each: [String: Increase]) {
            for one in each.values {
                requests += one.requests
                errors += one.errors
                counters.merge(one.counters, uniquingKeysWith: +)
                restarts += one.restarts
            }
        }

        /// As an error rate counts it (5xx over requests, or `metric`'s own failed and total counters): each
        /// restart one more failed attempt (what it had in flight, and why it restarted, no counter of its
        /// own can say).
        func errorCounts(for metric: AnalysisMetricSpec? = nil) -> IntervalCounts {
            var failed = errors, total = requests
            if let failedName = metric?.failedCounter, let totalName = metric?.totalCounter {
                (failed, total) = (counters[failedName] ?? 0, counters[totalName] ?? 0)
            }
            return IntervalCounts(requests: total + Double(restarts), errors: min(failed, total) + Double(restarts), buckets: [], bounds: [])
        }
    }

    /// All intervals of an analysis: the first from zero to the first look, then between looks.
    /// Each pair is (look index, baseline interval, canary interval); unusable intervals are left out.
    static func of(_ looks: [AnalysisLook]) -> [(look: Int, baseline: IntervalCounts, canary: IntervalCounts)] {
        var out: [(Int, IntervalCounts, IntervalCounts)] = []
        var previous = AnalysisLook(elapsed: 0, baseline: .zero, canary: .zero)
        for (i, look) in looks.enumerated() {
            if let b = between(previous.baseline, look.baseline), let c = between(previous.canary, look.canary) {
                out.append((i, b, c))
            }
            previous = look
        }
        return out
    }
}

/// Latency figures read from a histogram the way Prometheus reads them.
public enum HistogramMath {
    /// `histogram_quantile`: linear interpolation inside the bucket holding the q-quantile; the lower
    /// edge of the first bucket is 0; a quantile in the +Inf bucket is the largest finite bound.
    /// `counts` are per bucket (not cumulative). NaN when the histogram is empty.
    static func quantile(_ q: Double, bounds: [Double], counts: [Double]) -> Double {
        let total = counts.reduce(0, +)
        guard total > 0, bounds.count == counts.count, !bounds.isEmpty else { return .nan }
        let rank = q * total
        var cumulative = 0.0
        for (i, count) in counts.enumerated() {
            if cumulative + count >= rank && count > 0 {
                let upper = bounds[i]
                let lower = i == 0 ? 0 : bounds[i - 1]
                if !upper.isFinite { return lower }
                if i == 0 && upper <= 0 { return upper }
                return lower + (upper - lower) * (rank - cumulative) / count
            }
            cumulative += count
        }
        return bounds.last(where: { $0.isFinite }) ?? .nan
    }

    /// The mean latency estimated from bucket midpoints (the +Inf bucket counts at the largest finite bound).
    public static func mean(bounds: [Double], counts: [Double]) -> Double {
        let total = counts.reduce(0, +)
        guard total > 0, bounds.count == counts.count else { return .nan }
        var sum = 0.0
        for (i, count) in counts.enumerated() where count > 0 {
            let lower = i == 0 ? 0 : bounds[i - 1]
            let upper = bounds[i]
            sum += count * (upper.isFinite ? (lower + upper) / 2 : lower)
        }
        return sum / total
    }

    /// Bucket probabilities of `p` (under `bounds`, the last +Inf) with every latency `factor` times longer,
    /// read inside the buckets as the latency tolerance is (`ToleratedShift.scaled`, the straight reading).
    public static func scaled(_ p: [Double], bounds: [Double], by factor: Double) -> [Double] {
        ToleratedShift.scaled(p, bounds: bounds, by: factor)
    }

    /// Per-bucket counts from cumulative buckets.
    public static func perBucket(_ cumulative: [LatencyBucket]) -> (bounds: [Double], counts: [Double]) {
        var previous = 0.0
        var counts: [Double] = []
        for bucket in cumulative {
            counts.append(max(0, bucket.count - previous))
            previous = bucket.count
        }
        return (cumulative.map(\.le), counts)
    }
}
