import Foundation
import PaymentsDemo
import RailyardAdapters
import RailyardPorts
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Kills `railyard serve` with SIGKILL in the middle of a canary analysis, under payment traffic, and
/// checks that the restarted server resumes the same analysis: its looks kept, its α not spent again,
/// the pass earned from evidence gathered before and after the kill, and no payment failed.
@Suite(.serialized, .fleet) struct AnalysisResumeTests {
    /// Undecided for about a thousand canary payments: long enough to be killed in the middle. No
    /// pay-in fails, so the pass rests on the canary's own rate, shown under 0.5%.
    static let waves = """
            - name: canary
              target: dc1
              steps:
                - deploy
                - setWeight: 25
                - analysis:
                    interval: 1s
                    max_duration: 10m
                    metrics:
                      - { name: error-rate, kind: error_rate, acceptable_rate: 0.005 }
                - promote
        """

    struct Look: Equatable {
        var elapsed: Double
        var canary: Double
        var baseline: Double
    }

    func report(_ server: ServerProcess, rollout id: String) async throws -> (analyses: [[String: Any]], looks: [Look]) {
        let analyses = try await server.call("GET", "rollouts/\(id)/analyses")["items"] as? [[String: Any]] ?? []
        guard let analysisID = analyses.last?["id"] as? String else { return (analyses, []) }
        let looks = try await server.call("GET", "analyses/\(analysisID)")["looks"] as? [[String: Any]] ?? []
        return (analyses, looks.map { entry in
            let look = entry["look"] as? [String: Any] ?? [:]
            return Look(elapsed: look["elapsed"] as? Double ?? -1, canary: (look["canary"] as? [String: Any])?["requests"] as? Double ?? -1,
                        baseline: (look["baseline"] as? [String: Any])?["requests"] as? Double ?? -1)
        })
    }

    @Test func killedDuringAnAnalysisResumesItWithItsEvidence() async throws {
        var run = try await PayinFleetUnderTraffic.start("analysis-resume", waves: Self.waves)
        defer { try? FileManager.default.removeItem(atPath: run.folder) }
        let (config, state, folder, traffic) = (run.config, run.state, run.folder, run.traffic)
        let id = try await run.deploy("v2")

        // Three looks with canary traffic, still undecided: then the kill.
        var before: [Look] = []
        let deadline = ContinuousClock.now + .seconds(240)
        while ContinuousClock.now < deadline {
            before = try await report(run.server, rollout: id).looks
            if before.count >= 3, before.last?.canary ?? 0 > 0 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        run.server.killHard()
        // What the dead server left in its store.
        let store = try await StoreFactory.open(.sqlite(path: state + "/railyard.sqlite"))
        let stored = try #require(try await store.analyses(rolloutID: id).last, "the analysis is stored")
        let atKill = (looks: try await store.looks(analysisID: stored.id).count, ended: stored.endedAt != nil)
        try await store.close()
        #expect(atKill.ended == false && atKill.looks >= 3, "killed in the middle of the analysis, not after it: \(atKill)")
        #expect(await RailyardBinary.serversLeft(config: config).isEmpty)
        let sentAtKill = traffic.counts.sent
        try await traffic.waitFor(requests: sentAtKill + 100, timeout: .seconds(240))

        run.server = try ServerProcess(config: config, stateDirectory: state, port: run.port, log: folder + "/serve.log")
        try await run.server.waitReady()
        let done = try await run.server.waitForPhase(id, ["promoted", "rolled_back", "awaiting_approval"], timeout: .seconds(400))
        #expect(done["phase"] as? String == "promoted", "\(done["reason"] as? String ?? "")")
        await run.stopTraffic()

        let (analyses, after) = try await report(run.server, rollout: id)
        #expect(analyses.count == 1, "one analysis, resumed, not a second one started over: \(analyses.map { $0["id"] ?? "?" })")
        #expect(analyses.first?["verdict"] as? String == "pass")
        let reason = analyses.first?["reason"] as? String ?? ""
        #expect(reason.contains("; canary error rate at most ") && reason.contains("within the acceptable 0.50%"), "\(reason)")
        // Every look stored before the kill is still there, unchanged; the later ones count from the same start.
        // (The store may hold a look more than the last poll before the kill saw.)
        #expect(atKill.looks >= before.count && Array(after.prefix(before.count)) == before && after.count > atKill.looks,
                "\(before.count) looks seen and \(atKill.looks) stored at the kill; after: \(after.prefix(6))")
        #expect(zip(after, after.dropFirst()).allSatisfy { $0.elapsed < $1.elapsed && $0.canary <= $1.canary }, "looks in order, counters growing")
        let events = try await run.server.call("GET", "history?subject=\(id)&limit=500")["items"] as? [[String: Any]] ?? []
        let resumed = events.filter { $0["kind"] as? String == "analysis.resumed" }
        #expect(resumed.count == 1 && (resumed.first?["message"] as? String ?? "").contains("resumed after a restart with its \(atKill.looks) looks"),
                "\(resumed.map { $0["message"] ?? "" })")
        #expect(events.filter { $0["kind"] as? String == "analysis.started" }.count == 1)
        #expect(traffic.counts.failed == 0, "no payment failed, before, during or after the kill: \(traffic.failures)")

        // What runs is what should: v2 alone in dc1, no baseline left (ps, not only the store).
        let groups = groupsOf(try await run.server.call("GET", "status"), target: "dc1", service: "payin")
        #expect(groups.count == 1 && groups.first?["version"] as? String == "v2" && groups.first?["weight"] as? Int == 100, "\(groups)")
        let ours = Set(RailyardBinary.processes(mentioning: folder))
        #expect(RailyardBinary.processes(mentioning: "--version v1 ").filter(ours.contains).isEmpty, "no v1 instance (stable or baseline) left running")
        #expect(RailyardBinary.processes(mentioning: "--version v2 ").filter(ours.contains).count == 2, "v2's two instances run")
        _ = try? await run.server.call("POST", "fleet/down")
        await run.server.exited()
        #expect(RailyardBinary.processes(mentioning: folder).isEmpty, "nothing left running")
    }
}
