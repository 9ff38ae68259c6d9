import Foundation
import PaymentsDemo
import RailyardAdapters
import Testing

/// A canary whose whole latency turns slower after its analysis passed, on real processes under real pay-ins:
/// v1 answers each pay-in about 20 ms late, spread over the histogram's buckets (`latency_spread`); each v2
/// instance serves its first 1,500 pay-ins the same (time for the analysis to pass on a loaded machine, before
/// either instance turns: one turned alone is a host, held for a person), then every one 30 ms later still. The analysis (error rate,
/// and latency as a whole within +50%: a loaded machine's scheduling adds a few ms to either group) passes on
/// the first ones; the late watch of the latency shift, reading
/// canary and baseline during the pause before promote, shows the slower latency and rolls back, with each
/// group's p50 and p90 in the reason.
///
/// Run alone (`RAILYARD_LATENCY_ALONE=1`, as `.ci/run` does after the suite): inside the parallel suite a loaded
/// 2-core machine's scheduling outweighs the milliseconds these versions differ by, the requests squeeze into one
/// or two buckets and the analysis rightly cannot read its tolerance (seen in CI).
@Suite(.serialized, .fleet, .enabled(if: LatencyAlone.enabled, "latency on real processes runs alone: RAILYARD_LATENCY_ALONE=1 (.ci/run does)"))
struct LateShiftRegressionTests {
    static let waves = """
            - name: canary
              target: dc1
              steps:
                - deploy
                - setWeight: 50
                - analysis:
                    interval: 1s
                    max_duration: 2m
                    watch_after_pass: 10m
                    metrics:
                      - { name: error-rate, kind: error_rate, acceptable_rate: 0.05 }
                      - { name: latency, kind: latency, allowed_increase: 0.5 }
                - pause: 10m
                - promote
        """

    @Test func aLatencyThatTurnsSlowerAfterThePassIsCaughtBeforePromotionAndRolledBack() async throws {
        let behaviour = "payin:\n  v1: { extra_latency_ms: 20, latency_spread: 1.0 }\n"
            + "  v2: { extra_latency_ms: 20, latency_spread: 1.0, slow_rate: 1.0, slow_latency_ms: 30, healthy_requests: 1500 }\n"
        let run = try await PayinFleetUnderTraffic.start("late-shift", waves: Self.waves, behaviour: behaviour)
        defer { try? FileManager.default.removeItem(atPath: run.folder) }
        let id = try await run.deploy("v2")
        let ended = try await run.end(id, version: "v2", timeout: .seconds(400))

        let reason = ended.reason
        print("late shift rollback: \(reason)")
        #expect(ended.rollout["phase"] as? String == "rolled_back", "\(ended.rollout["phase"] ?? "?"): \(reason)")
        #expect(reason.contains("late regression after the pass: latency's requests over the last ") && reason.contains(" on the canary vs p50 "), "\(reason)")
        #expect(reason.contains("the watch's evidence for a canary +100% slower over the tolerated +50% reached "), "\(reason)")
        #expect(ended.analysis["verdict"] as? String == "pass", "the analysis itself passed, on the first pay-ins: \(ended.analysis["reason"] ?? "")")
        let late = ended.analysis["late_watch"] as? [String: Any]
        let shift = late?["shift"] as? [String: Any]
        #expect(shift?["metric"] as? String == "latency" && (shift?["looks"] as? Int ?? 0) > 0, "the shift's watch stored with the analysis: \(late ?? [:])")
        #expect(ended.left.isEmpty, "no v2 instance left (ps)")
    }

    /// The same wave with a pause long enough for one instance's slowness to be seen before the promote: with 3
    /// minutes the hold's evidence reached 20.0, 13.7 and (once, in CI) less than its 11.7 by the promote.
    static let heldWaves = waves.replacingOccurrences(of: "- pause: 10m", with: "- pause: 5m")

