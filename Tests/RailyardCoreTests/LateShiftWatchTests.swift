import Foundation
import Testing

@testable import RailyardCore
import RailyardSimulation

/// The late watch of the whole latency (`LateShiftWatch`): after a pass, each interval's requests revealed as
/// the analysis reveals them, a canary twice the tolerance slower against one at it, on the error rate's
/// e-detector. Its e-value's expectation at and within the tolerance by enumeration, false alarms at the
/// boundary by simulation, a latency that turns slow late caught, one slow instance held, α shared, the state
/// restart-safe.
@Suite("Judge: late watch of the latency shift")
struct LateShiftWatchTests {
    static let spec = AnalysisSpec(alpha: 0.05, interval: .seconds(10), metrics: [
        AnalysisMetricSpec(name: "error-rate", kind: .errorRate, allowedIncrease: 0.5, acceptableRate: 0.001),
        AnalysisMetricSpec(name: "latency", kind: .latency, allowedIncrease: 0.1),
    ], watchAfterPass: .seconds(1200))

    static func model(_ shift: Double) -> CanaryTrafficModel {
        CanaryTrafficModel(requestsPerSecond: 40, baselineErrorRate: 0, latencyShift: shift, bounds: CanaryTrafficModel.demoBounds)
    }

    /// A canary's two instances, each its own stream (half the traffic), read apart as a source that tells them apart does.
    struct TwoInstances {
        var a: CanaryStreamSimulator
        var b: CanaryStreamSimulator

        init(shiftA: Double, shiftB: Double, seed: UInt64) {
            var one = LateShiftWatchTests.model(shiftA), two = LateShiftWatchTests.model(shiftB)
            one.requestsPerSecond = 20
            two.requestsPerSecond = 20
            a = CanaryStreamSimulator(model: one, seed: seed)
            b = CanaryStreamSimulator(model: two, seed: seed &+ 0x5151)
        }

        /// Both instances after `seconds` more: the canary (their sum, and each apart) and a baseline of as many requests.
        mutating func step(seconds: Double) -> (baseline: GroupCounters, canary: GroupCounters) {
            let one = a.step(seconds: seconds), two = b.step(seconds: seconds)
            var canary = one.canary
            canary.requests += two.canary.requests
            for j in canary.latencyBuckets.indices { canary.latencyBuckets[j].count += two.canary.latencyBuckets[j].count }
            canary.instances = ["10.0.0.1:8080": InstanceCounters(requests: one.canary.requests, latency: one.canary.latencyBuckets.map(\.count)),
                                "10.0.0.2:8080": InstanceCounters(requests: two.canary.requests, latency: two.canary.latencyBuckets.map(\.count))]
            var baseline = one.baseline
            baseline.requests += two.baseline.requests
            for j in baseline.latencyBuckets.indices { baseline.latencyBuckets[j].count += two.baseline.latencyBuckets[j].count }
            return (baseline, canary)
        }

        mutating func change(shiftA: Double, shiftB: Double) {
            var one = LateShiftWatchTests.model(shiftA), two = LateShiftWatchTests.model(shiftB)
            one.requestsPerSecond = 20
            two.requestsPerSecond = 20
            a.changeCanary(to: one)
            b.changeCanary(to: two)
        }
    }

    /// Watches from a pass after a minute of `before`-slower canary; from look `at` on the canary's instances are
    /// `afterA` and `afterB` slower. 120 looks of 10 s, 400 requests a group a look. (alarms, mean look of the alarm, held by one instance).
    static func simulate(before: Double, at: Int = 0, afterA: Double, afterB: Double, runs: Int, seed: UInt64) -> (alarms: Int, meanLook: Double, held: Int) {
        var alarms = 0, sum = 0, held = 0
        for run in 0..<runs {
            var canary = TwoInstances(shiftA: before, shiftB: before, seed: seed &+ UInt64(run) &* 0x9E37)
            let pass = canary.step(seconds: 60)
            guard var state = LateWatchState.start(for: spec, baseline: pass.baseline, canary: pass.canary, at: Date(timeIntervalSince1970: 60)) else { return (0, .nan, 0) }
            for look in 0..<120 {
                if look == at { canary.change(shiftA: afterA, shiftB: afterB) }
                let now = canary.step(seconds: 10)
                state.look(baseline: now.baseline, canary: now.canary, at: Date(timeIntervalSince1970: 70 + Double(look) * 10))
                if state.alarmed { alarms += 1; sum += look + 1; break }
            }
            if state.shift?.carrier != nil { held += 1 }
        }
        return (alarms, alarms > 0 ? Double(sum) / Double(alarms) : .nan, held)
    }

