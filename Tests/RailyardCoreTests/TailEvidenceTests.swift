import Foundation
import Testing

@testable import RailyardCore
import RailyardSimulation

/// The tail test (a latency metric with `quantile`): the bound chosen once and its interval not counted,
/// false positives at most α exactly at the tolerance, a slower tail caught where the median does not
/// move, a good canary's pass earned with its bound, and a tail no bound can read never passed.
@Suite("Judge: latency tail")
struct TailEvidenceTests {
    /// Fine enough around a p99 of ~400 ms to read it at a bound.
    static let bounds: [Double] = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.75, 1, 2.5]

    /// Baseline: log-normal latency, median 120 ms, σ 0.5 (p99 ≈ 385 ms). Canary: every bucket from 350 ms
    /// up holds `tailRatio` times the baseline's share, so its share above any bound the judge may read
    /// at (300 ms holds 3.3%: never chosen for p99) is exactly `tailRatio` times the baseline's.
    static func probabilities(tailRatio: Double) -> (baseline: [Double], canary: [Double]) {
        let baseline = CanaryTrafficModel(requestsPerSecond: 1, bounds: bounds).bucketProbabilities(canary: false)
        let slowFrom = bounds.firstIndex(of: 0.4)!  // the bucket (350 ms, 400 ms]
        let slow = baseline[slowFrom...].reduce(0, +)
        let fast = 1 - slow
        let canary = baseline.enumerated().map { i, p in i >= slowFrom ? p * tailRatio : p * (1 - slow * tailRatio) / fast }
        return (baseline, canary)
    }

    /// Cumulative looks: `requests` a group every `every` seconds, each request's bucket drawn from the
    /// group's probabilities, no errors.
    static func looks(baseline: [Double], canary: [Double], requests: Int, count: Int, every: Double, seed: UInt64) -> [AnalysisLook] {
        var rng = Xoshiro256StarStar(seed: seed)
        var totals = (baseline: [Double](repeating: 0, count: baseline.count), canary: [Double](repeating: 0, count: canary.count))
        // Request by request, by the inverse of the cumulative distribution: exact at any size.
        func draw(_ p: [Double], into counts: inout [Double]) {
            var cumulative: [Double] = []
            var sum = 0.0
            for x in p { sum += x; cumulative.append(sum) }
            for _ in 0..<requests {
                let u = rng.uniform() * sum
                counts[cumulative.firstIndex { u < $0 } ?? p.count - 1] += 1
            }
        }
        func counters(_ perBucket: [Double]) -> GroupCounters {
            var cumulative = 0.0
            let buckets = zip(bounds + [.infinity], perBucket).map { le, c in
                cumulative += c
                return LatencyBucket(le: le, count: cumulative)
            }
            return GroupCounters(requests: cumulative, errors: 0, latencyBuckets: buckets)
        }
        return (1...count).map { i in
            draw(baseline, into: &totals.baseline)
            draw(canary, into: &totals.canary)
            return AnalysisLook(elapsed: Double(i) * every, baseline: counters(totals.baseline), canary: counters(totals.canary))
        }
    }

    static func spec(alpha: Double = 0.01, allowedIncrease: Double = 0.5) -> AnalysisSpec {
        AnalysisSpec(alpha: alpha, metrics: [AnalysisMetricSpec(name: "latency", kind: .latency, allowedIncrease: allowedIncrease, quantile: 0.99)])
    }

    @Test("the bound is chosen once, from the baseline, at the first look where it has served 10 / (1 − q) requests, and that interval is not counted")
    func boundChosenOnce() throws {
        let p = Self.probabilities(tailRatio: 1)
        let looks = Self.looks(baseline: p.baseline, canary: p.canary, requests: 300, count: 5, every: 10, seed: 1)
        var tail = TailEvidence(quantile: 0.99, allowedIncrease: 0.5, alpha: 0.01)
        #expect(tail.minimumPool == 1000)
        var tracker = SequentialJudge(spec: Self.spec()).tracker()
        tracker.observe(looks[0])  // 300 baseline requests: too few to choose
        let waiting = tracker.judgement(final: false)
        #expect(waiting.reason.contains("the tail's bound is chosen once the baseline has served 1,000 requests (300 so far)"), "\(waiting.reason)")
        tracker.observe(looks[1])
        tracker.observe(looks[2])
        tracker.observe(looks[3])  // 1,200: chosen here, this interval not counted
        tracker.observe(looks[4])

        var previous = AnalysisLook(elapsed: 0, baseline: .zero, canary: .zero)
        for (i, look) in looks.enumerated() {
            let b = try #require(IntervalCounts.between(previous.baseline, look.baseline))
            let c = try #require(IntervalCounts.between(previous.canary, look.canary))
            tail.add(baseline: b, canary: c, reference: HistogramMath.perBucket(look.baseline.latencyBuckets).counts, bounds: look.canary.latencyBuckets.map(\.le))
            previous = look
            if i < 3 { #expect(tail.bound == nil) }
            if i == 3 {
                #expect(tail.bound == 0.4 || tail.bound == 0.5, "read near the p99 (≈ 385 ms): \(String(describing: tail.bound))")
                #expect(tail.shareAbove <= 0.01 && tail.shareAbove > 0)
                #expect(tail.counts?.ratio.canaryRequests == 0, "the interval that chose the bound is not counted")
            }
        }
        let index = try #require(tail.boundIndex)
        let slow = { (g: GroupCounters, from: GroupCounters) in
            HistogramMath.perBucket(g.latencyBuckets).counts[(index + 1)...].reduce(0, +) - HistogramMath.perBucket(from.latencyBuckets).counts[(index + 1)...].reduce(0, +)
        }
        #expect(tail.counts?.ratio.canaryRequests == 300 && tail.counts?.ratio.canaryErrors == slow(looks[4].canary, looks[3].canary),
                "the fifth interval's slow requests counted as the tail's events")
        #expect(tail.counts?.ratio.baselineErrors == slow(looks[4].baseline, looks[3].baseline))
    }

    /// How many of `runs` analyses (10 minutes, a look every 10 s) end in each verdict.
    static func verdicts(tailRatio: Double, alpha: Double, requests: Int, looks count: Int = 60, runs: Int, seed: UInt64) -> (fail: Int, pass: Int) {
        let p = probabilities(tailRatio: tailRatio)
        var fail = 0, pass = 0
        for run in 0..<runs {
            let looks = looks(baseline: p.baseline, canary: p.canary, requests: requests, count: count, every: 10, seed: seed &+ UInt64(run))
            var tracker = SequentialJudge(spec: spec(alpha: alpha)).tracker()
            for look in looks where tracker.decided == nil { tracker.observe(look) }
            if tracker.decided == .fail { fail += 1 }
            if tracker.decided == .pass { pass += 1 }
        }
        return (fail, pass)
    }

    @Test("false positives at most α exactly at the tolerance (+50% more slow requests) and in A/A, looking every 10 s")
    func falsePositivesAtTheBoundary() async {
        let alpha = 0.05, runs = 300
        let limit = alpha + 3 * (alpha * (1 - alpha) / Double(runs)).squareRoot()
        let boundary = await OffPool.run { Self.verdicts(tailRatio: 1.5, alpha: alpha, requests: 500, runs: runs, seed: 0x7A11) }
        #expect(Double(boundary.fail) / Double(runs) <= limit, "at +50% exactly: \(boundary.fail) of \(runs) failed")
        let aa = await OffPool.run { Self.verdicts(tailRatio: 1, alpha: alpha, requests: 500, runs: runs, seed: 0xAA7A) }
        #expect(aa.fail <= 2, "A/A: \(aa.fail) of \(runs) failed")
        // 30,000 requests a group, 300 of them beyond the p99: most good canaries show "at most +50%" by then.
        #expect(aa.pass >= runs * 3 / 4, "A/A at 50 req/s for 10 minutes earns its pass: \(aa.pass) of \(runs)")
        print("tail false positives at α \(alpha), \(runs) runs: \(boundary.fail) at the boundary, \(aa.fail) in A/A; A/A passed \(aa.pass)")
    }

    @Test("a tail 3× slower is caught while the median does not move; the reason gives the bound and the ratio's bound")
    func slowTailCaught() async throws {
        let caught = await OffPool.run { Self.verdicts(tailRatio: 3, alpha: 0.01, requests: 500, runs: 100, seed: 0x3A11) }
        #expect(caught.fail >= 97, "\(caught.fail) of 100 caught within 10 minutes at 50 req/s")
        let p = Self.probabilities(tailRatio: 3)
        let looks = Self.looks(baseline: p.baseline, canary: p.canary, requests: 500, count: 60, every: 10, seed: 0x3A11)
        let judgement = SequentialJudge(spec: Self.spec()).judge(looks, final: true)
        let medians = SequentialTracker.values(AnalysisMetricSpec(name: "m", kind: .latency), looks.last!)
        #expect(abs(medians.canary / medians.baseline - 1) < 0.03, "same median: \(medians)")
        #expect(judgement.verdict == .fail)
        #expect(judgement.reason.hasPrefix("latency p99 "), "\(judgement.reason)")
        #expect(judgement.reason.contains("regression shown: ratio of requests slower than 400 ms ≥ ")
                || judgement.reason.contains("regression shown: ratio of requests slower than 500 ms ≥ "), "\(judgement.reason)")
        #expect(judgement.reason.contains("above the tolerated +50% (1.50×) (99% one-sided confidence sequence); the tail read at "), "\(judgement.reason)")
    }

    @Test("a good canary's pass is earned with its bound in numbers")
    func goodCanaryPasses() throws {
        let p = Self.probabilities(tailRatio: 1)
        let looks = Self.looks(baseline: p.baseline, canary: p.canary, requests: 2000, count: 60, every: 10, seed: 0x600D)
        var tracker = SequentialJudge(spec: Self.spec()).tracker()
        for look in looks where tracker.decided == nil { tracker.observe(look) }
        let judgement = tracker.judgement(final: false)
        #expect(judgement.verdict == .pass, "\(judgement.reason)")
        let reason = judgement.reason
        let range = try #require(reason.range(of: "at most +"))
        #expect(reason[..<range.lowerBound].hasSuffix("share of requests slower than 400 ms ") || reason[..<range.lowerBound].hasSuffix("share of requests slower than 500 ms "),
                "\(reason)")
        #expect(reason.contains("% of baseline (ratio ≤ 1.") && reason.contains("99% one-sided confidence sequence), within the tolerated +50% (1.50×)"), "\(reason)")
    }

    @Test("a tail above the largest finite bucket cannot be read: never a pass, with the reason")
    func unreadableTail() {
        // Every request between 1 ms and 10 ms, bounds stopping at 5 ms: the p99 is in +Inf.
        var rng = Xoshiro256StarStar(seed: 5)
        var b = 0.0, c = 0.0
        let looks = (1...30).map { i -> AnalysisLook in
            b += 200 + Double(rng.next() % 20)
            c += 200 + Double(rng.next() % 20)
            let group = { (n: Double) in GroupCounters(requests: n, errors: 0, latencyBuckets: [LatencyBucket(le: 0.001, count: 0), LatencyBucket(le: 0.005, count: n * 0.5),
                                                                                             LatencyBucket(le: .infinity, count: n)]) }
            return AnalysisLook(elapsed: Double(i) * 10, baseline: group(b), canary: group(c))
        }
        let judgement = SequentialJudge(spec: Self.spec()).judge(looks, final: true)
        #expect(judgement.verdict == .inconclusive)
        #expect(judgement.reason.contains("not shown either way by the deadline: the baseline's p99 lies above the largest finite latency bucket (5.0 ms)"), "\(judgement.reason)")
    }

    @Test("judged all at once or look by look, the tail's verdict and reason are the same (what a restart replays)")
    func replay() {
        let p = Self.probabilities(tailRatio: 1.2)
        let looks = Self.looks(baseline: p.baseline, canary: p.canary, requests: 800, count: 40, every: 10, seed: 0x5E)
        var tracker = SequentialJudge(spec: Self.spec()).tracker()
        for (i, look) in looks.enumerated() {
            tracker.observe(look)
            let whole = SequentialJudge(spec: Self.spec()).judge(Array(looks[...i]), final: false)
            #expect(whole == tracker.judgement(final: false))
        }
    }
}