    @Test func oneCanaryInstanceTurnedSlowAfterThePassHoldsThePromoteForAPersonThroughAKill() async throws {
        // The first v2 instance started (it claims `one_instance`) turns 80 ms slower after its first 1,500 pay-ins;
        // the other stays as fast as v1: the whole canary is slower, the canary without that instance is not.
        let behaviour = "payin:\n  v1: { extra_latency_ms: 20, latency_spread: 1.0 }\n"
            + "  v2: { extra_latency_ms: 20, latency_spread: 1.0, slow_rate: 1.0, slow_latency_ms: 80, healthy_requests: 1500, one_instance: true }\n"
        var run = try await PayinFleetUnderTraffic.start("late-held", waves: Self.heldWaves, behaviour: behaviour)
        defer { try? FileManager.default.removeItem(atPath: run.folder) }
        let id = try await run.deploy("v2")
        let held = try await run.server.waitForPhase(id, ["awaiting_approval", "promoted", "rolled_back"], timeout: .seconds(600))
        let reason = held["reason"] as? String ?? ""
        print("held promote: \(reason)")
        #expect(held["phase"] as? String == "awaiting_approval", "\(held["phase"] ?? "?"): \(reason)")
        #expect(reason.hasPrefix("late regression after the pass: latency's requests over the last ")
                && reason.hasSuffix(" alone: a host, not the version, so no rollback (look at that host)"), "\(reason)")
        // The instance named is the one that claimed the slowness: its pid's command line has the port in the reason.
        let claimed = try String(contentsOfFile: run.folder + "/behaviour.yml.payin.v2.claimed", encoding: .utf8)
        let slowPID = try #require(Int32(claimed.trimmingCharacters(in: .whitespacesAndNewlines)))
        let commandLine = String(decoding: (FileManager.default.contents(atPath: "/proc/\(slowPID)/cmdline") ?? Data()).map { $0 == 0 ? 32 : $0 },
                                 as: UTF8.self)
        let port = try #require(commandLine.firstMatch(of: #/--port (\d+)/#)?.1)
        #expect(reason.contains("carried by canary instance 127.0.0.1:\(port) alone"), "the slow host named (pid \(slowPID), port \(port)): \(reason)")
        let analyses = try await run.server.call("GET", "rollouts/\(id)/analyses")["items"] as? [[String: Any]] ?? []
        #expect(analyses.last?["verdict"] as? String == "pass", "the analysis itself passed: \(analyses.last?["reason"] ?? "")")

        let looksWhenHeld = try await Self.shiftWatch(run.server, rollout: id).looks

