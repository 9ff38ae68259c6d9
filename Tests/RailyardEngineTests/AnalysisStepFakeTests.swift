import Foundation
import RailyardCore
import RailyardEngine
import RailyardPorts
import Testing

/// The analysis step on fakes: counters come from a fake metric source the test grows before each
/// look, and each look happens when the test moves the manual clock. The same four paths as the
/// real-traffic `AnalysisStepTests`, in milliseconds.
@Suite struct AnalysisStepFakeTests {
    static func fake(analysis: String) throws -> FakeEngine {
        FakeEngine(config: try FakeEngine.config(waves: """
                - name: canary
                  target: dc1
                  steps: [deploy, setWeight: 25, analysis: \(analysis), promote]
            """))
    }

    /// Adds traffic to the canary and baseline instances, then moves the clock one interval and waits
    /// until that look is stored (or the rollout has left the analysis).
    static func look(_ f: FakeEngine, _ id: String, canary: (Double, Double), baseline: (Double, Double), interval: TimeInterval = 5) async throws {
        try await f.untilSleeping()
        let instances = try await f.store.instances(includeStopped: false).filter { $0.target == "dc1" && $0.rolloutID == id }
        for instance in instances {
            let share = instance.role == .baseline ? baseline : canary
            f.metrics.add(instance.address, requests: share.0, errors: share.1)
        }
        let before = try await looks(f, id).count
        f.clock.advance(by: interval)
        for _ in 0..<5_000 {
            if try await looks(f, id).count > before { return }
            if try await f.engine.rollouts.rollout(id: id).phase != .running { return }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Up to `count` looks with the same traffic each, while the rollout stays in the analysis.
    static func looks(_ f: FakeEngine, _ id: String, upTo count: Int, canary: (Double, Double), baseline: (Double, Double)) async throws {
        for _ in 0..<count where try await f.engine.rollouts.rollout(id: id).phase == .running {
            try await look(f, id, canary: canary, baseline: baseline)
        }
    }

    static func looks(_ f: FakeEngine, _ id: String) async throws -> [(look: AnalysisLook, judgement: Judgement)] {
        guard let analysis = try await f.engine.rollouts.analyses(rolloutID: id).first else { return [] }
        return try await f.store.looks(analysisID: analysis.id)
    }

    static func start(_ f: FakeEngine) async throws -> String {
        try await f.engine.operations.up(actor: "test")
        let id = try await f.engine.rollouts.deploy(service: "payin", version: "v2", actor: "test").id
        try await f.untilSleeping()
        #expect(f.routers.groups("dc1", "payin").map { "\($0.name) \($0.weight)" } == ["stable 50", "canary 25", "baseline 25"])
        return id
    }

    @Test func aFailingCanaryRollsBackBeforeTheDeadlineTrafficFirst() async throws {
        let f = try Self.fake(analysis: "{ interval: 5s, max_duration: 60s }")
        try await f.run {
            let id = try await Self.start(f)
            try await Self.looks(f, id, upTo: 12, canary: (80, 40), baseline: (80, 0))
            let ended = try await f.settle(id)
            #expect(ended.phase == .rolledBack)
            #expect(ended.reason?.hasPrefix("analysis failed: error-rate") == true, "\(ended.reason ?? "")")
            #expect(try await Self.looks(f, id).count < 12, "failed before the 60 s deadline")
            #expect(ended.rollbackPlan.first == .routeToStable(target: "dc1"))
            #expect(f.driver.alive("v2").isEmpty, "canary stopped")
            #expect(f.routers.groups("dc1", "payin").map { "\($0.name) \($0.version) \($0.weight)" } == ["stable v1 100"])
        }
    }

    @Test func aHealthyCanaryEarnsItsPassBeforeTheDeadlineAndIsPromotedAndTheBaselineStops() async throws {
        // The defaults: +50% over the baseline's error rate, or 0.1% of requests whatever the baseline.
        let f = try Self.fake(analysis: "{ interval: 5s, max_duration: 60s, metrics: [{ name: errors, kind: error_rate }] }")
        try await f.run {
            let id = try await Self.start(f)
            try await Self.looks(f, id, upTo: 12, canary: (2_000, 0), baseline: (2_000, 0))
            let ended = try await f.settle(id)
            #expect(ended.phase == .promoted, "\(ended.reason ?? "")")
            let analysis = try #require(try await f.engine.rollouts.analyses(rolloutID: id).first)
            #expect(analysis.verdict == .pass)
            // No error in 2,000 requests a look from each of the canary's two instances: the canary's rate is
            // shown under 0.1% once it has served about 6,000 (the exact fixed-sample bound at 99.5% needs 5,300).
            let seen = try await Self.looks(f, id)
            #expect(seen.map(\.look.canary.requests) == [4_000, 8_000], "passed at the second look, long before the 60 s deadline: \(seen.map(\.judgement.reason))")
            #expect(analysis.reason?.contains("canary error rate at most 0.") == true && analysis.reason?.contains("within the acceptable 0.10%") == true,
                    "\(analysis.reason ?? "")")
            #expect(try await f.store.instances(includeStopped: false).filter { $0.role == .baseline }.isEmpty)
        }
    }

    @Test func anUndecidedAnalysisWatchesOnForItsExtensionAndPassesWhenTheEvidenceComes() async throws {
        let f = try Self.fake(analysis: "{ interval: 5s, max_duration: 15s, max_extension: 20s, metrics: [{ name: errors, kind: error_rate }] }")
        try await f.run {
            let id = try await Self.start(f)
            try await Self.looks(f, id, upTo: 3, canary: (100, 0), baseline: (100, 0))
            #expect(try await f.engine.rollouts.rollout(id: id).phase == .running, "undecided at the 15 s deadline, and watching on")
            let extended = try await f.store.events(subject: id, limit: 100).filter { $0.kind == "analysis.extended" }
            #expect(extended.count == 1 && extended.first?.message.contains("undecided after 15s; watching up to 20s more") == true, "\(extended.map(\.message))")
            try await Self.looks(f, id, upTo: 4, canary: (4_000, 0), baseline: (4_000, 0))
            let ended = try await f.settle(id)
            #expect(ended.phase == .promoted, "\(ended.reason ?? "")")
            let seen = try await Self.looks(f, id)
            #expect(seen.map(\.look.canary.requests) == [200, 400, 600, 8_600], "passed at 20 s, in its extension: \(seen.map(\.judgement.reason))")
        }
    }

    @Test func anAnalysisStillUndecidedAfterItsExtensionAsksAPersonAndNeverPasses() async throws {
        let f = try Self.fake(analysis: "{ interval: 5s, max_duration: 15s, max_extension: 10s, metrics: [{ name: errors, kind: error_rate }] }")
        try await f.run {
            let id = try await Self.start(f)
            try await Self.looks(f, id, upTo: 8, canary: (100, 0), baseline: (100, 0))
            let waiting = try await f.settle(id)
            #expect(waiting.phase == .awaitingApproval)
            #expect(try await Self.looks(f, id).count == 5, "15 s and 10 s more, a look every 5 s")
            #expect(waiting.reason?.hasPrefix("analysis inconclusive after 15s and 10s more: errors 0.0% vs 0.0% on baseline after 1,000 canary") == true,
                    "\(waiting.reason ?? "")")
            #expect(waiting.reason?.contains("not shown either way by the deadline") == true, "\(waiting.reason ?? "")")
            #expect(try await f.engine.rollouts.analyses(rolloutID: id).first?.verdict == .inconclusive)
        }
    }

