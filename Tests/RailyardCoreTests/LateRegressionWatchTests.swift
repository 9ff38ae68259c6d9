import Foundation
import Testing

@testable import RailyardCore
import RailyardSimulation

/// The late-regression watch: its e-values exact by enumeration, its false alarms at most α over its
/// looks at each tolerance's boundary, a regression that starts late caught, its state restart-safe.
@Suite("Judge: late-regression watch")
struct LateRegressionWatchTests {
    @Test("each interval's e-value has expectation exactly 1 at the tolerance and below 1 within it (binomial enumerated)")
    func eValueExpectation() {
        for (m, b, n) in [(100.0, 300.0, 12), (500.0, 500.0, 40), (50.0, 20.0, 7)] {
            for theta in [1.5, 1.2, 0.5] {
                let p = theta * m / (theta * m + b)
                var expectation = 0.0
                for x in 0...n {
                    var watch = LateRegressionWatch(allowedIncrease: 0.5, acceptableRate: 0, alpha: 0.01, maxLooks: 10)
                    watch.add(canaryRequests: m, canaryErrors: Double(x), baselineRequests: b, baselineErrors: Double(n - x))
                    expectation += exp(JudgeMath.logChoose(n, x) + Double(x) * log(p) + Double(n - x) * log1p(-p) + log(expm1(watch.ratioEvidence)))
                }
                if theta == 1.5 { #expect(abs(expectation - 1) < 1e-9, "θ at the tolerance: \(expectation)") } else { #expect(expectation < 1, "θ \(theta): \(expectation)") }
            }
        }
        for (m, q) in [(200, 0.01), (200, 0.004), (60, 0.005)] {
            var expectation = 0.0
            for x in 0...m {
                var watch = LateRegressionWatch(allowedIncrease: 0.5, acceptableRate: 0.01, alpha: 0.01, maxLooks: 10)
                watch.add(canaryRequests: Double(m), canaryErrors: Double(x), baselineRequests: Double(m), baselineErrors: 0)
                expectation += exp(JudgeMath.logChoose(m, x) + Double(x) * log(q) + Double(m - x) * log1p(-q) + log(expm1(watch.rateEvidence)))
            }
            if q == 0.01 { #expect(abs(expectation - 1) < 1e-9, "q at the acceptable rate: \(expectation)") } else { #expect(expectation < 1, "q \(q): \(expectation)") }
        }
    }

    /// Runs watches over `looks` intervals of `requests` a group; returns how many alarmed, and when (mean look).
    static func simulate(baseline qb: Double, canary qc: @escaping (Int) -> Double, allowedIncrease: Double, acceptableRate: Double,
                         alpha: Double, looks: Int, requests: Int, runs: Int, seed: UInt64) -> (alarms: Int, meanLook: Double) {
        var rng = Xoshiro256StarStar(seed: seed)
        var alarms = 0, sum = 0
        for _ in 0..<runs {
            var watch = LateRegressionWatch(allowedIncrease: allowedIncrease, acceptableRate: acceptableRate, alpha: alpha, maxLooks: looks)
            for look in 0..<looks {
                watch.add(canaryRequests: Double(requests), canaryErrors: RateRatioSequenceTests.binomial(requests, qc(look), &rng),
                          baselineRequests: Double(requests), baselineErrors: RateRatioSequenceTests.binomial(requests, qb, &rng))
                if watch.alarmed { alarms += 1; sum += look + 1; break }
            }
        }
        return (alarms, alarms > 0 ? Double(sum) / Double(alarms) : .nan)
    }

    @Test("at each tolerance's boundary it alarms in at most α of runs over its looks: the ratio at +50%, the rate at the acceptable 2%")
    func falseAlarms() async {
        let alpha = 0.05, runs = 400
        let limit = alpha + 3 * (alpha * (1 - alpha) / Double(runs)).squareRoot()
        let ratio = await OffPool.run {
            Self.simulate(baseline: 0.02, canary: { _ in 0.03 }, allowedIncrease: 0.5, acceptableRate: 0.001, alpha: alpha, looks: 120, requests: 400,
                          runs: runs, seed: 0x1A7E)
        }
        #expect(Double(ratio.alarms) / Double(runs) <= limit, "+50% exactly: \(ratio.alarms) of \(runs) alarmed")
        let rate = await OffPool.run {
            Self.simulate(baseline: 0.0001, canary: { _ in 0.02 }, allowedIncrease: 0.5, acceptableRate: 0.02, alpha: alpha, looks: 120, requests: 400,
                          runs: runs, seed: 0x1A7F)
        }
        #expect(Double(rate.alarms) / Double(runs) <= limit, "the acceptable 2% exactly: \(rate.alarms) of \(runs) alarmed")
        print("late watch at the boundary, α 0.05 over 120 looks: \(ratio.alarms) and \(rate.alarms) of \(runs) alarmed")
    }

    @Test("a canary that turns 3× worse after 60 good looks is caught, soon after, in nearly every run")
    func lateStart() async {
        let caught = await OffPool.run {
            Self.simulate(baseline: 0.005, canary: { $0 < 60 ? 0.005 : 0.015 }, allowedIncrease: 0.5, acceptableRate: 0.001, alpha: 0.005, looks: 360,
                          requests: 200, runs: 200, seed: 0x1A80)
        }
        print("late 3× from look 60 (200 requests a group a look): \(caught.alarms) of 200 caught, at look \(caught.meanLook) on average")
        #expect(caught.alarms >= 190, "\(caught.alarms) of 200")
        #expect(caught.meanLook > 60 && caught.meanLook < 200, "\(caught.meanLook)")
    }

    @Test("its state survives a restart: stored mid-watch and read back, it goes on exactly as if never stopped")
    func restartSafe() throws {
        var rng = Xoshiro256StarStar(seed: 9)
        var straight = LateRegressionWatch(allowedIncrease: 0.5, acceptableRate: 0.001, alpha: 0.01, maxLooks: 50)
        var stored = Data()
        var counts: [(Double, Double)] = []
        for look in 0..<50 {
            counts.append((RateRatioSequenceTests.binomial(300, look < 20 ? 0.005 : 0.03, &rng), RateRatioSequenceTests.binomial(300, 0.005, &rng)))
        }
        for (look, c) in counts.enumerated() {
            straight.add(canaryRequests: 300, canaryErrors: c.0, baselineRequests: 300, baselineErrors: c.1)
            if look == 24 { stored = try JSONEncoder().encode(straight) }
        }
        var resumed = try JSONDecoder().decode(LateRegressionWatch.self, from: stored)
        for c in counts.dropFirst(25) { resumed.add(canaryRequests: 300, canaryErrors: c.0, baselineRequests: 300, baselineErrors: c.1) }
        #expect(resumed == straight)
        #expect(straight.alarmed, "6× from look 20 is caught within 50 looks: \(straight.statistic) against \(straight.threshold)")

        var quiet = LateRegressionWatch(allowedIncrease: 0.5, acceptableRate: 0, alpha: 0.01, maxLooks: 3)
        for _ in 0..<5 { quiet.add(canaryRequests: 100, canaryErrors: 0, baselineRequests: 100, baselineErrors: 1) }
        #expect(quiet.looks == 3 && quiet.ended && !quiet.alarmed)
        #expect(abs(quiet.threshold - log(301)) < 1e-12)
    }

    @Test("a canary instance restarting during the watch: read apart, what it served since counts and the restart is a failure; as one group the interval is lost (a look without evidence)")
    func restartDuringTheWatch() throws {
        let watch = try #require(LateWatchState.watch(for: AnalysisSpec(interval: .seconds(10), metrics: [AnalysisMetricSpec(name: "e", kind: .errorRate, allowedIncrease: 0.5, acceptableRate: 0.001)])))
        func group(_ a: (Double, Double), _ b: (Double, Double), apart: Bool) -> GroupCounters {
            GroupCounters(requests: a.0 + b.0, errors: a.1 + b.1,
                          instances: apart ? ["c1": InstanceCounters(requests: a.0, errors: a.1), "c2": InstanceCounters(requests: b.0, errors: b.1)] : [:])
        }
        for apart in [true, false] {
            var state = LateWatchState(watch: watch, baseline: group((500, 2), (500, 2), apart: apart), canary: group((500, 2), (500, 2), apart: apart), at: Date())
            // c2 restarts: it served 40 requests since, 6 of them failed; c1 served 100 more, none failed.
            state.look(baseline: group((600, 2), (600, 3), apart: apart), canary: group((600, 2), (40, 6), apart: apart), at: Date())
            if apart {
                var expected = watch
                expected.add(canaryRequests: 100 + 40 + 1, canaryErrors: 6 + 1, baselineRequests: 200, baselineErrors: 1)
                #expect(state.watch == expected, "the interval counted: \(state.watch)")
                #expect(state.watch.looks == 1)
            } else {
                var skipped = watch
                skipped.skip()
                #expect(state.watch == skipped && state.watch.looks == 1 && state.watch.ratioEvidence == 0,
                        "the group's sums went back: no evidence from the interval, but a look spent (the watch still ends after its N looks)")
            }
        }
    }
}