    @Test("it starts with the pass on both groups' histogram, α shared with the other watches; stored and read back, and read from older states")
    func start() throws {
        var simulator = CanaryStreamSimulator(model: Self.model(0), seed: 1)
        let pass = simulator.step(seconds: 60)
        let state = try #require(LateWatchState.start(for: Self.spec, baseline: pass.baseline, canary: pass.canary, at: Date(timeIntervalSince1970: 0)))
        let shift = try #require(state.shift)
        #expect(shift.metric == "latency" && shift.allowedIncrease == 0.1 && shift.alternativeIncrease == 0.2 && shift.maxLooks == 120)
        #expect(shift.alpha == 0.025 && state.watch.alpha == 0.025, "each watch at α/2")
        #expect(shift.pooled.reduce(0, +) == pass.baseline.requests + pass.canary.requests)
        #expect(state.watchedText == "its error rate and its latency")
        // With a tail too, three watches at α/3 each.
        var withTail = Self.spec
        withTail.metrics.append(AnalysisMetricSpec(name: "latency-p90", kind: .latency, allowedIncrease: 0.5, quantile: 0.9))
        let three = try #require(LateWatchState.start(for: withTail, baseline: pass.baseline, canary: pass.canary, at: Date()))
        #expect(three.shift?.alpha == 0.05 / 3 && three.tail?.watch.alpha == 0.05 / 3 && three.watch.alpha == 0.05 / 3)
        #expect(three.watchedText == "its error rate, its latency-p90 tail and its latency")
        // No shift metric, no tolerance, or too few requests at the pass: no shift watch, the error rate's has all of α.
        var errorsOnly = Self.spec
        errorsOnly.metrics.removeLast()
        #expect(LateWatchState.start(for: errorsOnly, baseline: pass.baseline, canary: pass.canary, at: Date())?.shift == nil)
        var untolerated = Self.spec
        untolerated.metrics[1].allowedIncrease = 0
        #expect(LateWatchState.start(for: untolerated, baseline: pass.baseline, canary: pass.canary, at: Date())?.shift == nil)
        var thin = CanaryStreamSimulator(model: Self.model(0), seed: 2)
        let few = thin.step(seconds: 1)
        let none = try #require(LateWatchState.start(for: Self.spec, baseline: few.baseline, canary: few.canary, at: Date()))
        #expect(none.shift == nil && none.watch.alpha == 0.05, "80 requests at the pass")
        // Stored and read back; a state stored before the shift watch existed reads without one.
        let stored = try JSONDecoder().decode(LateWatchState.self, from: try JSONEncoder().encode(state))
        #expect(stored == state)
        var older = try #require(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(state)) as? [String: Any])
        older["shift"] = nil
        let read = try JSONDecoder().decode(LateWatchState.self, from: try JSONSerialization.data(withJSONObject: older))
        #expect(read.shift == nil && read.watch == state.watch)
    }

