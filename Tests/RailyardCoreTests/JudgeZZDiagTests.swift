import Foundation
import Testing
@testable import RailyardCore

@Suite("JudgeDiag") struct JudgeZZDiagTests {
    @Test func diag() {
        // A/A
        let spec = AnalysisSpec(alpha: 0.01, minSamples: 100, maxDuration: .seconds(300), interval: .seconds(10))
        let model = CanaryTrafficModel(requestsPerSecond: 10, bounds: CanaryTrafficModel.demoBounds)
        var passed = 0, failed = 0, inc = 0
        for run in 0..<1000 {
            var tracker = SequentialJudge(spec: spec).tracker()
            var simulator = CanaryStreamSimulator(model: model, seed: 0xAA00 &+ UInt64(run))
            for _ in 0..<30 { tracker.observe(simulator.step(seconds: 10)); if tracker.decided == .fail { break } }
            switch tracker.judgement(final: true).verdict { case .pass: passed += 1; case .fail: failed += 1; case .inconclusive: inc += 1 }
        }
        print("AA pass \(passed) fail \(failed) inc \(inc)")
        let alpha = 0.05, boundary = log(1 / alpha)
        var ec = 0, lc = 0
        let errorModel = CanaryTrafficModel(requestsPerSecond: 40, baselineErrorRate: 0.05)
        let latencyModel = CanaryTrafficModel(requestsPerSecond: 8, baselineErrorRate: 0, bounds: CanaryTrafficModel.demoBounds)
        for run in 0..<300 {
            var errors = MetricEvidence(kind: .errorRate, allowedIncrease: 0)
            var latency = MetricEvidence(kind: .latency, allowedIncrease: 0)
            var e = CanaryStreamSimulator(model: errorModel, seed: UInt64(run))
            var l = CanaryStreamSimulator(model: latencyModel, seed: UInt64(run) &+ 1_000_000)
            var pe = e.look, pl = l.look
            var ce = false, cl = false
            for _ in 0..<120 {
                let le = e.step(seconds: 5), ll = l.step(seconds: 5)
                errors.add(baseline: IntervalCounts.between(pe.baseline, le.baseline)!, canary: IntervalCounts.between(pe.canary, le.canary)!, pooled: [])
                let pooled = zip(HistogramMath.perBucket(ll.baseline.latencyBuckets).counts, HistogramMath.perBucket(ll.canary.latencyBuckets).counts).map { $0 + $1 }
                latency.add(baseline: IntervalCounts.between(pl.baseline, ll.baseline)!, canary: IntervalCounts.between(pl.canary, ll.canary)!, pooled: pooled)
                pe = le; pl = ll
                ce = ce || errors.failStatistic >= boundary; cl = cl || latency.failStatistic >= boundary
            }
            if ce { ec += 1 }; if cl { lc += 1 }
        }
        print("null crossings err \(ec)/300 lat \(lc)/300")
        let looks = { (m: CanaryTrafficModel, seed: UInt64) -> [AnalysisLook] in var s = CanaryStreamSimulator(model: m, seed: seed); return (0..<60).map { _ in s.step(seconds: 10) } }
        for (name, model, sp) in [("2x", CanaryTrafficModel(requestsPerSecond: 100, errorRatio: 2), AnalysisSpec(alpha: 0.01, metrics: [AnalysisMetricSpec(name: "error-rate", kind: .errorRate)])),
                                  ("+20", CanaryTrafficModel(requestsPerSecond: 10, baselineErrorRate: 0, latencyShift: 0.2, bounds: CanaryTrafficModel.demoBounds), AnalysisSpec(alpha: 0.01, metrics: [AnalysisMetricSpec(name: "latency", kind: .latency)]))] {
            var d = 0
            for run in 0..<100 { if SequentialJudge(spec: sp).judge(looks(model, 0xBAD0 &+ UInt64(run)), final: true).verdict == .fail { d += 1 } }
            print("regression \(name) \(d)/100")
        }
        let j = SequentialJudge(spec: AnalysisSpec(alpha: 0.01, metrics: [AnalysisMetricSpec(name: "error-rate", kind: .errorRate)]))
        var s = CanaryStreamSimulator(model: CanaryTrafficModel(requestsPerSecond: 100, baselineErrorRate: 0.005, errorRatio: 8), seed: 3)
        print(j.judge((0..<24).map { _ in s.step(seconds: 5) }, final: false))
        var s2 = CanaryStreamSimulator(model: CanaryTrafficModel(requestsPerSecond: 20, errorRatio: 1.0, latencyShift: 0.0, bounds: CanaryTrafficModel.demoBounds), seed: 5)
        let l2 = (0..<60).map { _ in s2.step(seconds: 5) }
        print(SequentialJudge(spec: .default).judge(l2, final: false).reason)
        print(SequentialJudge(spec: .default).judge(l2, final: true).reason)
        print(MannWhitneyJudge(spec: AnalysisSpec(judge: .mannWhitney)).judge(l2, final: true).reason)
        print(ThresholdJudge(spec: AnalysisSpec(judge: .threshold)).judge(l2, final: true).reason)
    }
}