        // Killed while it waits: the restarted server still waits, on the same processes, with payments flowing.
        let ours = Set(RailyardBinary.processes(mentioning: run.folder))
        let v2 = Set(RailyardBinary.processes(mentioning: "--version v2 ").filter(ours.contains))
        let v1 = Set(RailyardBinary.processes(mentioning: "--version v1 ").filter(ours.contains))
        #expect(v2.count == 2 && v1.count == 4, "2 canary instances, 2 stable and 2 baseline (ps): \(v2) \(v1)")
        try await run.killAndRestart()
        let sentAtRestart = run.traffic.counts.sent
        let after = try await run.server.call("GET", "rollouts/\(id)")
        #expect(after["phase"] as? String == "awaiting_approval" && after["reason"] as? String == reason, "\(after)")
        let oursAfter = Set(RailyardBinary.processes(mentioning: run.folder))
        #expect(Set(RailyardBinary.processes(mentioning: "--version v2 ").filter(oursAfter.contains)) == v2, "the same canary processes adopted")
        #expect(Set(RailyardBinary.processes(mentioning: "--version v1 ").filter(oursAfter.contains)) == v1, "the same stable and baseline processes")
        try await run.traffic.waitFor(requests: sentAtRestart + 200)
        // The watch goes on while the promote waits: a slowness that spread to the whole canary would still roll back.
        let deadline = ContinuousClock.now + .seconds(30)
        var looksLater = looksWhenHeld
        while looksLater <= looksWhenHeld + 2, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            looksLater = try await Self.shiftWatch(run.server, rollout: id).looks
        }
        #expect(looksLater > looksWhenHeld + 2, "watched while waiting: \(looksWhenHeld) looks when held, \(looksLater) later")

        // A person approves (bob: four eyes, alice deployed): the promote runs, and does not hold again.
        try await run.server.call("POST", "rollouts/\(id)/approve", as: .approver)
        _ = try await run.server.waitForPhase(id, ["promoted", "rolled_back"], timeout: .seconds(120))
        let events = try await run.server.call("GET", "history?subject=\(id)")["items"] as? [[String: Any]] ?? []
        let kinds = events.compactMap { $0["kind"] as? String }
        #expect(kinds.contains("analysis.watch_held") && kinds.filter { $0 == "rollout.promote_held" }.count == 1, "audited once: \(kinds)")
        #expect(events.contains { $0["kind"] as? String == "rollout.approved" && $0["actor"] as? String == "bob" }, "approved by bob: \(kinds)")
        let traffic = run.traffic
        let ended = try await run.end(id, version: "v2", timeout: .seconds(10))
        #expect(ended.rollout["phase"] as? String == "promoted", "\(ended.rollout["phase"] ?? "?"): \(ended.reason)")
        #expect(traffic.counts.failed == 0, "no payment failed, through the kill: \(traffic.counts) \(traffic.failures)")
    }

    /// The shift's watch, from the rollout's last analysis: its looks, and the verdict it follows.
    static func shiftWatch(_ server: ServerProcess, rollout id: String) async throws -> (verdict: String?, looks: Int) {
        let items = try await server.call("GET", "rollouts/\(id)/analyses")["items"] as? [[String: Any]] ?? []
        let shift = (items.last?["late_watch"] as? [String: Any])?["shift"] as? [String: Any]
        return (items.last?["verdict"] as? String, shift?["looks"] as? Int ?? 0)
    }

    @Test func killedDuringTheWatchTheRestartedServerResumesTheShiftsWatchAndStillCatchesIt() async throws {
        // 1,500 pay-ins each before v2 slows down: time to kill the server while the watch looks at a good canary.
        let behaviour = "payin:\n  v1: { extra_latency_ms: 20, latency_spread: 1.0 }\n"
            + "  v2: { extra_latency_ms: 20, latency_spread: 1.0, slow_rate: 1.0, slow_latency_ms: 30, healthy_requests: 1500 }\n"
        var run = try await PayinFleetUnderTraffic.start("late-shift-kill", waves: Self.waves, behaviour: behaviour)
        defer { try? FileManager.default.removeItem(atPath: run.folder) }
        let id = try await run.deploy("v2")
        var looksAtKill = 0
        let deadline = ContinuousClock.now + .seconds(240)
        while ContinuousClock.now < deadline {
            let watch = try await Self.shiftWatch(run.server, rollout: id)
            if watch.verdict == "pass", watch.looks >= 3 { looksAtKill = watch.looks; break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(looksAtKill >= 3, "killed during the shift's watch")
        try await run.killAndRestart()
        let resumed = try await Self.shiftWatch(run.server, rollout: id)
        let ended = try await run.end(id, version: "v2", timeout: .seconds(400))

        let reason = ended.reason
        #expect(resumed.looks >= looksAtKill, "the stored watch read back: \(looksAtKill) looks at the kill, \(resumed.looks) after the restart")
        #expect(ended.rollout["phase"] as? String == "rolled_back", "\(ended.rollout["phase"] ?? "?"): \(reason)")
        #expect(reason.contains("late regression after the pass: latency's requests over the last "), "\(reason)")
        let shift = (ended.analysis["late_watch"] as? [String: Any])?["shift"] as? [String: Any]
        #expect((shift?["looks"] as? Int ?? 0) > looksAtKill, "the watch went on from its stored looks: \(looksAtKill) at the kill, \(shift?["looks"] ?? 0) at the end")
        #expect(ended.left.isEmpty, "no v2 instance left (ps)")
    }
}

/// Whether this run is the one where latency is judged on real processes alone (`RAILYARD_LATENCY_ALONE=1`).
enum LatencyAlone {
    static var enabled: Bool { ProcessInfo.processInfo.environment["RAILYARD_LATENCY_ALONE"] == "1" }
}
