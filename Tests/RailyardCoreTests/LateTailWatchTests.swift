import Foundation
import Testing

@testable import RailyardCore
import RailyardSimulation

/// The late watch of a latency tail (`LateTailWatch`): after a pass, the canary's share of requests slower
/// than the baseline's bound at the metric's quantile, on the error rate's e-detector. False alarms at most
/// α at the tolerance's boundary, a tail that turns slow late caught, α shared with the error rate's watch,
/// the state restart-safe.
@Suite("Judge: late watch of the latency tail")
struct LateTailWatchTests {
    static let bounds: [Double] = [0.1, 0.25, 0.5]

    static func counters(_ perBucket: [Double]) -> GroupCounters {
        var cumulative = 0.0
        let buckets = zip(bounds + [.infinity], perBucket).map { bound, count in
            cumulative += count
            return LatencyBucket(le: bound, count: cumulative)
        }
        return GroupCounters(requests: cumulative, latencyBuckets: buckets)
    }

    static let spec = AnalysisSpec(alpha: 0.05, interval: .seconds(10), metrics: [
        AnalysisMetricSpec(name: "error-rate", kind: .errorRate, allowedIncrease: 0.5, acceptableRate: 0.001),
        AnalysisMetricSpec(name: "latency-p90", kind: .latency, allowedIncrease: 0.5, quantile: 0.9),
    ], watchAfterPass: .seconds(1200))

    /// At the pass the baseline has served 1,000 requests, 8% of them slower than 250 ms: the p90 is read at 250 ms.
    static let atPass = counters([600, 320, 60, 20])

    /// Runs watches from `atPass` for `looks` looks of `requests` a group, the baseline 8% slow and the canary
    /// `share(look)`; (alarms, mean look of the alarm).
    static func simulate(share: @escaping (Int) -> Double, looks: Int = 120, requests: Int = 400, runs: Int, seed: UInt64) -> (alarms: Int, meanLook: Double) {
        var rng = Xoshiro256StarStar(seed: seed)
        var alarms = 0, sum = 0
        for _ in 0..<runs {
            guard var state = LateWatchState.start(for: spec, baseline: atPass, canary: atPass, at: Date(timeIntervalSince1970: 0)) else { return (0, .nan) }
            var baseline = [600.0, 320, 60, 20], canary = baseline
            for look in 0..<looks {
                let slowBaseline = RateRatioSequenceTests.binomial(requests, 0.08, &rng), slowCanary = RateRatioSequenceTests.binomial(requests, share(look), &rng)
                baseline[1] += Double(requests) - slowBaseline
                baseline[2] += slowBaseline
                canary[1] += Double(requests) - slowCanary
                canary[2] += slowCanary
                state.look(baseline: counters(baseline), canary: counters(canary), at: Date(timeIntervalSince1970: Double(look + 1) * 10))
                if state.alarmed { alarms += 1; sum += look + 1; break }
            }
        }
        return (alarms, alarms > 0 ? Double(sum) / Double(alarms) : .nan)
    }