    @Test("at low traffic the watch compares a pool of intervals at a time, stored with its state; its last look closes the pool")
    func lowTrafficPools() throws {
        var canary = TwoInstances(shiftA: 0.3, shiftB: 0.3, seed: 11)
        let pass = canary.step(seconds: 60)
        var spec = Self.spec
        spec.watchAfterPass = .seconds(60)
        // Looks of 0.1 s: about 8 requests a look, so a pool of 32 gathers about four.
        spec.interval = .milliseconds(100)
        var state = try #require(LateWatchState.start(for: spec, baseline: pass.baseline, canary: pass.canary, at: Date(timeIntervalSince1970: 60)))
        var moved: [Bool] = [], waiting: [Bool] = []
        for look in 1...12 {
            let before = state.shift?.evidence
            let now = canary.step(seconds: 0.1)
            state.look(baseline: now.baseline, canary: now.canary, at: Date(timeIntervalSince1970: 60 + Double(look) * 0.1))
            moved.append(state.shift?.evidence != before)
            waiting.append(state.shift?.batch?.isEmpty == false)
            if look == 2 {
                // A restarted server resumes the pool as it was.
                let stored = try JSONDecoder().decode(LateWatchState.self, from: try JSONEncoder().encode(state))
                #expect(stored == state && stored.shift?.batch?.waiting == state.shift?.batch?.waiting && (state.shift?.batch?.waiting ?? 0) > 0)
            }
        }
        #expect(moved.filter { $0 }.count >= 2 && moved.filter { $0 }.count <= 5, "the evidence moves only when a pool is compared: \(moved)")
        #expect(zip(moved, waiting).allSatisfy { !($0 && $1) }, "a look that compared leaves nothing waiting: \(moved) \(waiting)")
        // A state stored before pools reads with none.
        var older = try #require(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(state)) as? [String: Any])
        var shift = try #require(older["shift"] as? [String: Any])
        shift["batch"] = nil
        older["shift"] = shift
        let read = try JSONDecoder().decode(LateWatchState.self, from: try JSONSerialization.data(withJSONObject: older))
        #expect(read.shift?.batch == nil && read.shift?.evidence == state.shift?.evidence)

        // The watch's last look closes the pool: three looks of 0.1 s (about 24 requests, under a pool's 32) are its
        // whole watch; only the last compares, and nothing is left waiting.
        spec.watchAfterPass = .milliseconds(300)
        var fresh = TwoInstances(shiftA: 0, shiftB: 0, seed: 12)
        let start = fresh.step(seconds: 60)
        var last = try #require(LateWatchState.start(for: spec, baseline: start.baseline, canary: start.canary, at: Date(timeIntervalSince1970: 60)))
        var movedAtLast: [Bool] = []
        for look in 1...3 {
            let before = last.shift?.evidence
            let now = fresh.step(seconds: 0.1)
            last.look(baseline: now.baseline, canary: now.canary, at: Date(timeIntervalSince1970: 60 + Double(look) * 0.1))
            movedAtLast.append(last.shift?.evidence != before)
        }
        #expect(last.shift?.maxLooks == 3 && movedAtLast == [false, false, true] && last.shift?.batch?.isEmpty == true, "\(movedAtLast)")
    }

