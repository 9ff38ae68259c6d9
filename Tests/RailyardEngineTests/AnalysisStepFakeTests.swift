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
        let f = try Self.fake(analysis: "{ interval: 5s, max_duration: 60s, min_samples: 20 }")
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

    @Test func aHealthyCanaryPassesAndIsPromotedAndTheBaselineStops() async throws {
        let f = try Self.fake(analysis: "{ interval: 5s, max_duration: 30s, min_samples: 20, metrics: [{ name: errors, kind: error_rate }] }")
        try await f.run {
            let id = try await Self.start(f)
            try await Self.looks(f, id, upTo: 6, canary: (200, 1), baseline: (200, 1))
            let ended = try await f.settle(id)
            #expect(ended.phase == .promoted, "\(ended.reason ?? "")")
            #expect(try await f.engine.rollouts.analyses(rolloutID: id).first?.verdict == .pass)
            #expect(try await f.store.instances(includeStopped: false).filter { $0.role == .baseline }.isEmpty)
        }
    }

    @Test func tooLittleTrafficIsInconclusiveAndWaitsForAPersonWithTrafficUnchanged() async throws {
        let f = try Self.fake(analysis: "{ interval: 5s, max_duration: 15s, min_samples: 100 }")
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
        let f = try Self.fake(analysis: "{ interval: 5s, max_duration: 15s, min_samples: 20 }")
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