    @Test("the bound is the baseline's p90 when it passed, and α is shared with the error rate's watch")
    func start() throws {
        let state = try #require(LateWatchState.start(for: Self.spec, baseline: Self.atPass, canary: Self.atPass, at: Date(timeIntervalSince1970: 0)))
        let tail = try #require(state.tail)
        #expect(tail.bound == 0.25 && tail.index == 1 && tail.metric == "latency-p90" && tail.quantile == 0.9)
        #expect(tail.watch.alpha == 0.025 && state.watch.alpha == 0.025, "each watch at α/2")
        #expect(tail.watch.maxRatio == 1.5 && tail.watch.maxLooks == 120)
        // Without a tail metric, or with too few requests to place the quantile, the error rate's watch has all of α.
        var errorsOnly = Self.spec
        errorsOnly.metrics.removeLast()
        #expect(LateWatchState.start(for: errorsOnly, baseline: Self.atPass, canary: Self.atPass, at: Date())?.tail == nil)
        #expect(LateWatchState.start(for: errorsOnly, baseline: Self.atPass, canary: Self.atPass, at: Date())?.watch.alpha == 0.05)
        #expect(LateWatchState.start(for: Self.spec, baseline: Self.counters([50, 30, 10, 0]), canary: Self.atPass, at: Date())?.tail == nil,
                "90 requests cannot place a p90 (100 are needed)")
        // Stored and read back; a state stored before the tail watch existed reads without one.
        let stored = try JSONDecoder().decode(LateWatchState.self, from: try JSONEncoder().encode(state))
        #expect(stored == state)
        var older = try #require(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(state)) as? [String: Any])
        older["tail"] = nil
        let read = try JSONDecoder().decode(LateWatchState.self, from: try JSONSerialization.data(withJSONObject: older))
        #expect(read.tail == nil && read.watch == state.watch)
    }

    @Test("at the tolerance's boundary (the canary's slow share exactly 1.5× the baseline's) it alarms in at most α of runs over its looks")
    func falseAlarms() async {
        let runs = 400
        let boundary = await OffPool.run { Self.simulate(share: { _ in 0.12 }, runs: runs, seed: 0x7A11) }
        // Both watches share α = 0.05; the tail's has α/2 of it.
        let limit = 0.025 + 3 * (0.025 * 0.975 / Double(runs)).squareRoot()
        print("late tail watch at the boundary, α/2 = 0.025 over 120 looks: \(boundary.alarms) of \(runs) alarmed")
        #expect(Double(boundary.alarms) / Double(runs) <= limit, "\(boundary.alarms) of \(runs)")
    }

    @Test("a tail that turns 3× slower after 40 good looks is caught soon after, with the reason in numbers")
    func lateSlowTail() async throws {
        let caught = await OffPool.run { Self.simulate(share: { $0 < 40 ? 0.08 : 0.24 }, runs: 200, seed: 0x7A12) }
        print("late tail 3× from look 40: \(caught.alarms) of 200 caught, at look \(caught.meanLook) on average")
        #expect(caught.alarms >= 195, "\(caught.alarms) of 200")
        #expect(caught.meanLook > 40 && caught.meanLook < 60, "\(caught.meanLook)")

        var state = try #require(LateWatchState.start(for: Self.spec, baseline: Self.atPass, canary: Self.atPass, at: Date(timeIntervalSince1970: 0)))
        var baseline = [600.0, 320, 60, 20], canary = baseline
        for look in 0..<30 where !state.alarmed {
            baseline[1] += 368; baseline[2] += 32
            canary[1] += 304; canary[2] += 96
            state.look(baseline: Self.counters(baseline), canary: Self.counters(canary), at: Date(timeIntervalSince1970: Double(look + 1) * 10))
        }
        #expect(state.alarmed && !state.watch.alarmed, "the tail's watch alarmed, not the error rate's")
        #expect(state.alarmReason.hasPrefix("late regression after the pass: latency-p90's requests slower than 250 ms (the baseline's p90 when it passed) "
                                            + "over the last 2 looks (since its evidence began to rise): 24.0% of 800 slower on the canary vs 8.0% of 800 on baseline; "
                                            + "since the pass, 24.0% of 800 on the canary vs 8.0% of 800 on baseline"), "\(state.alarmReason)")
        #expect(state.alarmReason.contains(" over the tolerated 1.50×"), "\(state.alarmReason)")
    }

    @Test("an interval where a counter went back (a restart) or the buckets changed adds no evidence, and is still a look")
    func lostIntervals() throws {
        var state = try #require(LateWatchState.start(for: Self.spec, baseline: Self.atPass, canary: Self.atPass, at: Date(timeIntervalSince1970: 0)))
        state.look(baseline: Self.counters([700, 400, 80, 20]), canary: Self.counters([10, 5, 1, 0]), at: Date(timeIntervalSince1970: 10))
        #expect(state.tail?.watch.looks == 1 && state.tail?.watch.ratioEvidence == 0, "the canary went back: its interval is lost, a look spent")
        state.look(baseline: Self.counters([800, 480, 90, 20]), canary: Self.counters([20, 20, 2, 0]), at: Date(timeIntervalSince1970: 20))
        #expect(state.tail?.watch.looks == 2, "the next interval counts from the new values")
    }
}
