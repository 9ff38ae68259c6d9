import Foundation
import RailyardAdapters
import RailyardPorts
import RailyardCore
import RailyardEngine
import RailyardServer
import Testing

/// The rollout controller in-process, on a manual clock, against real instances and routers.
@Suite(.serialized, .fleet) struct RolloutEngineTests {
    func setUp(_ name: String, waves: String, command: String? = nil, _ body: (EngineHarness) async throws -> Void) async throws {
        try await EngineHarness.run(name, waves: waves, scripts: EngineHarness.scripts, command: command, body)
    }

    static let canaryWaves = """
            - name: pre-deployment
              steps: [scripts]
            - name: staging
              target: staging
              steps: [deploy, smoke, promote]
            - name: canary
              target: dc1
              steps: [deploy, setWeight: 40, pause: 1h, promote]
        """

    @Test func abortRollsBackTrafficFirstThenInstancesThenScripts() async throws {
        try await setUp("abort", waves: Self.canaryWaves) { setup in
            let rollout = try await setup.engine.rollouts.deploy(service: "payin", version: "v2", actor: "test")
            _ = try await setup.waitFor(rollout.id, .paused)
            #expect(try await setup.groups("dc1").first { $0.name == "canary" }?.weight == 40)
            #expect(FileManager.default.fileExists(atPath: setup.folder + "/marker.txt"))

            _ = try await setup.engine.rollouts.abort(id: rollout.id, actor: "test", reason: "payin v2 looks wrong")
            let ended = try await setup.waitFor(rollout.id, .rolledBack)
            #expect(ended.phase == .rolledBack)
            #expect(ended.reason == "aborted by test: payin v2 looks wrong")
            #expect(ended.rollbackPlan == [.routeToStable(target: "dc1"), .routeToStable(target: "staging"),
                                           .stopNewInstances(target: "dc1"), .stopNewInstances(target: "staging"),
                                           .rollbackScript(name: "001-fee-column")])
            // The order really followed, as the audit log recorded it.
            let done = try await setup.engine.rollouts.history(subject: rollout.id).filter { $0.kind == "rollout.rollback_action_done" }.map(\.message)
            #expect(done == ended.rollbackPlan.map { "rollback: \($0)" })
            for target in ["dc1", "staging"] {
                let groups = try await setup.groups(target)
                #expect(groups.map(\.name) == ["stable"] && groups.first?.version == "v1" && groups.first?.weight == 100)
            }
            #expect(try await setup.engine.fleet.liveInstances(service: "payin", version: "v2").isEmpty)
            #expect(!FileManager.default.fileExists(atPath: setup.folder + "/marker.txt"))
            #expect(FileManager.default.fileExists(atPath: setup.folder + "/rollback-ran.txt"))
        }
    }

    @Test func anExpandOnlyScriptStaysAppliedWhenTheRolloutRollsBack() async throws {
        let scripts = EngineHarness.scripts + """

              - name: 002-payin-index
                apply: apply.sh
                expand_only: true
            """
        try await EngineHarness.run("expand-only", waves: Self.canaryWaves, scripts: scripts) { setup in
            let rollout = try await setup.engine.rollouts.deploy(service: "payin", version: "v2", actor: "test")
            let paused = try await setup.waitFor(rollout.id, .paused)
            #expect(paused.appliedScripts == ["001-fee-column", "002-payin-index"])
            _ = try await setup.engine.rollouts.abort(id: rollout.id, actor: "test", reason: "payin v2 looks wrong")
            let ended = try await setup.waitFor(rollout.id, .rolledBack)
            #expect(ended.rollbackPlan.suffix(2) == [.rollbackScript(name: "002-payin-index"), .rollbackScript(name: "001-fee-column")])
            let states = Dictionary(uniqueKeysWithValues: try await setup.engine.store.scripts().map { ($0.name, $0.state) })
            #expect(states == ["001-fee-column": .rolledBack, "002-payin-index": .applied], "\(states)")
            let kept = try #require(try await setup.engine.rollouts.history(subject: rollout.id).first { $0.kind == "script.kept" })
            #expect(kept.message.contains("002-payin-index") && kept.reason?.hasPrefix("expand-only") == true)
            #expect(FileManager.default.fileExists(atPath: setup.folder + "/rollback-ran.txt"), "the other script's rollback ran")
        }
    }

    @Test func bakeTimeComesFromTheInjectedClockAndPromotionRetiresTheOldVersion() async throws {
        try await setUp("promote", waves: Self.canaryWaves) { setup in
            let rollout = try await setup.engine.rollouts.deploy(service: "payin", version: "v2", actor: "test")
            let paused = try await setup.waitFor(rollout.id, .paused)
            #expect(paused.pauseUntil == setup.clock.now().addingTimeInterval(3600))

            // A second rollout of the same service is refused while this one runs.
            await #expect(throws: Refusal.self) { try await setup.engine.rollouts.deploy(service: "payin", version: "v3", actor: "test") }

            // The pause is stored before the controller starts waiting on the clock.
            for _ in 0..<5_000 where setup.clock.sleeperCount == 0 { try await Task.sleep(for: .milliseconds(1)) }
            setup.clock.advance(by: 3599)
            #expect(setup.clock.sleeperCount == 1, "an hour's pause is not over after 59m59s: the controller still waits on the clock")
            #expect(try await setup.engine.rollouts.rollout(id: rollout.id).phase == .paused)
            setup.clock.advance(by: 1)
            let ended = try await setup.waitFor(rollout.id, .promoted)
            #expect(ended.phase == .promoted)
            #expect(try await setup.engine.store.stableVersions()["payin"] == ["staging": "v2", "dc1": "v2"])
            #expect(try await setup.engine.fleet.liveInstances(service: "payin", version: "v1").isEmpty)
            #expect(try await setup.groups("dc1").map(\.version) == ["v2"])
        }
    }

    @Test func aVersionThatNeverGetsHealthyRollsBackWithItsLastLogLines() async throws {
        let command = #"["/bin/sh", "-c", "if [ \"$1\" = v1 ]; then exec '\#(RailyardBinary.path)' payments-demo --service payin --version \"$1\" --port \"$2\"; fi; echo \"boom: $1 cannot open its ledger\"; exit 3", "sh", "{version}", "{port}"]"#
        try await setUp("unhealthy", waves: Self.canaryWaves, command: command) { setup in
            let rollout = try await setup.engine.rollouts.deploy(service: "payin", version: "v2", actor: "test")
            let ended = try await setup.waitFor(rollout.id, .rolledBack)
            #expect(ended.phase == .rolledBack)
            #expect(ended.reason?.contains("boom: v2 cannot open its ledger") == true, "reason: \(ended.reason ?? "nil")")
            #expect(ended.rollbackPlan == [.routeToStable(target: "staging"), .stopNewInstances(target: "staging"), .rollbackScript(name: "001-fee-column")],
                    "traffic back to stable first, even at 0%, then the instances that never became healthy")
        }
    }

    @Test func anAppliedScriptThatChangedIsRefused() async throws {
        let waves = """
                - name: pre-deployment
                  steps: [scripts]
                - name: staging
                  target: staging
                  steps: [deploy, promote]
            """
        try await setUp("script", waves: waves) { setup in
            let first = try await setup.engine.rollouts.deploy(service: "payin", version: "v2", actor: "test")
            #expect(try await setup.waitFor(first.id, .promoted).phase == .promoted)

            try "echo applied differently >> marker.txt\n".write(toFile: setup.folder + "/apply.sh", atomically: true, encoding: .utf8)
            let second = try await setup.engine.rollouts.deploy(service: "payin", version: "v3", actor: "test")
            let ended = try await setup.waitFor(second.id, .rolledBack)
            #expect(ended.reason?.contains("001-fee-column changed since rollout \(first.id) applied it") == true, "reason: \(ended.reason ?? "nil")")
            #expect(ended.appliedScripts.isEmpty, "the refused script was not run again")
            #expect(try await setup.groups("staging").map(\.version) == ["v2"])
        }
    }
}
