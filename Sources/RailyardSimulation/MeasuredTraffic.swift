import Foundation
import RailyardCore

/// Today's traffic of a service in a target, as `analysis plan` measured it: the router's requests and
/// failures over a window, and the stable version's own counters read at both ends of that window. Each
/// metric of an analysis step is simulated from what that metric reads: the HTTP error rate from the router,
/// a `failed`/`total` pair from the service's counters, a latency metric from the histogram it judges.
public struct MeasuredTraffic: Sendable, Equatable {
    /// Requests a second through the router (all groups), and the share of them that failed.
    public var requestsPerSecond: Double
    public var errorRate: Double
    /// Seconds between the two readings.
    public var window: Double
    /// The stable version's counters at the start and at the end of the window, cumulative since its
    /// instances started; nil when they were not read (`stableUnread` says why).
    public var stableBefore: GroupCounters?
    public var stableAfter: GroupCounters?
    public var stableUnread: String?

    public init(requestsPerSecond: Double, errorRate: Double, window: Double, stableBefore: GroupCounters? = nil,
                stableAfter: GroupCounters? = nil, stableUnread: String? = nil) {
        self.requestsPerSecond = requestsPerSecond
        self.errorRate = errorRate
        self.window = window
        self.stableBefore = stableBefore
        self.stableAfter = stableAfter
        self.stableUnread = stableUnread
    }

    /// What one metric sees from today's whole traffic: its requests a second, the share failed (error
    /// metrics) and the histogram's shape (latency metrics). The plan gives each group its weight's share.
    public struct Stream: Sendable, Equatable {
        public var requestsPerSecond: Double
        public var failedShare: Double
        /// Finite bounds and P(each bucket, the last +Inf); empty for an error metric.
        public var bounds: [Double]
        public var buckets: [Double]

        /// Canary and baseline at `share` of today's traffic each, the canary failing `errorRatio` times as
        /// often and answering `slower` (0.2: 20%) slower.
        public func model(share: Double, errorRatio: Double = 1, slower: Double = 0) -> CanaryTrafficModel {
            var model = CanaryTrafficModel(requestsPerSecond: requestsPerSecond * share, baselineErrorRate: failedShare, errorRatio: errorRatio,
                                           latencyShift: bounds.isEmpty ? 0 : slower, bounds: bounds)
            if !bounds.isEmpty { model.measuredBuckets = buckets }
            return model
        }
    }

    /// The stream `metric` reads, or why it cannot be simulated from what was measured.
    public func stream(for metric: AnalysisMetricSpec) -> Result<Stream, Unpredicted> {
        switch metric.kind {
        case .errorRate:
            guard let failed = metric.failedCounter, let total = metric.totalCounter else {
                return .success(Stream(requestsPerSecond: requestsPerSecond, failedShare: errorRate, bounds: [], buckets: []))
            }
            guard let after = stableAfter, stableBefore != nil else { return .failure(unread) }
            guard let counted = delta({ $0.counters[total] ?? 0 }), let failures = delta({ $0.counters[failed] ?? 0 }) else { return .failure(wentBack) }
            guard counted > 0 else {
                let seen = after.counters[total] == nil ? "the service exposes no \(total) counter" : "\(total) did not move"
                return .failure(Unpredicted(reason: "\(seen) in the \(JudgeText.fixed(window, 0)) s measured: nothing to simulate (a longer --window reads a quieter service)"))
            }
            return .success(Stream(requestsPerSecond: counted / window, failedShare: min(1, failures / counted), bounds: [], buckets: []))
        case .latency:
            guard let after = stableAfter else { return .failure(unread) }
            let histogram = metric.histogram.map { after.histograms[$0] ?? [] } ?? after.latencyBuckets
            let (bounds, counts) = HistogramMath.perBucket(histogram)
            let total = counts.reduce(0, +)
            let shown = metric.histogram ?? "latency"
            guard bounds.count > 1, bounds.last == .infinity, bounds.dropLast().allSatisfy(\.isFinite) else {
                return .failure(Unpredicted(reason: "no \(shown) histogram read from the stable version: nothing to simulate"))
            }
            guard total >= LatencyLayoutCheck.minimumRequests else {
                return .failure(Unpredicted(reason: "the stable version's \(shown) histogram holds \(JudgeText.count(total)) requests, "
                                            + "\(JudgeText.count(LatencyLayoutCheck.minimumRequests)) are needed to see where they fall"))
            }
            // The judge's own rules (`LatencyLayoutCheck`): buckets that could never carry the metric are a
            // config error `validate --traffic` reports; simulating them would only say "never".
            let alone = AnalysisSpec(metrics: [metric])
            switch LatencyLayoutCheck.check(alone, counters: after) {
            case .fine: break
            case .tooFewRequests(let held):
                return .failure(Unpredicted(reason: "the stable version's \(shown) histogram holds \(JudgeText.count(held)) requests, too few to place \(metric.quantile.map { "p\(JudgeText.fixed($0 * 100, 1))" } ?? "its shares") yet"))
            case .problems(let problems):
                return .failure(Unpredicted(reason: "these buckets could never carry it: " + (problems.first?.reason ?? "")))
            }
            // The HTTP histogram counts the router's requests; the service's own counts what it observed.
            var rate = requestsPerSecond
            if let name = metric.histogram {
                guard let observed = delta({ $0.histograms[name]?.last?.count ?? 0 }) else {
                    return .failure(wentBack)
                }
                guard observed > 0 else {
                    return .failure(Unpredicted(reason: "\(name) did not move in the \(JudgeText.fixed(window, 0)) s measured: nothing to simulate "
                                                + "(a longer --window reads a quieter service)"))
                }
                rate = observed / window
            }
            return .success(Stream(requestsPerSecond: rate, failedShare: 0, bounds: Array(bounds.dropLast()), buckets: counts.map { $0 / total }))
        }
    }

    /// Why a metric was left out of the plan's simulation.
    public struct Unpredicted: Error, Sendable, Equatable {
        public var reason: String
        public init(reason: String) { self.reason = reason }
    }

    var unread: Unpredicted { Unpredicted(reason: "the stable version's counters were not read" + (stableUnread.map { ": \($0)" } ?? "")) }
    var wentBack: Unpredicted {
        Unpredicted(reason: "the stable version's counters went back during the \(JudgeText.fixed(window, 0)) s measured (an instance restarted) "
                    + "and its instances were not read apart: measure again")
    }

    /// How much a cumulative counter rose over the window. Read instance by instance where the source reads them
    /// apart, as an analysis counts its looks (`GroupCounters.accumulated`): a restarted instance from zero, the
    /// others from where they were. Summed over the group alone, a sum that went back cannot be told from a
    /// restart: nil.
    func delta(_ read: (GroupCounters) -> Double) -> Double? {
        guard let after = stableAfter, let before = stableBefore else { return nil }
        guard !after.instances.isEmpty, !before.instances.isEmpty else {
            let (end, start) = (read(after), read(before))
            return end >= start ? end - start : nil
        }
        return read(after.accumulated(onto: GroupCounters(instances: before.instances), start: before))
    }
}
