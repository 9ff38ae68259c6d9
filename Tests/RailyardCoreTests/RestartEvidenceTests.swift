import Foundation
import Testing

@testable import RailyardCore
import RailyardSimulation

/// Counter resets, read instance by instance: an instance whose counters went back restarted; what it
/// counts now it served since, so the errors around the restart count, and the restart itself counts as a
/// failed request. Without per-instance counts the interval is lost (and said so).
@Suite("Judge: restarts as evidence")
struct RestartEvidenceTests {
    @Test("increase: a reset counts from zero, a new instance counts whole, both are restarts; steady instances give the group's deltas")
    func increase() throws {
        let earlier = GroupCounters(requests: 300, errors: 3, instances: ["a": InstanceCounters(requests: 200, errors: 2), "b": InstanceCounters(requests: 100, errors: 1)])
        let steady = GroupCounters(requests: 350, errors: 5, instances: ["a": InstanceCounters(requests: 230, errors: 3), "b": InstanceCounters(requests: 120, errors: 2)])
        let one = try #require(IntervalCounts.increase(earlier, steady))
        #expect(one == IntervalCounts.Increase(requests: 50, errors: 2, restarts: 0))
        // b restarted (12 requests, 4 failed since); c is new (5 requests).
        let reset = GroupCounters(requests: 247, errors: 7, instances: ["a": InstanceCounters(requests: 230, errors: 3), "b": InstanceCounters(requests: 12, errors: 4),
                                                                         "c": InstanceCounters(requests: 5, errors: 0)])
        let two = try #require(IntervalCounts.increase(earlier, reset))
        #expect(two == IntervalCounts.Increase(requests: 30 + 12 + 5, errors: 1 + 4, restarts: 2))
        #expect(two.errorCounts().requests == 49 && two.errorCounts().errors == 7, "each restart one more failed request")
        #expect(IntervalCounts.between(earlier, reset) == nil, "the group's sums went back: without instances the interval is lost")
        #expect(IntervalCounts.increase(GroupCounters(requests: 300, errors: 3), reset) == nil, "no per-instance counts before: nothing to compare")
    }

    /// A canary of two instances, one crash-looping: it restarts every `every` looks and fails `failures` of
    /// its first requests after each start. The baseline's two instances steady at 0.5% errors.
    static func crashLoop(every: Int, failures: Int, looks count: Int, seed: UInt64) -> [AnalysisLook] {
        var rng = Xoshiro256StarStar(seed: seed)
        var canary = ["c1": InstanceCounters(), "c2": InstanceCounters()], baseline = ["b1": InstanceCounters(), "b2": InstanceCounters()]
        var sinceStart = (requests: 0.0, errors: 0.0), baselineTotal = (requests: 0.0, errors: 0.0)
        return (1...count).map { i in
            if i % every == 0 { canary["c2"] = InstanceCounters() }  // restarted: its counters start again
            for name in ["c1", "c2"] {
                let fresh = name == "c2" && canary["c2"]!.requests == 0 && i >= every
                let errors = fresh ? Double(failures) : RateRatioSequenceTests.binomial(100, 0.005, &rng)
                canary[name]!.requests += 100
                canary[name]!.errors += errors
                sinceStart.requests += 100
                sinceStart.errors += errors
            }
            for name in ["b1", "b2"] {
                let errors = RateRatioSequenceTests.binomial(100, 0.005, &rng)
                baseline[name]!.requests += 100
                baseline[name]!.errors += errors
                baselineTotal.requests += 100
                baselineTotal.errors += errors
            }
            // The group's own sums since the start, as `since` would give with the restarts clamped away.
            let canaryGroup = GroupCounters(requests: canary.values.reduce(0) { $0 + $1.requests }, errors: canary.values.reduce(0) { $0 + $1.errors }, instances: canary)
            return AnalysisLook(elapsed: Double(i) * 10,
                                baseline: GroupCounters(requests: baselineTotal.requests, errors: baselineTotal.errors, instances: baseline),
                                canary: canaryGroup)
        }
    }

    static let spec = AnalysisSpec(alpha: 0.01, metrics: [AnalysisMetricSpec(name: "error-rate", kind: .errorRate, allowedIncrease: 0.5, acceptableRate: 0.01)])

