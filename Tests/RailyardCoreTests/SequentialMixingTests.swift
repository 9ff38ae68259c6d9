import Foundation
import Testing

@testable import RailyardCore
import RailyardSimulation

/// The sequential judge's priors (`SequentialMixing`): what the bench varies to show what another prior
/// would cost. Each must reach its mixture, and a prior far from the effect must only delay a verdict,
/// never make a wrong one.
@Suite("Judge: sequential mixing priors")
struct SequentialMixingTests {
    static let spec = AnalysisSpec(alpha: 0.01, metrics: [
        AnalysisMetricSpec(name: "error-rate", kind: .errorRate),
        AnalysisMetricSpec(name: "latency", kind: .latency, allowedIncrease: 0.1),
        AnalysisMetricSpec(name: "latency-p99", kind: .latency, allowedIncrease: 0.5, quantile: 0.99),
    ])

    /// The fail-side statistics after `looks` looks of 5 s on `model`, and the look of the first fail (nil: none).
    static func run(_ model: CanaryTrafficModel, _ mixing: SequentialMixing, seed: UInt64, looks: Int) -> (statistics: [Double], failedAt: Int?) {
        var simulator = CanaryStreamSimulator(model: model, seed: seed)
        var tracker = SequentialJudge(spec: spec, mixing: mixing).tracker()
        var failedAt: Int?
        for look in 1...looks {
            tracker.observe(simulator.step(seconds: 5))
            if failedAt == nil, tracker.decided == .fail { failedAt = look }
        }
        return (tracker.statistics, failedAt)
    }

    static let bounds = CanaryTrafficModel.demoBounds

    @Test("each prior reaches its own mixture: the ratio's spread the error rate and the tail, the shifts the latency")
    func eachPriorReachesItsMixture() {
        // Errors ×2, latency +30% (tail included): every statistic has something to weigh.
        let model = CanaryTrafficModel(requestsPerSecond: 50, errorRatio: 2, latencyShift: 0.3, bounds: Self.bounds)
        let product = Self.run(model, .product, seed: 7, looks: 40).statistics
        #expect(SequentialJudge(spec: Self.spec).mixing == .product)

        let narrowRatio = Self.run(model, SequentialMixing(ratioSpread: 0.2), seed: 7, looks: 40).statistics
        #expect(abs(narrowRatio[0] - product[0]) > 0.1, "error rate: \(narrowRatio[0]) vs \(product[0])")
        #expect(narrowRatio[1] == product[1], "the latency shift's mixture does not read the ratio's prior")
        #expect(abs(narrowRatio[2] - product[2]) > 0.1, "tail: \(narrowRatio[2]) vs \(product[2])")

        let otherShifts = Self.run(model, SequentialMixing(latencyShifts: 1...3, latencyShiftCount: 3), seed: 7, looks: 40).statistics
        #expect(otherShifts[0] == product[0] && otherShifts[2] == product[2])
        #expect(abs(otherShifts[1] - product[1]) > 0.1, "latency: \(otherShifts[1]) vs \(product[1])")
    }

    @Test("a prior far from the effect delays the verdict and fails no good canary (A/A, 40 analyses)")
    func aPriorFarFromTheEffectOnlyDelays() async {
        // Almost all the ratio's weight near 1: a 4× regression is found later than with the product's prior.
        let far = SequentialMixing(ratioSpread: 0.15, latencyShifts: 0.01...0.02, latencyShiftCount: 2)
        let (productLooks, farLooks) = await OffPool.run { () -> (Int, Int) in
            let regression = CanaryTrafficModel(requestsPerSecond: 20, errorRatio: 4, bounds: Self.bounds)
            var productLooks = 0, farLooks = 0
            for seed in UInt64(1)...10 {
                productLooks += Self.run(regression, .product, seed: seed, looks: 720).failedAt ?? 721
                farLooks += Self.run(regression, far, seed: seed, looks: 720).failedAt ?? 721
            }
            return (productLooks, farLooks)
        }
        #expect(farLooks > productLooks, "far prior: \(farLooks) looks in all, product: \(productLooks)")

        // No prior fails a canary that behaves as the baseline.
        for mixing in [far, SequentialMixing(ratioSpread: 3, latencyShifts: 0.5...5, latencyShiftCount: 4)] {
            let failed = await OffPool.run { () -> [UInt64] in
                let same = CanaryTrafficModel(requestsPerSecond: 20, bounds: Self.bounds)
                return (UInt64(100)..<120).filter { Self.run(same, mixing, seed: $0, looks: 120).failedAt != nil }
            }
            #expect(failed.isEmpty, "A/A failed with \(mixing): seeds \(failed)")
        }
    }
}
