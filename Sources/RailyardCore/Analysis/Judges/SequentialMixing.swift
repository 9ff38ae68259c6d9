import Foundation

/// Where the sequential judge's mixtures put their weight: the prior over the effect each e-process
/// averages. Any prior keeps every guarantee (a mixture of likelihood ratios is still a test martingale);
/// it only decides which effects are found soonest. So does how much latency is pooled before it is
/// compared (`LatencyBatch`). The defaults are the product's; the bench varies them
/// (`railyard-bench judge --ratio-prior-spread`, `--latency-shifts`, `--latency-pool`) to show what another
/// choice would cost (docs/judges.md, "How far from the oracle, and why").
public struct SequentialMixing: Sendable, Equatable {
    /// Spread of the normal prior on log θ of every error-rate ratio sequence (errors, a tail's slow share).
    public var ratioSpread: Double
    /// The latency shifts beyond the tolerance, in standard deviations of log-latency, that the latency
    /// fail-side mixture weighs equally: `latencyShiftCount` of them, log-spaced over the range.
    public var latencyShifts: ClosedRange<Double>
    public var latencyShiftCount: Int
    /// Requests of both groups a pool of the latency shift holds before it is compared (`LatencyBatch`);
    /// 0 compares every interval alone.
    public var latencyPool: Double

    public init(ratioSpread: Double = 1, latencyShifts: ClosedRange<Double> = 0.05...1.5, latencyShiftCount: Int = 20,
                latencyPool: Double = LatencyBatch.requests) {
        self.ratioSpread = ratioSpread
        self.latencyShifts = latencyShifts
        self.latencyShiftCount = latencyShiftCount
        self.latencyPool = latencyPool
    }

    public static let product = SequentialMixing()

    /// The latency fail-side mixture's shifts.
    var latencyFailGrid: [Double] {
        MetricEvidence.logSpaced(max(latencyShifts.lowerBound, 1e-6), max(latencyShifts.upperBound, 1e-6), max(2, latencyShiftCount))
    }
}