    @Test("an interval's e-value has expectation at most 1 for a canary at or within the tolerance, by enumeration of every split")
    func expectationByEnumeration() throws {
        // Four buckets, 3 + 2 + 2 + 1 requests in the interval, 4 of them the canary's: every split enumerated,
        // each weighted by the tilted urns the reveal walks (the canary at tilt λ), as the analysis's tests do.
        var simulator = CanaryStreamSimulator(model: CanaryTrafficModel(requestsPerSecond: 40, baselineErrorRate: 0, bounds: [0.05, 0.1, 0.25]), seed: 3)
        let pass = simulator.step(seconds: 60)
        let shift = try #require(LateShiftWatch.start(for: AnalysisSpec(metrics: [Self.spec.metrics[1]]), baseline: pass.baseline, canary: pass.canary,
                                                      alpha: 0.05, maxLooks: 10))
        let scores = LatencyScores.scores(bounds: shift.bounds, pooled: shift.pooled)
        let totals = [3, 2, 2, 1], canaryTotal = 4
        let null = ToleratedShift.tilts(factor: 1.1, bounds: shift.bounds, pooled: shift.pooled, scores: scores, canaryShare: 0.5).fail
        var expectations: [Double] = []
        for tilt in [null, null - 0.3, null - 0.8] {
            var expectation = 0.0, mass = 0.0
            func walk(_ j: Int, _ canaries: [Int], _ probability: Double) {
                guard j < totals.count else {
                    guard canaries.reduce(0, +) == canaryTotal else { return }
                    let baseline = zip(totals, canaries).map { Double($0 - $1) }
                    expectation += probability * exp(shift.logE(canary: canaries.map(Double.init), baseline: baseline, scores: scores))
                    mass += probability
                    return
                }
                for x in 0...totals[j] { walk(j + 1, canaries + [x], probability * Self.weight(totals: totals, canaries: canaries + [x], j: j, tilt: tilt, scores: scores)) }
            }
            walk(0, [], 1)
            #expect(abs(mass - 1) < 1e-9, "the tilted urns' probabilities sum to 1: \(mass)")
            #expect(expectation <= 1 + 1e-9, "tilt \(tilt) (the tolerance's \(null)): E = \(expectation)")
            expectations.append(expectation)
        }
        // Exactly 1 at the tolerance (a likelihood ratio under its own null), below 1 within it.
        #expect(abs(expectations[0] - 1) < 1e-9 && expectations[1] < 0.99 && expectations[2] < expectations[1], "\(expectations)")
    }

    /// P(the canary's count in bucket j | the buckets before) under the tilted urn the reveal walks: Fisher's
    /// noncentral hypergeometric with odds exp(tilt · contrast_j); 1 for the last bucket (determined).
    static func weight(totals: [Int], canaries: [Int], j: Int, tilt: Double, scores: [Double]) -> Double {
        let population = totals[j...].reduce(0, +), successes = 4 - canaries[..<j].reduce(0, +)
        let rest = totals[(j + 1)...].reduce(0, +)
        guard rest > 0 else { return canaries[j] == successes ? 1 : 0 }
        let restScore = zip(totals[(j + 1)...], scores[(j + 1)...]).map { Double($0) * $1 }.reduce(0, +) / Double(rest)
        let contrast = scores[j] - restScore
        func term(_ x: Int) -> Double {
            guard x >= 0, x <= totals[j], successes - x >= 0, successes - x <= rest else { return 0 }
            return Self.choose(totals[j], x) * Self.choose(rest, successes - x) * exp(tilt * contrast * Double(x))
        }
        let normaliser = (0...totals[j]).map(term).reduce(0, +)
        _ = population
        return normaliser > 0 ? term(canaries[j]) / normaliser : 0
    }

    static func choose(_ n: Int, _ k: Int) -> Double {
        guard k >= 0, k <= n else { return 0 }
        return exp(lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1)))
    }

    @Test("a canary exactly at the tolerance (+10%) alarms in at most α/2 of runs over its 120 looks; one like its baseline in none")
    func falseAlarms() async {
        let runs = 200
        let (boundary, same) = await OffPool.run {
            (Self.simulate(before: 0.1, afterA: 0.1, afterB: 0.1, runs: runs, seed: 0xB0DA), Self.simulate(before: 0, afterA: 0, afterB: 0, runs: 40, seed: 0xA0A0))
        }
        print("late shift watch, 120 looks of 400 requests a group at α/2 = 0.025: at +10% \(boundary.alarms) of \(runs) alarmed, like its baseline \(same.alarms) of 40")
        #expect(boundary.alarms <= 5, "α/2 of 200 is 5: \(boundary.alarms)")
        #expect(same.alarms == 0)
    }

    @Test("a latency that turns 30% slower after 40 good looks is caught in every run, soon after; one slow instance of two is held, not alarmed")
    func lateRegressionAndOddInstance() async {
        let runs = 100
        let (late, odd) = await OffPool.run {
            (Self.simulate(before: 0, at: 40, afterA: 0.3, afterB: 0.3, runs: runs, seed: 0x1A7E),
             Self.simulate(before: 0, at: 40, afterA: 0.6, afterB: 0, runs: runs, seed: 0x0DD1))
        }
        print("late shift watch: +30% after look 40 caught in \(late.alarms) of \(runs), at look \(late.meanLook) on average; "
              + "one instance 60% slower: \(odd.alarms) alarms, \(odd.held) held by that instance")
        #expect(late.alarms == runs)
        #expect(late.meanLook > 40 && late.meanLook < 60, "\(late.meanLook)")
        #expect(odd.alarms == 0, "one slow host is not the version")
        #expect(odd.held >= 90, "the whole canary shows it, without the slow instance it does not: \(odd.held) of \(runs)")
    }

    @Test("instances whose own latency is not read hold no alarm; a restart that sends the group back still marks its instance; a held alarm is said")
    func instancesReadOrNot() async throws {
        let (unread, restarted, held, recovered) = await OffPool.run { () -> (Bool, Set<String>, LateWatchState?, LateWatchState?) in
            // Requests read apart, latency not (a source whose instances' buckets could not be read): the whole canary decides.
            var canary = TwoInstances(shiftA: 0, shiftB: 0, seed: 21)
            let blind = { (group: GroupCounters) -> GroupCounters in
                var g = group
                g.instances = g.instances.mapValues { InstanceCounters(requests: $0.requests) }
                return g
            }
            let pass = canary.step(seconds: 60)
            var unreadAlarmed = false
            if var state = LateWatchState.start(for: Self.spec, baseline: pass.baseline, canary: blind(pass.canary), at: Date(timeIntervalSince1970: 60)) {
                canary.change(shiftA: 0.5, shiftB: 0.5)
                for look in 0..<120 where !state.alarmed {
                    let now = canary.step(seconds: 10)
                    state.look(baseline: now.baseline, canary: blind(now.canary), at: Date(timeIntervalSince1970: 70 + Double(look) * 10))
                }
                unreadAlarmed = state.alarmed
            }
            // One instance restarts: its counts and the group's go back, so the interval is not counted; the restart is.
            var two = TwoInstances(shiftA: 0, shiftB: 0, seed: 22)
            let start = two.step(seconds: 60)
            var restartedSeen: Set<String> = []
            if var state = LateWatchState.start(for: Self.spec, baseline: start.baseline, canary: start.canary, at: Date(timeIntervalSince1970: 60)) {
                var now = two.step(seconds: 10)
                let a = now.canary.instances["10.0.0.1:8080"]!
                let fresh = a.latency.map { $0 * 0.01 }
                for j in now.canary.latencyBuckets.indices { now.canary.latencyBuckets[j].count -= a.latency[j] - fresh[j] }
                now.canary.requests -= a.requests - fresh.last!
                now.canary.instances["10.0.0.1:8080"] = InstanceCounters(requests: fresh.last!, latency: fresh)
                state.look(baseline: now.baseline, canary: now.canary, at: Date(timeIntervalSince1970: 70))
                restartedSeen = state.shift?.restarted ?? []
            }
            // One instance 60% slower: held, and said.
            var odd = TwoInstances(shiftA: 0, shiftB: 0, seed: 23)
            let oddPass = odd.step(seconds: 60)
            var heldState: LateWatchState?
            if var state = LateWatchState.start(for: Self.spec, baseline: oddPass.baseline, canary: oddPass.canary, at: Date(timeIntervalSince1970: 60)) {
                odd.change(shiftA: 0.6, shiftB: 0)
                for look in 0..<120 where state.shift?.carrier == nil && !state.alarmed {
                    let now = odd.step(seconds: 10)
                    state.look(baseline: now.baseline, canary: now.canary, at: Date(timeIntervalSince1970: 70 + Double(look) * 10))
                }
                heldState = state
            }
            // That instance well again: its alarm's evidence falls away, the hold is kept for the promote.
            var recovered = heldState
            if var state = recovered, state.shift?.carrier != nil {
                odd.change(shiftA: 0, shiftB: 0)
                for look in 0..<60 where state.shift?.carrier != nil {
                    let now = odd.step(seconds: 10)
                    state.look(baseline: now.baseline, canary: now.canary, at: Date(timeIntervalSince1970: 2_000 + Double(look) * 10))
                }
                recovered = state
            }
            return (unreadAlarmed, restartedSeen, heldState, recovered)
        }
        #expect(unread, "a +50% canary whose instances' latency is unread is still alarmed on the whole canary")
        #expect(restarted == ["10.0.0.1:8080"], "\(restarted)")
        let state = try #require(held)
        #expect(!state.alarmed && state.shift?.carrier == "10.0.0.1:8080")
        let reason = state.heldReason ?? ""
        #expect(reason.hasPrefix("late regression after the pass: latency's requests over the last ")
                && reason.hasSuffix("; carried by canary instance 10.0.0.1:8080 alone: a host, not the version, so no rollback (look at that host)"), "\(reason)")
        #expect(state.heldNote == "; an alarm was held: canary instance 10.0.0.1:8080 alone carried it")
        #expect(state.held == reason && state.heldBy == "10.0.0.1:8080", "the hold kept with the state: \(state.held ?? "nil")")
        let later = try #require(recovered)
        #expect(later.shift?.carrier == nil && !later.alarmed, "the instance well again, its evidence fell below the threshold")
        #expect(later.heldBy == "10.0.0.1:8080" && later.heldNote == state.heldNote
                && later.held?.hasSuffix("; carried by canary instance 10.0.0.1:8080 alone: a host, not the version, so no rollback (look at that host)") == true,
                "a hold once seen stays for the promote: \(later.held ?? "nil")")
    }

    @Test("buckets changed for good: each interval is a look without evidence, and the watch ends after its looks rather than at the promote")
    func changedBucketsStillSpendLooks() async throws {
        let spent = await OffPool.run { () -> (Bool, Int, Double)? in
            var canary = TwoInstances(shiftA: 0, shiftB: 0, seed: 31)
            let pass = canary.step(seconds: 60)
            guard var state = LateWatchState.start(for: Self.spec, baseline: pass.baseline, canary: pass.canary, at: Date(timeIntervalSince1970: 60)) else { return nil }
            // The service now exposes one bound fewer (a new build's buckets): no interval's latency can be read on the pass's.
            let rebucketed = { (group: GroupCounters) -> GroupCounters in
                var g = group
                g.latencyBuckets.removeFirst()
                g.instances = g.instances.mapValues { InstanceCounters(requests: $0.requests, latency: Array($0.latency.dropFirst())) }
                return g
            }
            for look in 0..<Int(Self.spec.watchAfterPass.timeInterval / 10) {
                let now = canary.step(seconds: 10)
                state.look(baseline: rebucketed(now.baseline), canary: rebucketed(now.canary), at: Date(timeIntervalSince1970: 70 + Double(look) * 10))
            }
            return (state.spent, state.shift?.looks ?? -1, state.shift?.evidence ?? -1)
        }
        let (ended, looks, evidence) = try #require(spent)
        #expect(ended && looks == 120 && evidence == 0, "spent \(ended) after \(looks) looks, evidence \(evidence)")
    }

    @Test("the alarm's reason says what each group answered since the evidence began to rise and since the pass, and the evidence")
    func alarmReason() async throws {
        // Off Swift's cooperative pool: the looks compute, and the pool carries the real-process tests' traffic.
        let watched = await OffPool.run { () -> LateWatchState? in
            var canary = TwoInstances(shiftA: 0, shiftB: 0, seed: 9)
            let pass = canary.step(seconds: 60)
            guard var state = LateWatchState.start(for: Self.spec, baseline: pass.baseline, canary: pass.canary, at: Date(timeIntervalSince1970: 60)) else { return nil }
            canary.change(shiftA: 0.5, shiftB: 0.5)
            var looks = 0
            while !state.alarmed && looks < 120 {
                let now = canary.step(seconds: 10)
                state.look(baseline: now.baseline, canary: now.canary, at: Date(timeIntervalSince1970: 70 + Double(looks) * 10))
                looks += 1
            }
            return state
        }
        let state = try #require(watched)
        #expect(state.alarmed)
        let reason = state.alarmReason
        #expect(reason.hasPrefix("late regression after the pass: latency's requests over the last "), "\(reason)")
        #expect(reason.contains(" on the canary vs p50 ") && reason.contains("; since the pass, p50 "), "\(reason)")
        #expect(reason.contains("the watch's evidence for a canary +20% slower over the tolerated +10% reached "), "\(reason)")
        // Resumed from its stored state, the same looks give the same statistic (what a restarted server does).
        let stored = try JSONDecoder().decode(LateWatchState.self, from: try JSONEncoder().encode(state))
        #expect(stored.shift?.evidence == state.shift?.evidence && stored.alarmed)
    }
}