    /// Raw counters of two instances, with their latency at the bounds [0.1, +Inf] and a named histogram at [0.5, +Inf].
    static func group(_ a: (Double, Double), _ b: (Double, Double)) -> GroupCounters {
        func one(_ r: (Double, Double)) -> InstanceCounters {
            InstanceCounters(requests: r.0, errors: r.1, counters: ["payins_total": r.0], latency: [r.0 * 0.9, r.0], histograms: ["settle_seconds": [r.0 / 2, r.0]])
        }
        let total = a.0 + b.0
        return GroupCounters(requests: total, errors: a.1 + b.1, latencyBuckets: [LatencyBucket(le: 0.1, count: total * 0.9), LatencyBucket(le: .infinity, count: total)],
                             counters: ["payins_total": total], instances: ["a": one(a), "b": one(b)],
                             histograms: ["settle_seconds": [LatencyBucket(le: 0.5, count: total / 2), LatencyBucket(le: .infinity, count: total)]])
    }

    @Test("a look's totals since the start: as since(start) while no instance restarts; after a restart, what the instance served since counts on top")
    func accumulatedTotals() {
        let start = Self.group((100, 1), (200, 2))
        let first = Self.group((150, 2), (260, 2)).accumulated(onto: start.since(start), start: start)
        #expect(first == Self.group((150, 2), (260, 2)).since(start), "no restart: the same as since(start)")
        #expect(first.requests == 110 && first.errors == 1 && first.counters["payins_total"] == 110)
        // b restarts and serves 30 (1 failed) since: the group's raw sum falls from 410 to 210.
        let now = Self.group((180, 2), (30, 1))
        let second = now.accumulated(onto: first, start: start)
        #expect(second.requests == 110 + 30 + 30 && second.errors == 1 + 0 + 1, "\(second.requests) \(second.errors)")
        #expect(second.latencyBuckets == [LatencyBucket(le: 0.1, count: 170 * 0.9), LatencyBucket(le: .infinity, count: 170)])
        #expect(second.histograms["settle_seconds"] == [LatencyBucket(le: 0.5, count: 85), LatencyBucket(le: .infinity, count: 170)])
        #expect(second.counters["payins_total"] == 170)
        #expect(second.instances == now.instances, "instances stay raw, for the next look")
        #expect(now.since(start).requests == 0, "since(start) alone clamps the group at 0")
        // Without instances, since(start).
        var bare = now
        bare.instances = [:]
        #expect(bare.accumulated(onto: first, start: start) == bare.since(start))
    }

    @Test("a crash-looping canary instance is failed on the errors around its restarts; with group sums only those intervals were lost")
    func crashLoopCaught() {
        let looks = Self.crashLoop(every: 6, failures: 20, looks: 90, seed: 11)
        let judgement = SequentialJudge(spec: Self.spec).judge(looks, final: true)
        #expect(judgement.verdict == .fail, "\(judgement.reason)")
        print("crash loop: \(judgement.reason)")
        #expect(judgement.reason.contains(" canary restarts counted as failures)") && judgement.reason.contains("regression shown: "), "\(judgement.reason)")
        let stripped = looks.map { look -> AnalysisLook in
            var look = look
            look.canary.instances = [:]
            look.baseline.instances = [:]
            return look
        }
        let blind = SequentialJudge(spec: Self.spec).judge(stripped, final: true)
        #expect(blind.verdict == .inconclusive, "the restarts' intervals dropped, their errors with them: \(blind.reason)")
        #expect(blind.reason.contains("the canary's counters went back between "), "\(blind.reason)")
    }

    @Test("one restart of a good canary: its error rate still earns its pass, its latency over that interval is a gap with the reason")
    func oneRestart() {
        var looks = Self.crashLoop(every: 1_000, failures: 0, looks: 200, seed: 5)
        // c2 restarts once at look 100: its counters start again from what it served since.
        for i in 100..<looks.count {
            let at = looks[99].canary.instances["c2"]!
            var c2 = looks[i].canary.instances["c2"]!
            c2.requests -= at.requests
            c2.errors -= at.errors
            looks[i].canary.instances["c2"] = c2
        }
        var tracker = SequentialJudge(spec: Self.spec).tracker()
        for look in looks { tracker.observe(look) }
        #expect(tracker.restarts == ["canary": 1])
        #expect(tracker.judgement(final: true).verdict == .pass, "\(tracker.judgement(final: true).reason)")
        #expect(tracker.gaps.map(\.reason) == ["the canary restarted between 1,000 s and 1,010 s (1 instance): its latency over that interval cannot be counted, "
                                               + "so latency cannot pass; for the error rates each restart counts as a failed request"])
    }
}
