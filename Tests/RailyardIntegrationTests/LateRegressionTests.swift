import Foundation
import PaymentsDemo
import RailyardAdapters
import RailyardPorts
import RailyardSimulation
import Testing

/// A canary that passes its analysis and turns bad afterwards, on real processes under real pay-ins:
/// each v2 instance serves its first payments well, then fails 30% of them. The analysis passes on the
/// good ones; the late-regression watch, still reading canary and baseline during the pause before
/// promote, shows the regression and rolls back, with the numbers. Killed with SIGKILL in the middle of
/// the watch, the restarted server resumes it from its stored state.
@Suite(.serialized, .fleet) struct LateRegressionTests {
    /// `latency`: the whole latency judged too (within +50%), so its shift is watched after the pass as well.
    static func waves(pause: String, latency: Bool = false) -> String {
        """
            - name: canary
              target: dc1
              steps:
                - deploy
                - setWeight: 25
                - analysis:
                    interval: 1s
                    max_duration: 2m
                    watch_after_pass: 10m
                    metrics:
                      - { name: error-rate, kind: error_rate, acceptable_rate: 0.05 }\(latency ? "\n              - { name: latency, kind: latency, allowed_increase: 0.5 }" : "")
                - pause: \(pause)
                - promote
        """
    }

    struct Watch {
        var verdict: String?
        var looks: Int
        var ended: String?
    }

    static func watch(_ server: ServerProcess, rollout id: String) async throws -> Watch? {
        let items = try await server.call("GET", "rollouts/\(id)/analyses")["items"] as? [[String: Any]] ?? []
        guard let analysis = items.last else { return nil }
        let late = analysis["late_watch"] as? [String: Any]
        return Watch(verdict: analysis["verdict"] as? String, looks: (late?["watch"] as? [String: Any])?["looks"] as? Int ?? 0,
                     ended: late?["ended"] as? String)
    }

