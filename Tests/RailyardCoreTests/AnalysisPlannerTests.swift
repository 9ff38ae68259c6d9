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

    /// A histogram the stable version served: `seconds` of the log-normal at `rate`, read as the plan reads it.
    static func servedHistogram(rate: Double, seconds: Double, seed: UInt64) -> GroupCounters {
        var simulator = CanaryStreamSimulator(model: CanaryTrafficModel(requestsPerSecond: rate, baselineErrorRate: 0, bounds: CanaryTrafficModel.demoBounds),
                                              seed: seed)
        return simulator.step(seconds: seconds).baseline
    }

    @Test("a latency metric is simulated from the stable version's histogram, and the slowest metric sets the pass: matches whole analyses simulated apart within 20%")
    func latencyFromTheMeasuredHistogram() async throws {
        // No error at all: the error rate passes in seconds (its own rate under 2%); a +5% latency tolerance takes minutes.
        let metrics = [AnalysisMetricSpec(name: "error-rate", kind: .errorRate, allowedIncrease: 0.5, acceptableRate: 0.02),
                       AnalysisMetricSpec(name: "latency", kind: .latency, allowedIncrease: 0.05),
                       AnalysisMetricSpec(name: "p90", kind: .latency, allowedIncrease: AnalysisMetricSpec.tailAllowance, quantile: 0.9)]
        let spec = AnalysisSpec(maxDuration: .seconds(600), interval: .seconds(5), metrics: metrics)
        // Today: 100 requests a second through the router, the stable version's histogram after 5 minutes of them.
        let traffic = MeasuredTraffic(requestsPerSecond: 100, errorRate: 0, window: 10, stableAfter: Self.servedHistogram(rate: 100, seconds: 300, seed: 7))
        let (prediction, routerOnly, measured, measuredSlower) = await OffPool.run { () -> (AnalysisPlanner.Prediction?, AnalysisPlanner.Prediction?, Double, Double) in
            let prediction = AnalysisPlanner.predict(spec: spec, traffic: traffic, groupShare: 0.5, runs: 200)
            let routerOnly = AnalysisPlanner.predict(spec: spec, requestsPerSecondPerGroup: 50, baselineErrorRate: 0, runs: 200)
            // Apart: both metrics in one tracker on one stream, the log-normal itself rather than its histogram.
            func ninetieth(shift: Double, _ want: VerdictKind) -> Double {
                var times: [Double] = []
                for run in 0..<200 {
                    let model = CanaryTrafficModel(requestsPerSecond: 50, baselineErrorRate: 0, latencyShift: shift, bounds: CanaryTrafficModel.demoBounds)
                    var simulator = CanaryStreamSimulator(model: model, seed: 0xB0B0_0000 &+ UInt64(run))
                    var tracker = SequentialJudge(spec: spec).tracker()
                    var at = Double.infinity
                    while simulator.look.elapsed < 2_400 {
                        tracker.observe(simulator.step(seconds: 5))
                        if let verdict = tracker.decided { if verdict == want { at = simulator.look.elapsed }; break }
                    }
                    times.append(at)
                }
                return AnalysisPlanner.quantile(times) ?? .infinity
            }
            return (prediction, routerOnly, ninetieth(shift: 0, .pass), ninetieth(shift: 0.1, .fail))
        }
        let predicted = try #require(prediction)
        let pass = try #require(predicted.passWithin)
        let errors = try #require(predicted.metrics[0].passWithin), latency = try #require(predicted.metrics[1].passWithin)
        let tail = try #require(predicted.metrics[2].passWithin)
        print("50 req/s a group, no errors, latency +5%, p90: pass predicted \(pass) s (error rate \(errors) s, latency \(latency) s, p90 \(tail) s), "
              + "measured apart \(measured) s; from the router alone \(routerOnly?.passWithin ?? -1) s")
        #expect(predicted.metrics.map(\.metric) == ["error-rate", "latency", "p90"] && predicted.unpredicted.isEmpty)
        #expect(predicted.metrics[1].requestsPerSecondPerGroup == 50 && predicted.metrics[2].requestsPerSecondPerGroup == 50)
        #expect(latency > 4 * errors, "the latency keeps a good version waiting: \(latency) s against \(errors) s")
        #expect(pass >= max(latency, tail), "the analysis passes once its last metric has")
        #expect(abs(pass - measured) <= 0.2 * measured, "predicted \(pass) s, measured \(measured) s")
        // A version twice the tolerated +5% slower: the histogram read 10% slower against a log-normal 10% slower.
        let slower = try #require(predicted.slowerCaughtWithin)
        print("a version 10% slower: caught predicted \(slower) s, measured apart \(measuredSlower) s")
        #expect(predicted.slowerBy == 0.1 && predicted.metrics[0].slowerCaughtWithin == nil)
        #expect(slower <= predicted.metrics[1].slowerCaughtWithin ?? .infinity, "caught by whichever latency metric fails first")
        #expect(abs(slower - measuredSlower) <= 0.2 * measuredSlower, "predicted \(slower) s, measured \(measuredSlower) s")
        // From the router alone the latency is left out, with the reason, and the pass is the error rate's: far too soon.
        #expect(routerOnly?.metrics[1].unpredicted == "the stable version's counters were not read: only the router was measured")
        #expect((routerOnly?.passWithin ?? .infinity) < 0.5 * measured)
    }

    @Test("a failed/total metric runs at its own counters' rate and failure share; a counter that did not move leaves it out, with the reason")
    func namedCountersAtTheirOwnRate() async throws {
        let payments = AnalysisMetricSpec(name: "payments", kind: .errorRate, allowedIncrease: 0.5, acceptableRate: 0.001,
                                          failedCounter: "payins_failed_total", totalCounter: "payins_total")
        let spec = AnalysisSpec(maxDuration: .seconds(600), interval: .seconds(5), metrics: [payments])
        // 400 HTTP requests a second with no 5xx; 200 pay-ins a second of which 1% fail (declined, not errors to HTTP).
        let before = GroupCounters(counters: ["payins_total": 10_000, "payins_failed_total": 100])
        let after = GroupCounters(counters: ["payins_total": 12_000, "payins_failed_total": 120])
        let traffic = MeasuredTraffic(requestsPerSecond: 400, errorRate: 0, window: 10, stableBefore: before, stableAfter: after)
        let stream = try traffic.stream(for: payments).get()
        #expect(stream.requestsPerSecond == 200 && abs(stream.failedShare - 0.01) < 1e-12, "\(stream)")
        let prediction = await OffPool.run { AnalysisPlanner.predict(spec: spec, traffic: traffic, groupShare: 0.5, runs: 100) }
        let metric = try #require(prediction?.metrics.first)
        #expect(metric.requestsPerSecondPerGroup == 100, "half of the pay-ins each, not of the HTTP requests")
        #expect(metric.catchWithin != nil && prediction?.catchWithin == metric.catchWithin,
                "1% of pay-ins fail, so twice as many can be caught, although no HTTP request failed: \(String(describing: prediction))")
        // Two instances a group, read apart as the sources read them: each instance's own counters carry the metric,
        // and the others need show a fail only at 90%, so it is caught about as soon.
        let apart = await OffPool.run { AnalysisPlanner.predict(spec: spec, traffic: traffic, groupShare: 0.5, runs: 100, instancesPerGroup: 2) }
        #expect(apart?.instancesPerGroup == 2 && prediction?.instancesPerGroup == nil)
        let caughtApart = try #require(apart?.catchWithin), caughtWhole = try #require(metric.catchWithin)
        #expect(caughtApart <= 1.3 * caughtWhole, "two instances a group: caught within \(caughtApart) s, against \(caughtWhole) s as one")

        // An instance restarted in the window: read apart, it counts from zero and the others from where they were.
        let two = { (a: Double, b: Double) in
            GroupCounters(counters: ["payins_total": a + b], instances: ["10.0.0.1:80": InstanceCounters(counters: ["payins_total": a, "payins_failed_total": 0]),
                                                                         "10.0.0.2:80": InstanceCounters(counters: ["payins_total": b, "payins_failed_total": 0])])
        }
        let restarted = MeasuredTraffic(requestsPerSecond: 400, errorRate: 0, window: 10, stableBefore: two(5_000, 5_000), stableAfter: two(6_000, 500))
        #expect(try restarted.stream(for: payments).get().requestsPerSecond == 150, "1,000 + 500 in 10 s")
        // Summed over the group alone, a sum that went back cannot be told apart: measured again, never 500 taken for the window's.
        let summed = MeasuredTraffic(requestsPerSecond: 400, errorRate: 0, window: 10, stableBefore: before,
                                     stableAfter: GroupCounters(counters: ["payins_total": 500, "payins_failed_total": 10]))
        #expect(summed.stream(for: payments) == .failure(.init(reason: "the stable version's counters went back during the 10 s measured (an instance restarted) "
                                                                  + "and its instances were not read apart: measure again")))
        // Read at one end only: a cumulative counter's whole history is not a window's.
        let oneEnd = MeasuredTraffic(requestsPerSecond: 400, errorRate: 0, window: 10, stableAfter: after, stableUnread: "at the start of the window: refused")
        #expect(oneEnd.stream(for: payments) == .failure(.init(reason: "the stable version's counters were not read: at the start of the window: refused")))

        let still = MeasuredTraffic(requestsPerSecond: 400, errorRate: 0, window: 10, stableBefore: before, stableAfter: before)
        #expect(still.stream(for: payments) == .failure(.init(reason: "payins_total did not move in the 10 s measured: nothing to simulate (a longer --window reads a quieter service)")))
        let absent = MeasuredTraffic(requestsPerSecond: 400, errorRate: 0, window: 10, stableBefore: GroupCounters(), stableAfter: GroupCounters())
        #expect(absent.stream(for: payments) == .failure(.init(reason: "the service exposes no payins_total counter in the 10 s measured: nothing to simulate (a longer --window reads a quieter service)")))
        // A step with no metric to simulate is said so, and is not taken for one too short.
        let config = try Self.oneStep("{ interval: 5s, max_duration: 10m, metrics: [{ name: payments, kind: error_rate, failed: payins_failed_total, total: payins_total }] }")
        #expect(AnalysisPlanner.namesRead(config.deployment, target: "dc1") == (counters: ["payins_failed_total", "payins_total"], histograms: []))
        let plans = AnalysisPlanner.plan(config.deployment, target: "dc1", traffic: still, runs: 20)
        #expect(plans.first?.unpredictable == true, "\(plans)")
        #expect(plans.first?.warning == "no metric of this step could be predicted: payments: payins_total did not move in the 10 s measured: nothing to simulate "
                + "(a longer --window reads a quieter service)", "\(plans.first?.warning ?? "")")
    }

    /// payin in dc1, one wave at 50% whose one analysis step is `analysis` (a YAML flow mapping).
    static func oneStep(_ analysis: String) throws -> RailyardConfig {
        try ConfigLoader.parse("""
            services:
              payin:
                kind: microservice
                command: ./payin --port {port}
                version: v1
                instances: { dc1: 1 }
            environments:
              - name: production
                datacenters: [dc1]
            deployment:
              waves:
                - name: canary
                  target: dc1
                  steps: [deploy, { setWeight: 50 }, { analysis: \(analysis) }, promote]
            """, file: "r.yml", baseDirectory: "/")
    }

    @Test("a step too short for one of its metrics names the metric that holds a good version up")
    func heldUpBy() async throws {
        let config = try Self.oneStep("{ interval: 5s, max_duration: 1m, metrics: [{ name: e, kind: error_rate, acceptable_rate: 0.02 }, { name: lat, kind: latency, allowed_increase: 0.05 }] }")
        // 100 requests a second, no error: the error rate passes in 10 s, the +5% latency needs about 2 minutes.
        let traffic = MeasuredTraffic(requestsPerSecond: 100, errorRate: 0, window: 10, stableAfter: Self.servedHistogram(rate: 100, seconds: 300, seed: 7))
        let deployment = config.deployment
        let plan = try #require(await OffPool.run { AnalysisPlanner.plan(deployment, target: "dc1", traffic: traffic, runs: 40) }.first)
        let warning = plan.warning ?? ""
        #expect(warning.hasPrefix("max_duration 1m cannot be enough at today's traffic: a good version needs ") && warning.hasSuffix(" (held up by 'lat')"), "\(warning)")
        #expect(plan.prediction?.metrics.first?.passWithin ?? .infinity <= 60, "the error rate alone would do: \(String(describing: plan.prediction))")
    }

    @Test("a business histogram runs at the rate it was observed in the window; one that did not move is left out, with the reason")
    func businessHistogramAtItsOwnRate() async throws {
        let settlement = AnalysisMetricSpec(name: "settlement", kind: .latency, allowedIncrease: 0.5, histogram: "payin_settlement_seconds")
        let shares = [0.0, 0.05, 0.2, 0.5, 0.2, 0.05]
        let bounds = [0.005, 0.01, 0.025, 0.05, 0.1, Double.infinity]
        func observed(_ total: Double) -> GroupCounters {
            var cumulative = 0.0
            return GroupCounters(histograms: ["payin_settlement_seconds": zip(bounds, shares).map { bound, share in
                cumulative += share * total
                return LatencyBucket(le: bound, count: cumulative)
            }])
        }
        let moved = MeasuredTraffic(requestsPerSecond: 400, errorRate: 0, window: 10, stableBefore: observed(10_000), stableAfter: observed(10_800))
        let stream = try moved.stream(for: settlement).get()
        #expect(abs(stream.requestsPerSecond - 80) < 1e-9 && stream.bounds == Array(bounds.dropLast()), "800 settlements in 10 s: \(stream)")
        // Two instances a group read apart: each instance's own histogram carries the metric, and a slower version
        // is still caught about as soon as with the groups read as sums.
        let spec = AnalysisSpec(maxDuration: .seconds(600), interval: .seconds(5), metrics: [settlement])
        let (whole, apart) = await OffPool.run {
            (AnalysisPlanner.predict(spec: spec, traffic: moved, groupShare: 0.5, runs: 100),
             AnalysisPlanner.predict(spec: spec, traffic: moved, groupShare: 0.5, runs: 100, instancesPerGroup: 2))
        }
        let slowerWhole = try #require(whole?.slowerCaughtWithin), slowerApart = try #require(apart?.slowerCaughtWithin)
        #expect(slowerApart <= 1.3 * slowerWhole, "a version 100% slower: caught within \(slowerApart) s read apart, \(slowerWhole) s as sums")
        let still = MeasuredTraffic(requestsPerSecond: 400, errorRate: 0, window: 10, stableBefore: observed(10_000), stableAfter: observed(10_000))
        #expect(still.stream(for: settlement) == .failure(.init(reason: "payin_settlement_seconds did not move in the 10 s measured: nothing to simulate "
                                                                      + "(a longer --window reads a quieter service)")))
    }

    @Test("a latency histogram too thin to simulate leaves that metric out, with the reason; the others are still predicted")
    func thinHistogramLeftOut() throws {
        let metrics = [AnalysisMetricSpec(name: "error-rate", kind: .errorRate, allowedIncrease: 0.5, acceptableRate: 0.02),
                       AnalysisMetricSpec(name: "latency", kind: .latency, allowedIncrease: 0.1),
                       AnalysisMetricSpec(name: "settlement", kind: .latency, allowedIncrease: 0.1, histogram: "payin_settlement_seconds")]
        let spec = AnalysisSpec(maxDuration: .seconds(60), interval: .seconds(1), metrics: metrics)
        let thin = MeasuredTraffic(requestsPerSecond: 20, errorRate: 0, window: 10, stableAfter: Self.servedHistogram(rate: 10, seconds: 5, seed: 3))
        let prediction = try #require(AnalysisPlanner.predict(spec: spec, traffic: thin, groupShare: 0.5, runs: 20))
        #expect(prediction.metrics[0].passWithin != nil)
        let held = Int(thin.stableAfter?.latencyBuckets.last?.count ?? 0)
        #expect(prediction.metrics[1].unpredicted == "the stable version's latency histogram holds \(held) requests, 200 are needed to see where they fall")
        #expect(prediction.metrics[2].unpredicted == "no payin_settlement_seconds histogram read from the stable version: nothing to simulate")
        #expect(prediction.passWithin == prediction.metrics[0].passWithin, "the pass of what could be predicted")
    }
}