    @Test func tooLittleTrafficIsInconclusiveAndWaitsForAPersonWithTrafficUnchanged() async throws {
        let f = try Self.fake(analysis: "{ interval: 5s, max_duration: 15s }")
        try await f.run {
            let id = try await Self.start(f)
            try await Self.looks(f, id, upTo: 3, canary: (5, 0), baseline: (5, 0))
            let waiting = try await f.settle(id)
            #expect(waiting.phase == .awaitingApproval)
            #expect(waiting.reason?.hasPrefix("analysis inconclusive after 15s") == true, "\(waiting.reason ?? "")")
            #expect(f.routers.groups("dc1", "payin").map(\.weight) == [50, 25, 25], "traffic unchanged while a person decides")
            _ = try await f.engine.rollouts.approve(id: id, actor: "release-owner")
            #expect(try await f.settle(id).phase == .promoted)
        }
    }

    @Test func noTrafficAtAllIsNeverAnEarlyFailButFailsAtTheDeadline() async throws {
        let f = try Self.fake(analysis: "{ interval: 5s, max_duration: 15s }")
        try await f.run {
            let id = try await Self.start(f)
            try await Self.looks(f, id, upTo: 3, canary: (0, 0), baseline: (0, 0))
            let looks = try await Self.looks(f, id)
            #expect(looks.prefix(2).allSatisfy { $0.judgement.verdict == .inconclusive })
            let ended = try await f.settle(id)
            let count = try await Self.looks(f, id).count
            #expect(ended.phase == .rolledBack)
            #expect(ended.reason?.contains("no data") == true, "\(ended.reason ?? "") after \(count) looks")
        }
    }
}
