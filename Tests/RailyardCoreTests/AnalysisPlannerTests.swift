import Foundation
import Testing

@testable import RailyardCore
import RailyardSimulation

/// `analysis plan`'s predictions: the product's judge on simulated analyses at a measured traffic,
/// checked against analyses simulated apart, and the steps and warnings it reads off railyard.yml.
@Suite("Analysis plan: how long an analysis needs at today's traffic")
struct AnalysisPlannerTests {
    static let errorsOnly = [AnalysisMetricSpec(name: "error-rate", kind: .errorRate, allowedIncrease: 0.5, acceptableRate: 0.001)]

    @Test("with no error at all, every good canary passes once its own rate is shown under the acceptable rate")
    func zeroErrors() throws {
        var metric = Self.errorsOnly[0]
        metric.acceptableRate = 0.02
        let spec = AnalysisSpec(maxDuration: .seconds(60), interval: .seconds(1), metrics: [metric])
        let prediction = try #require(AnalysisPlanner.predict(spec: spec, requestsPerSecondPerGroup: 10, baselineErrorRate: 0, runs: 20))
        // 0.5% per sequence (α 0.01 over its two): about 300 requests without an error show "under 2%" (the
        // fixed-sample exact bound needs 263); at 10 a second, half a minute, give or take the Poisson arrivals.
        let pass = try #require(prediction.passWithin)
        #expect(pass >= 26 && pass <= 36, "\(pass)")
        #expect(prediction.catchWithin == nil, "twice no error is no error: nothing to catch")
    }

    @Test("the predicted durations match analyses simulated apart within 20%, at 0.5% errors and 400 requests a second")
    func matchesAnIndependentSimulation() async throws {
        let spec = AnalysisSpec(maxDuration: .seconds(600), interval: .seconds(5), metrics: Self.errorsOnly)
        let (prediction, measuredPass, measuredCatch) = await OffPool.run { () -> (AnalysisPlanner.Prediction?, Double, Double) in
            let prediction = AnalysisPlanner.predict(spec: spec, requestsPerSecondPerGroup: 400, baselineErrorRate: 0.005, runs: 200)
            func ninetieth(_ ratio: Double, _ want: VerdictKind) -> Double {
                var times: [Double] = []
                for run in 0..<200 {
                    var simulator = CanaryStreamSimulator(model: CanaryTrafficModel(requestsPerSecond: 400, baselineErrorRate: 0.005, errorRatio: ratio),
                                                          seed: 0x5EED_0000 &+ UInt64(run))
                    var tracker = SequentialJudge(spec: spec).tracker()
                    var at = Double.infinity
                    while simulator.look.elapsed < 14_400 {
                        tracker.observe(simulator.step(seconds: 5))
                        if let verdict = tracker.decided { if verdict == want { at = simulator.look.elapsed }; break }
                    }
                    times.append(at)
                }
                return times.sorted()[179]
            }
            return (prediction, ninetieth(1, .pass), ninetieth(2, .fail))
        }
        let predicted = try #require(prediction)
        let pass = try #require(predicted.passWithin), caught = try #require(predicted.catchWithin)
        print("at 400 req/s a group, 0.5% errors: pass predicted \(pass) s, measured \(measuredPass) s; 2× caught predicted \(caught) s, measured \(measuredCatch) s")
        #expect(abs(pass - measuredPass) <= 0.2 * measuredPass, "pass: predicted \(pass) s, measured \(measuredPass) s")
        #expect(abs(caught - measuredCatch) <= 0.2 * measuredCatch, "2×: predicted \(caught) s, measured \(measuredCatch) s")
    }

