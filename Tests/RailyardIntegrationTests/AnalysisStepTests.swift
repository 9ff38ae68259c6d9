import Foundation
import PaymentsDemo
import RailyardAdapters
import RailyardPorts
import RailyardCore
import RailyardEngine
import Testing

/// The analysis step in the rollout controller: real canary and baseline instances behind the real
/// dc1 router, real pay-ins, real `/metrics` scraped; each look happens when the test moves the manual
/// clock by one interval.
@Suite(.serialized, .fleet) struct AnalysisStepTests {
    static func waves(analysis: String) -> String {
        """
            - name: canary
              target: dc1
              steps: [deploy, setWeight: 25, analysis: \(analysis), promote]
        """
    }

    /// Sends `payins` through dc1's router, moves the clock one interval and waits until the controller
    /// has stored that look and shows it live. Returns the looks stored so far.
    func look(_ harness: EngineHarness, rollout id: String, payins: Int, interval: TimeInterval = 5) async throws -> [(look: AnalysisLook, judgement: Judgement)] {
        try await harness.waitUntilSleeping(rollout: id)
        let analysisID = try #require(try await harness.engine.rollouts.analyses(rolloutID: id).first?.id, "the analysis is stored before its first look")
        let before = try await harness.engine.store.looks(analysisID: analysisID).count
        if payins > 0 { await PaymentTraffic(routers: [try await harness.trafficURL("dc1")]).send(payins) }
        harness.clock.advance(by: interval)
        for _ in 0..<1200 {
            let looks = try await harness.engine.store.looks(analysisID: analysisID)
            // Stored first, then shown live: wait for both.
            if looks.count > before, await harness.engine.rollouts.liveAnalysis(rolloutID: id)?.look.elapsed == looks.last?.look.elapsed { return looks }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw TestFailure("look \(before + 1) of \(analysisID) was never stored")
    }

    /// Deploys v2 and waits until the analysis waits for its first look.
    func startAnalysis(_ harness: EngineHarness) async throws -> RolloutRecord {
        let rollout = try await harness.engine.rollouts.deploy(service: "payin", version: "v2", actor: "test")
        try await harness.waitUntilSleeping(rollout: rollout.id)
        for _ in 0..<1200 where try await harness.engine.rollouts.analyses(rolloutID: rollout.id).isEmpty {
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect(try await harness.groups("dc1").map { "\($0.name) \($0.version) \($0.weight)" } == ["stable v1 50", "canary v2 25", "baseline v1 25"],
                "the baseline runs the stable version with the canary's weight")
        return rollout
    }

    @Test func aFailingCanaryIsRolledBackByTheAnalysisBeforeTheDeadlineTrafficFirst() async throws {
        try await EngineHarness.run("analysis-fail", waves: Self.waves(analysis: "{ interval: 5s, max_duration: 60s }"),
                                                   behaviour: "payin:\n  v2: { failure_rate: 0.5 }\n") { harness in
            let rollout = try await startAnalysis(harness)
            var looks: [(look: AnalysisLook, judgement: Judgement)] = []
            while looks.count < 12, looks.last?.judgement.verdict ?? .inconclusive == .inconclusive {
                looks = try await look(harness, rollout: rollout.id, payins: 80)
            }
            let ended = try await harness.waitFor(rollout.id, .rolledBack)
            #expect(ended.phase == .rolledBack)
            #expect(looks.count < 12, "the sequential judge failed before the deadline, after \(looks.count) looks")
            #expect(looks.dropLast().allSatisfy { $0.judgement.verdict == .inconclusive } && looks.last?.judgement.verdict == .fail)
            let reason = try #require(ended.reason)
            #expect(reason.hasPrefix("analysis failed: error-rate") && reason.contains("vs 0.0% on baseline") && reason.contains("; regression shown: error-rate ratio ≥ "), "reason: \(reason)")
            #expect(ended.rollbackPlan.first == .routeToStable(target: "dc1"), "traffic first: \(ended.rollbackPlan)")

            let analysis = try #require(try await harness.engine.rollouts.analyses(rolloutID: rollout.id).first)
            #expect(analysis.verdict == .fail && ended.reason == "analysis failed: " + (analysis.reason ?? ""), "the stored verdict is the rollback's reason")
            #expect(try await harness.groups("dc1").map { "\($0.name) \($0.version) \($0.weight)" } == ["stable v1 100"])
            #expect(try await harness.engine.fleet.liveInstances(service: "payin", target: "dc1", role: .baseline).isEmpty, "baseline stopped")
            #expect(try await harness.engine.fleet.liveInstances(service: "payin", version: "v2").isEmpty, "canary stopped")
        }
    }

    @Test func aHealthyCanaryEarnsItsPassAndThePromotionStopsTheBaseline() async throws {
        // No pay-in fails: the pass rests on the canary's own rate, shown under the acceptable 5%.
        let analysis = "{ interval: 5s, max_duration: 60s, metrics: [{ name: error-rate, kind: error_rate, acceptable_rate: 0.05 }] }"
        try await EngineHarness.run("analysis-pass", waves: Self.waves(analysis: analysis)) { harness in
            let rollout = try await startAnalysis(harness)
            var looks: [(look: AnalysisLook, judgement: Judgement)] = []
            looks = try await look(harness, rollout: rollout.id, payins: 200)
            let live = try #require(await harness.engine.rollouts.liveAnalysis(rolloutID: rollout.id), "the live view has the first look")
            #expect(live.weights == ["stable": 50, "canary": 25, "baseline": 25] && live.look.canary.requests == 50, "\(live.weights) \(live.look)")
            while looks.count < 12, looks.last?.judgement.verdict == .inconclusive {
                looks = try await look(harness, rollout: rollout.id, payins: 200)
            }
            let ended = try await harness.waitFor(rollout.id, .promoted)
            #expect(ended.phase == .promoted, "reason: \(ended.reason ?? "")")
            // 50 pay-ins a look to the canary, none failed: about 110 are needed to show under 5% at 99.5%.
            #expect(looks.map(\.judgement.verdict) == [.inconclusive, .inconclusive, .pass], "\(looks.map(\.judgement.reason))")
            #expect(looks.last.map { ($0.look.canary.requests, $0.look.baseline.requests) } ?? (0, 0) == (150, 150), "200 pay-ins a look: 50 to each group")
            let stored = try #require(try await harness.engine.rollouts.analyses(rolloutID: rollout.id).first)
            #expect(stored.verdict == .pass && stored.reason?.contains("canary error rate at most ") == true
                    && stored.reason?.contains("within the acceptable 5.0%") == true, "\(stored.reason ?? "")")
            #expect(try await harness.groups("dc1").map { "\($0.name) \($0.version) \($0.weight)" } == ["stable v2 100"])
            #expect(try await harness.engine.fleet.liveInstances(service: "payin", role: .baseline).isEmpty, "baseline stopped at promote")
        }
    }

    @Test func tooLittleTrafficByTheDeadlineWaitsForAPersonThenApprovalPromotes() async throws {
        try await EngineHarness.run("analysis-inconclusive", waves: Self.waves(analysis: "{ interval: 5s, max_duration: 15s }")) { harness in
            let rollout = try await startAnalysis(harness)
            for _ in 0..<3 { _ = try await look(harness, rollout: rollout.id, payins: 40) }
            let waiting = try await harness.waitFor(rollout.id, .awaitingApproval)
            #expect(waiting.phase == .awaitingApproval)
            let reason = try #require(waiting.reason)
            #expect(reason.hasPrefix("analysis inconclusive after 15s") && reason.contains("not shown either way by the deadline"), "reason: \(reason)")
            #expect(try await harness.engine.rollouts.analyses(rolloutID: rollout.id).first?.verdict == .inconclusive)
            #expect(try await harness.groups("dc1").first { $0.name == "canary" }?.weight == 25, "traffic unchanged while a person decides")

            _ = try await harness.engine.rollouts.approve(id: rollout.id, actor: "release-owner")
            let ended = try await harness.waitFor(rollout.id, .promoted)
            #expect(ended.phase == .promoted)
            #expect(try await harness.groups("dc1").map(\.version) == ["v2"])
        }
    }

    @Test func noTrafficIsNeverAnEarlyFailButFailsAtTheDeadline() async throws {
        try await EngineHarness.run("analysis-nodata", waves: Self.waves(analysis: "{ interval: 5s, max_duration: 15s }")) { harness in
            let rollout = try await startAnalysis(harness)
            var looks: [(look: AnalysisLook, judgement: Judgement)] = []
            for _ in 0..<3 { looks = try await look(harness, rollout: rollout.id, payins: 0) }
            let ended = try await harness.waitFor(rollout.id, .rolledBack)
            #expect(looks.map(\.judgement.verdict) == [.inconclusive, .inconclusive, .fail])
            let reason = try #require(ended.reason)
            #expect(ended.phase == .rolledBack && reason.contains("no data"), "reason: \(reason)")
            #expect(try await harness.groups("dc1").map { "\($0.name) \($0.version) \($0.weight)" } == ["stable v1 100"])
        }
    }
}
