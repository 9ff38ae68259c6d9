import Foundation
import RailyardCore
import RailyardEngine
import RailyardServer
import Testing

/// Railyard's own `/metrics`: what a rollout on real processes records, in the Prometheus text format.
@Suite(.serialized) struct ServerMetricsTests {
    @Test func aRolloutRecordsItsStepsRouterChangesAndPhase() async throws {
        let metrics = ServerMetrics()
        let waves = "    - name: canary\n      target: dc1\n      steps: [deploy, setWeight: 50, promote]"
        try await EngineHarness.run("metrics", waves: waves, telemetry: metrics.engineMetrics) { harness in
            let id = try await harness.engine.rollouts.deploy(service: "payin", version: "v2", actor: "test").id
            #expect(try await harness.waitFor(id, .promoted).phase == .promoted)
            let text = try await metrics.render(engine: harness.engine)
            for line in [#"railyard_step_duration_seconds_count{step="deploy",outcome="completed"} 1"#,
                         #"railyard_step_duration_seconds_count{step="setWeight",outcome="completed"} 1"#,
                         #"railyard_step_duration_seconds_count{step="promote",outcome="completed"} 1"#,
                         #"railyard_rollouts{phase="promoted"} 1.0"#, #"railyard_rollouts{phase="rolled_back"} 0.0"#] {
                #expect(text.contains(line), "missing \(line) in:\n\(text)")
            }
            // deploy, setWeight, promote and the retirement each set dc1's router at least once.
            let applies = try #require(text.split(separator: "\n").first { $0.hasPrefix(#"railyard_router_apply_seconds_count{target="dc1"}"#) })
            #expect(Int(applies.split(separator: " ").last ?? "") ?? 0 >= 4, "\(applies)")
        }
    }
}