    @Test("stable_as_control: the stable group's traffic shortens the predicted pass, and the prediction matches analyses simulated apart within 20%")
    func stableAsControl() async throws {
        // A 5% canary: canary and baseline 100 requests a second each, the stable group 1,800.
        let metrics = [AnalysisMetricSpec(name: "error-rate", kind: .errorRate, allowedIncrease: 0.5)]
        let with = AnalysisSpec(maxDuration: .seconds(600), interval: .seconds(5), metrics: metrics, stableAsControl: true)
        let without = AnalysisSpec(maxDuration: .seconds(600), interval: .seconds(5), metrics: metrics)
        let (stable, alone, measured) = await OffPool.run { () -> (AnalysisPlanner.Prediction?, AnalysisPlanner.Prediction?, Double) in
            let stable = AnalysisPlanner.predict(spec: with, requestsPerSecondPerGroup: 100, baselineErrorRate: 0.005, stableRequestsPerSecond: 1_800, runs: 200)
            let alone = AnalysisPlanner.predict(spec: without, requestsPerSecondPerGroup: 100, baselineErrorRate: 0.005, stableRequestsPerSecond: 1_800, runs: 200)
            // Apart: fixed counts a look and binomial errors (`StableControlTests.looks`), not the planner's Poisson stream.
            var times: [Double] = []
            for run in 0..<200 {
                let looks = StableControlTests.looks(canaryRate: 0.005, controlRate: 0.005, requests: 500, stableShare: 18, count: 2_000, seed: 0xA9A7 &+ UInt64(run))
                var tracker = SequentialJudge(spec: with).tracker()
                var at = Double.infinity
                for (index, look) in looks.enumerated() {
                    tracker.observe(look)
                    // 500 requests a look at 100 a second: a look every 5 s.
                    if let verdict = tracker.decided { if verdict == .pass { at = Double(index + 1) * 5 }; break }
                }
                times.append(at)
            }
            return (stable, alone, times.sorted()[179])
        }
        let withStable = try #require(stable?.passWithin), withoutStable = try #require(alone?.passWithin)
        print("a 5% canary at 100 req/s a group, stable 1,800 req/s: pass predicted \(withStable) s with stable as control, \(withoutStable) s without; measured apart \(measured) s")
        #expect(stable?.stableRequestsPerSecond == 1_800 && alone?.stableRequestsPerSecond == nil, "only a spec that asks counts the stable group")
        #expect(withStable < 0.7 * withoutStable, "with \(withStable) s, without \(withoutStable) s")
        #expect(abs(withStable - measured) <= 0.2 * measured, "predicted \(withStable) s, measured \(measured) s")
    }

    @Test("each analysis step of the target at its weight; warnings for too short a watch, no weight, no traffic")
    func stepsAndWarnings() throws {
        let config = try ConfigLoader.parse("""
            services:
              payin:
                kind: microservice
                command: ./payin --port {port}
                version: v1
                instances: { dc1: 1, dc2: 1 }
            environments:
              - name: production
                datacenters: [dc1, dc2]
            deployment:
              waves:
                - name: canary
                  target: dc1
                  steps:
                    - deploy
                    - setWeight: 10
                    - setWeight: 25
                    - analysis: { interval: 1s, max_duration: 20s, metrics: [{ name: e, kind: error_rate, acceptable_rate: 0.02 }] }
                    - analysis: { interval: 1s, max_duration: 5s, metrics: [{ name: e, kind: error_rate, acceptable_rate: 0.02 }] }
                    - promote
                - name: dc2
                  target: dc2
                  steps: [deploy, analysis, promote]
            """, file: "r.yml", baseDirectory: "/")
        // 80 requests a second through dc1: 20 a group at 25%, ~15 s to show under 2%.
        let plans = AnalysisPlanner.plan(config.deployment, target: "dc1", totalRate: 80, errorRate: 0, runs: 20)
        #expect(plans.map(\.weight) == [25, 25] && plans.map(\.wave) == ["canary", "canary"])
        #expect(plans[0].warning == nil, "\(plans[0].warning ?? "")")
        #expect(plans[1].warning?.hasPrefix("max_duration 5s cannot be enough at today's traffic: a good version needs ") == true, "\(plans[1].warning ?? "")")
        let dc2 = AnalysisPlanner.plan(config.deployment, target: "dc2", totalRate: 80, errorRate: 0, runs: 20)
        #expect(dc2.first?.warning == "the analysis runs at 0% canary weight (no setWeight before it in wave 'dc2'): it sees no traffic")
        let quiet = AnalysisPlanner.plan(config.deployment, target: "dc1", totalRate: 0, errorRate: 0, runs: 20)
        #expect(quiet.allSatisfy { $0.warning == "no traffic measured: an analysis cannot pass at today's traffic" && $0.prediction == nil })
    }
}
