import Foundation
import RailyardCore
import RailyardEngine
import RailyardPorts
import Testing

/// The rollout controller and its step executors on fakes of every port: the same behaviours as the
/// real-process tests in RailyardIntegrationTests (`RolloutEngineTests`), in milliseconds.
@Suite struct RolloutControllerTests {
    static let waves = """
            - name: pre-deployment
              steps: [scripts]
            - name: staging
              target: staging
              steps: [deploy, smoke, promote]
            - name: canary
              target: dc1
              steps: [deploy, setWeight: 40, pause: 1h, promote]
        """
    static let scripts = """
        scripts:
          - name: 001-fee-column
            apply: apply.sh
            rollback: rollback.sh
        """

    func fake(unhealthy: Set<String> = [], failingScripts: Set<String> = []) throws -> FakeEngine {
        FakeEngine(config: try FakeEngine.config(waves: Self.waves, scripts: Self.scripts), unhealthy: unhealthy, failingScripts: failingScripts)
    }

    @Test func abortRollsBackTrafficFirstThenInstancesThenScripts() async throws {
        let f = try fake()
        try await f.run {
            try await f.engine.operations.up(actor: "test")
            let id = try await f.engine.rollouts.deploy(service: "payin", version: "v2", actor: "test").id
            try await f.untilSleeping()
            #expect(try await f.engine.rollouts.rollout(id: id).phase == .paused)
            #expect(f.routers.groups("dc1", "payin").map { "\($0.name) \($0.weight)" } == ["stable 60", "canary 40"])
            #expect(f.driver.alive("v2").count == 3, "one in staging, two in dc1")

            _ = try await f.engine.rollouts.abort(id: id, actor: "test", reason: "looks wrong")
            let ended = try await f.settle(id)
            #expect(ended.phase == .rolledBack && ended.reason == "aborted by test: looks wrong")
            let done = try await f.engine.rollouts.history(subject: id).filter { $0.kind == "rollout.rollback_action_done" }.map(\.message)
            #expect(done == ["rollback: route all of dc1's traffic to stable", "rollback: route all of staging's traffic to stable",
                             "rollback: stop the new version's instances in dc1", "rollback: stop the new version's instances in staging",
                             "rollback: run rollback script of 001-fee-column"])
            #expect(f.scripts.runs.withLock { $0 } == ["apply.sh", "rollback.sh"])
            for target in ["staging", "dc1"] {
                #expect(f.routers.groups(target, "payin").map { "\($0.name) \($0.version) \($0.weight)" } == ["stable v1 100"])
            }
            #expect(f.driver.alive("v2").isEmpty)
            // Traffic left dc1's canary before any v2 instance stopped.
            let lastCanary = try #require(f.routers.applied.withLock { $0 }.lastIndex { $0.hasPrefix("dc1") && $0.contains("canary:v2:40") })
            #expect(f.routers.applied.withLock { $0 }[(lastCanary + 1)...].first { $0.hasPrefix("dc1") } == "dc1 payin stable:v1:100")
        }
    }

    @Test func bakeTimeIsTheInjectedClocksAndPromotionRetiresTheOldVersion() async throws {
        let f = try fake()
        try await f.run {
            try await f.engine.operations.up(actor: "test")
            let id = try await f.engine.rollouts.deploy(service: "payin", version: "v2", actor: "test").id
            try await f.untilSleeping()
            #expect(try await f.engine.rollouts.rollout(id: id).pauseUntil == f.clock.now().addingTimeInterval(3600))
            await #expect(throws: Refusal.self) { try await f.engine.rollouts.deploy(service: "payin", version: "v3", actor: "test") }
            f.clock.advance(by: 3599)
            #expect(f.clock.sleeperCount == 1, "59m59s into a 1h pause the controller still waits")
            f.clock.advance(by: 1)
            let ended = try await f.settle(id)
            #expect(ended.phase == .promoted)
            #expect(try await f.store.stableVersions()["payin"] == ["staging": "v2", "dc1": "v2"])
            #expect(f.driver.alive("v1").isEmpty && f.driver.alive("v2").count == 3)
            #expect(f.routers.groups("dc1", "payin").map(\.version) == ["v2"])
        }
    }

    @Test func aVersionThatNeverGetsHealthyRollsBackWithTheReason() async throws {
        let f = try fake(unhealthy: ["v2"])
        try await f.run {
            try await f.engine.operations.up(actor: "test")
            let id = try await f.engine.rollouts.deploy(service: "payin", version: "v2", actor: "test").id
            let ended = try await f.settle(id)
            #expect(ended.phase == .rolledBack)
            #expect(ended.reason?.contains("boom: fake says unhealthy") == true, "\(ended.reason ?? "")")
            #expect(ended.rollbackPlan == [.routeToStable(target: "staging"), .stopNewInstances(target: "staging"), .rollbackScript(name: "001-fee-column")])
            #expect(f.driver.alive("v2").isEmpty)
        }
    }

    @Test func anAppliedScriptThatChangedIsRefused() async throws {
        let f = try fake()
        try await f.run {
            try await f.engine.operations.up(actor: "test")
            let first = try await f.engine.rollouts.deploy(service: "payin", version: "v2", actor: "test").id
            try await f.untilSleeping()
            f.clock.advance(by: 3600)
            #expect(try await f.settle(first).phase == .promoted)
            f.files.sums.withLock { $0["apply.sh"] = "ffff" }
            let second = try await f.engine.rollouts.deploy(service: "payin", version: "v3", actor: "test").id
            let ended = try await f.settle(second)
            #expect(ended.reason?.contains("001-fee-column changed since rollout \(first) applied it") == true, "\(ended.reason ?? "")")
            #expect(f.scripts.runs.withLock { $0 } == ["apply.sh"], "the changed script did not run again")
        }
    }

    @Test func anApprovalWakesTheControllerThroughTheFeed() async throws {
        let config = try FakeEngine.config(waves: """
                - name: canary
                  target: dc1
                  steps: [deploy, pause: approval, promote]
            """)
        let f = FakeEngine(config: config)
        try await f.run {
            try await f.engine.operations.up(actor: "test")
            let id = try await f.engine.rollouts.deploy(service: "payin", version: "v2", actor: "test").id
            #expect(try await f.settle(id).phase == .awaitingApproval)
            _ = try await f.engine.rollouts.approve(id: id, actor: "release-owner")
            #expect(try await f.settle(id).phase == .promoted)
        }
    }
}
