import Foundation
import Testing

@testable import RailyardCore
import RailyardSimulation

/// The latency shift compares a pool of consecutive intervals at a time (`LatencyBatch`): at low traffic a
/// canary request is compared with more than its own 5 seconds' baseline requests, and the pool closes on
/// label-free counts only, so the test stays exact.
@Suite("Judge: latency pooled over intervals")
struct LatencyBatchTests {
    static let bounds = [0.05, 0.1, 0.25]

    static func interval(_ counts: [Double]) -> IntervalCounts {
        IntervalCounts(requests: counts.reduce(0, +), errors: 0, buckets: counts, bounds: bounds + [.infinity])
    }

    @Test("a pool closes on both groups' requests together or after a minute, never on which group served them")
    func aPoolClosesOnRequestsOrAMinute() throws {
        var batch = LatencyBatch()
        // 3 looks of 10 requests each (6 canary, 4 baseline), then one of 2: 32 in all closes it.
        for look in 0..<3 {
            let ready = batch.add(baseline: Self.interval([1, 1, 1, 1]), canary: Self.interval([2, 2, 1, 1]), pooled: [], instances: [:],
                                  unreadable: [], from: Double(look) * 5, to: Double(look + 1) * 5)
            #expect(ready.isEmpty && !batch.isEmpty)
        }
        let closed = batch.add(baseline: Self.interval([0, 1, 0, 0]), canary: Self.interval([0, 0, 1, 0]), pooled: [9], instances: [:],
                               unreadable: [], from: 15, to: 20)
        let pool = try #require(closed.first)
        #expect(closed.count == 1 && batch.isEmpty)
        #expect(pool.baseline.buckets == [3, 4, 3, 3] && pool.canary.buckets == [6, 6, 4, 3] && pool.pooled == [9])
        #expect(pool.baseline.requests == 13 && pool.canary.requests == 19)

        // The same 10, 10, 10 and 2 requests a look, split between the groups in any way, close at the same look:
        // the rule reads no label. (All to one group, alternating, one in ten to the canary.)
        for canaryShare in [0.0, 1.0, 0.1, 0.5] {
            var split = LatencyBatch()
            var closedAt: [Int] = []
            for (look, total) in [10.0, 10, 10, 2, 10].enumerated() {
                let share = canaryShare == 0.5 ? Double(look % 2) : canaryShare
                let canary = (total * share).rounded(), baseline = total - canary
                if !split.add(baseline: Self.interval([baseline, 0, 0, 0]), canary: Self.interval([0, canary, 0, 0]), pooled: [], instances: [:],
                              unreadable: [], from: Double(look) * 5, to: Double(look + 1) * 5).isEmpty { closedAt.append(look) }
            }
            #expect(closedAt == [3], "canary share \(canaryShare): closed at \(closedAt)")
        }

        // A group whose histogram is first seen (no request of it before) closes nothing.
        var first = LatencyBatch()
        let none = IntervalCounts(requests: 0, errors: 0, buckets: [], bounds: [])
        #expect(first.add(baseline: Self.interval([2, 0, 0, 0]), canary: none, pooled: [], instances: [:], unreadable: [], from: 0, to: 5).isEmpty)
        #expect(first.add(baseline: Self.interval([1, 0, 0, 0]), canary: Self.interval([0, 1, 0, 0]), pooled: [], instances: [:], unreadable: [],
                          from: 5, to: 10).isEmpty)
        let both = try #require(first.flush().first)
        #expect(both.baseline.buckets == [3, 0, 0, 0] && both.canary.buckets == [0, 1, 0, 0] && both.canary.bounds == Self.bounds + [.infinity])

        // One request a look: the pool waits a minute, not for its 32 requests.
        var slow = LatencyBatch()
        var waited = 0
        while slow.add(baseline: Self.interval([0, 1, 0, 0]), canary: Self.interval([0, 0, 0, 0]), pooled: [], instances: [:], unreadable: [],
                       from: Double(waited) * 5, to: Double(waited + 1) * 5).isEmpty { waited += 1 }
        #expect(waited + 1 == 12, "closed after \(waited + 1) looks of 5 s")

        // 0: every interval alone (the judge before pools).
        var alone = LatencyBatch(requests: 0)
        #expect(alone.add(baseline: Self.interval([0, 0, 0, 0]), canary: Self.interval([0, 1, 0, 0]), pooled: [], instances: [:], unreadable: [],
                          from: 0, to: 5).count == 1)
    }

    @Test("instances are summed over the pool; one unreadable in any interval is unreadable in it; changed buckets close the pool first")
    func instancesAndChangedBuckets() throws {
        var batch = LatencyBatch()
        _ = batch.add(baseline: Self.interval([1, 0, 0, 0]), canary: Self.interval([1, 1, 0, 0]), pooled: [], instances: ["a": [1, 0, 0, 0], "b": [0, 1, 0, 0]],
                      unreadable: [], from: 0, to: 5)
        _ = batch.add(baseline: Self.interval([1, 0, 0, 0]), canary: Self.interval([1, 1, 1, 0]), pooled: [], instances: ["a": [1, 0, 0, 0], "c": [0, 0, 1, 0]],
                      unreadable: ["b", "d"], from: 5, to: 10)
        _ = batch.add(baseline: Self.interval([1, 0, 0, 0]), canary: Self.interval([0, 0, 0, 1]), pooled: [], instances: ["d": [0, 0, 0, 1]],
                      unreadable: [], from: 10, to: 15)
        let pool = try #require(batch.flush().first)
        // a in the first two; b unreadable in the second; c absent from the first (it served none of it); d unreadable
        // in the second, readable in the third: its sum would miss the second's requests, so it stays unreadable.
        #expect(pool.instances == ["a": [2, 0, 0, 0], "c": [0, 0, 1, 0]] && pool.unreadable == ["b", "d"])
        #expect(batch.flush().isEmpty)

        _ = batch.add(baseline: Self.interval([1, 0, 0, 0]), canary: Self.interval([1, 0, 0, 0]), pooled: [], instances: [:], unreadable: [], from: 0, to: 5)
        var other = Self.interval([1, 0, 0])
        other.bounds = [0.1, 0.5, .infinity]
        let both = batch.add(baseline: other, canary: other, pooled: [], instances: [:], unreadable: [], from: 5, to: 10)
        #expect(both.count == 1 && both[0].canary.bounds == Self.bounds + [.infinity] && !batch.isEmpty,
                "the old pool is compared alone, the new interval opens the next")
    }

    @Test("the deadline and the extension's end close the pool, so that the verdict read there counts every request")
    func aDeadlineClosesThePool() {
        // No tolerance: a pool of a few requests is then always read (a tolerance needs a spread to read it against).
        let spec = AnalysisSpec(alpha: 0.01, maxDuration: .seconds(30), metrics: [AnalysisMetricSpec(name: "latency", kind: .latency)],
                                maxExtension: .seconds(30))
        var simulator = CanaryStreamSimulator(model: CanaryTrafficModel(requestsPerSecond: 0.25, bounds: CanaryTrafficModel.demoBounds), seed: 3)
        var tracker = SequentialJudge(spec: spec).tracker()
        var open: [Bool] = [], compared: [Int] = [], reasons: [String] = []
        for _ in 1...12 {
            tracker.observe(simulator.step(seconds: 5))
            open.append(!tracker.metrics[0].batch.isEmpty)
            compared.append(tracker.metrics[0].evidence!.intervals)
            reasons.append(tracker.judgement(final: false).metrics[0].reason)
        }
        // While a pool waits, the words say so (the statistic does not move until it is compared).
        #expect(reasons[2].contains("requests wait in a pool, compared together at 32 or a minute"), "\(reasons[2])")
        #expect(!reasons[5].contains("wait in a pool"), "\(reasons[5])")
        // A minute holds about 30 requests at this rate: only the deadlines (30 s, 60 s) close these pools, and each is compared there.
        #expect(open == [true, true, true, true, true, false, true, true, true, true, true, false])
        #expect(compared == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2])
    }

    @Test("a look whose counters went back closes the pool before it: what the pool held is compared there, nothing of that look")
    func aLostLookClosesThePool() {
        var simulator = CanaryStreamSimulator(model: CanaryTrafficModel(requestsPerSecond: 0.25, bounds: CanaryTrafficModel.demoBounds), seed: 3)
        let spec = AnalysisSpec(alpha: 0.01, metrics: [AnalysisMetricSpec(name: "latency", kind: .latency)])
        var tracker = SequentialJudge(spec: spec).tracker()
        var compared: [Int] = []
        for look in 1...6 {
            var seen = simulator.step(seconds: 5)
            // A source that cannot tell instances apart: the baseline's counters went back at the fourth look.
            if look == 4 { seen.baseline = .zero }
            tracker.observe(seen)
            compared.append(tracker.metrics[0].evidence!.intervals)
        }
        #expect(compared == [0, 0, 0, 1, 1, 1], "compared by each look: \(compared)")
        #expect(tracker.gap(for: spec.metrics[0])?.contains("counters went back") == true)
    }

    static let spec = AnalysisSpec(alpha: 0.01, metrics: [AnalysisMetricSpec(name: "latency", kind: .latency, allowedIncrease: 0.1)])

    /// Looks of 5 s until the latency metric fails (nil: not within `looks`).
    static func looksToFail(_ model: CanaryTrafficModel, pool: Double, seed: UInt64, looks: Int, spec: AnalysisSpec = spec,
                            drift: Double = 1) -> Int? {
        var simulator = CanaryStreamSimulator(model: model, seed: seed)
        var tracker = SequentialJudge(spec: spec, mixing: SequentialMixing(latencyPool: pool)).tracker()
        var current = model
        for look in 1...looks {
            if drift != 1 {
                current.latencyMedian *= drift
                simulator.changeTraffic(to: current)
            }
            tracker.observe(simulator.step(seconds: 5))
            if tracker.decided == .fail { return look }
        }
        return nil
    }

    @Test("at 0.25 requests/s a group, a canary 40% slower is failed in fewer looks pooled than interval by interval (30 analyses)")
    func lowTrafficIsCaughtSoonerPooled() async {
        let (pooled, alone) = await OffPool.run { () -> (Int, Int) in
            let slower = CanaryTrafficModel(requestsPerSecond: 0.25, latencyShift: 0.4, bounds: CanaryTrafficModel.demoBounds)
            var pooled = 0, alone = 0
            for seed in UInt64(1)...30 {
                pooled += Self.looksToFail(slower, pool: LatencyBatch.requests, seed: seed, looks: 720) ?? 721
                alone += Self.looksToFail(slower, pool: 0, seed: seed, looks: 720) ?? 721
            }
            return (pooled, alone)
        }
        #expect(Double(pooled) <= 0.85 * Double(alone), "pooled: \(pooled) looks in all, interval by interval: \(alone)")
    }

    @Test("the whole fleet slowing down 8-fold over the analysis fails no canary that behaves as its baseline, nor one exactly at the tolerance (200 analyses each at 0.5 requests/s)")
    func aFleetWideSlowdownIsNotAVersionEffect() async {
        // No tolerance: the test is then exact for any latency, and a pool that compared requests of different
        // moments unevenly by group would show it as a shift.
        let exact = AnalysisSpec(alpha: 0.05, metrics: [AnalysisMetricSpec(name: "latency", kind: .latency)])
        let tolerated = AnalysisSpec(alpha: 0.05, metrics: [AnalysisMetricSpec(name: "latency", kind: .latency, allowedIncrease: 0.1)])
        let (same, atTolerance) = await OffPool.run { () -> ([UInt64], [UInt64]) in
            let same = CanaryTrafficModel(requestsPerSecond: 0.5, latencyMedian: 0.03, bounds: CanaryTrafficModel.demoBounds)
            var slower = same
            slower.latencyShift = 0.1
            return ((UInt64(1)...200).filter { Self.looksToFail(same, pool: LatencyBatch.requests, seed: $0, looks: 360, spec: exact, drift: 1.006) != nil },
                    (UInt64(1)...200).filter { Self.looksToFail(slower, pool: LatencyBatch.requests, seed: $0, looks: 360, spec: tolerated, drift: 1.006) != nil })
        }
        // α 0.05 over 200: 10 expected at most; the mixture's own slack keeps it below.
        #expect(same.count <= 10, "A/A failed: seeds \(same)")
        #expect(atTolerance.count <= 10, "exactly +10% against +10% tolerated failed: seeds \(atTolerance)")
    }
}