    func run(healthyRequests: Int, killDuringWatch: Bool) async throws {
        var run = try await PayinFleetUnderTraffic.start("late-regression", waves: Self.waves(pause: "10m"),
                                                         behaviour: "payin:\n  v2: { failure_rate: 0.3, healthy_requests: \(healthyRequests) }\n")
        defer { try? FileManager.default.removeItem(atPath: run.folder) }
        let (folder, traffic) = (run.folder, run.traffic)
        let id = try await run.deploy("v2")

        var looksAtKill = 0
        if killDuringWatch {
            // The analysis has passed and the watch has looked a few times, before the faults begin: then the kill.
            let deadline = ContinuousClock.now + .seconds(240)
            while ContinuousClock.now < deadline {
                if let watch = try await Self.watch(run.server, rollout: id), watch.verdict == "pass", watch.looks >= 3 { looksAtKill = watch.looks; break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(looksAtKill >= 3, "killed during the watch")
            try await run.killAndRestart()
        }
        let server = run.server
        let done = try await server.waitForPhase(id, ["promoted", "rolled_back"], timeout: .seconds(400))
        let watch = try await Self.watch(server, rollout: id)
        let events = try await server.call("GET", "history?subject=\(id)&limit=500")["items"] as? [[String: Any]] ?? []
        // After the rollback every payment goes to v1 again: they all succeed.
        let failedBefore = traffic.counts.failed, sentBefore = traffic.counts.sent
        try await traffic.waitFor(requests: sentBefore + 200, timeout: .seconds(120))
        await run.stopTraffic()
        let ours = Set(RailyardBinary.processes(mentioning: folder))
        let v2Left = RailyardBinary.processes(mentioning: "--version v2 ").filter(ours.contains)
        let v1Running = RailyardBinary.processes(mentioning: "--version v1 ").filter(ours.contains)
        _ = try? await server.call("POST", "fleet/down")
        await server.exited()

        let reason = done["reason"] as? String ?? ""
        #expect(done["phase"] as? String == "rolled_back", "\(done["phase"] ?? "?"): \(reason)")
        #expect(reason.contains("late regression after the pass: canary error rate ") && reason.contains(" since the pass vs "), "\(reason)")
        #expect(reason.contains(" (since its evidence began to rise): ") && reason.contains(" failed on the canary vs "), "the stretch the alarm rests on: \(reason)")
        #expect(watch?.verdict == "pass", "the analysis itself passed, on the good payments")
        #expect((watch?.ended ?? "").contains("after the late regression"), "the watch ended with the rollback: \(watch?.ended ?? "nil")")
        let kinds = events.compactMap { $0["kind"] as? String }
        #expect(kinds.contains("analysis.pass") && kinds.contains("analysis.late_regression") && kinds.contains("rollout.step_failed"), "\(kinds)")
        #expect(traffic.counts.failed == failedBefore, "after the rollback no payment failed (v1 serves them all): \(traffic.failures)")
        #expect(v2Left.isEmpty, "no v2 instance left (ps)")
        #expect(v1Running.count == 2, "v1's two stable instances serve dc1 (ps): \(v1Running.count)")
        if killDuringWatch {
            #expect((watch?.looks ?? 0) > looksAtKill, "the watch went on from its stored looks: \(looksAtKill) at the kill, \(watch?.looks ?? 0) at the end")
            #expect(!kinds.filter { $0 == "analysis.started" }.isEmpty && kinds.filter { $0 == "analysis.started" }.count == 1)
        }
    }

    @Test func aRegressionAfterThePassIsCaughtBeforePromotionAndRolledBack() async throws {
        try await run(healthyRequests: 400, killDuringWatch: false)
    }

    @Test func killedDuringTheWatchTheRestartedServerResumesItAndStillCatchesTheRegression() async throws {
        try await run(healthyRequests: 2500, killDuringWatch: true)
    }
}

/// SIGKILL of `railyard serve` at seeded random moments of the late-regression watch (after a pass,
/// during the pause before promote), under payment traffic, one kill per rollout of a good version.
/// Run alone (`RAILYARD_LATENCY_ALONE=1`, as `.ci/run` does after the suite) the analysis judges the whole
/// latency too, so both watches run (each version answers about 20 ms late, spread widely over the buckets);
/// inside the parallel suite it judges the error rate only (a loaded machine's scheduling outweighs those
/// milliseconds). After each: the rollout promoted, its watches ended at the promote (resumed, not lost),
/// exactly the new version's instances run (`ps`), and no payment failed.
/// `RAILYARD_WATCH_CRASH_KILLS` sizes it (3 in CI).
@Suite(.serialized, .fleet) struct LateWatchCrashSweepTests {
    @Test func killedAtRandomMomentsOfTheWatchEachRolloutEndsPromotedWithNothingLost() async throws {
        let kills = Int(ProcessInfo.processInfo.environment["RAILYARD_WATCH_CRASH_KILLS"] ?? "") ?? 3
        var rng = Xoshiro256StarStar(seed: 20261201)
        let behaviour = "payin:\n" + (1...(kills + 1)).map { "  v\($0): { extra_latency_ms: 20, latency_spread: 1.0 }\n" }.joined()
        let latency = LatencyAlone.enabled
        var run = try await PayinFleetUnderTraffic.start("watch-sweep", waves: LateRegressionTests.waves(pause: "6s", latency: latency), behaviour: behaviour)
        defer { try? FileManager.default.removeItem(atPath: run.folder) }
        let (folder, traffic) = (run.folder, run.traffic)
        var previous = "v1"
        for round in 0..<kills {
            let version = "v\(round + 2)"
            let id = try await run.deploy(version)
            let deadline = ContinuousClock.now + .seconds(240)
            while ContinuousClock.now < deadline {
                if let watch = try await LateRegressionTests.watch(run.server, rollout: id), watch.verdict == "pass", watch.looks >= 1 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let delay = Double(rng.next() % 1000) / 1000 * 4
            try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
            try await run.killAndRestart()
            let done: [String: Any]
            do {
                done = try await run.server.waitForPhase(id, ["promoted", "rolled_back"], timeout: .seconds(300))
            } catch {
                // What held it: the analysis's own words.
                let items = try await run.server.call("GET", "rollouts/\(id)/analyses")["items"] as? [[String: Any]] ?? []
                Issue.record("round \(round): \(error); its analysis: \(items.last?["verdict"] ?? "none") — \(items.last?["reason"] ?? "")")
                throw error
            }
            let watch = try await LateRegressionTests.watch(run.server, rollout: id)
            let shift = try await LateShiftRegressionTests.shiftWatch(run.server, rollout: id)
            #expect(!latency || shift.looks >= 1, "round \(round): the latency's shift was watched too")
            let ours = Set(RailyardBinary.processes(mentioning: folder))
            let running = RailyardBinary.processes(mentioning: "--version \(version) ").filter(ours.contains)
            let old = RailyardBinary.processes(mentioning: "--version \(previous) ").filter(ours.contains)
            #expect(done["phase"] as? String == "promoted", "round \(round), killed \(delay) s into the watch: \(done["reason"] ?? "")")
            #expect(watch?.ended == "wave 'canary' reached its promote", "the watch was resumed and ended at the promote: \(watch?.ended ?? "nil")")
            #expect(running.count == 2 && old.isEmpty, "round \(round): \(running.count) \(version) and \(old.count) \(previous) instances (ps)")
            previous = version
        }
        try await traffic.waitFor(requests: traffic.counts.sent + 100, timeout: .seconds(60))
        await run.stopTraffic()
        _ = try? await run.server.call("POST", "fleet/down")
        await run.server.exited()
        #expect(traffic.counts.failed == 0, "no payment failed through \(kills) kills: \(traffic.failures)")
        #expect(RailyardBinary.processes(mentioning: folder).isEmpty, "nothing left running")
    }
}
