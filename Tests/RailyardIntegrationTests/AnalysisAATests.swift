import Foundation
import PaymentsDemo
import RailyardAdapters
import RailyardPorts
import Testing

/// A/A on real processes: a version identical to the stable one (every version of the payin fleet
/// behaves the same) analysed again and again against fresh baselines, two instances a group, under
/// real pay-ins through the dc1 router. Each analysis step starts from its own counters, so each is a new
/// analysis on new requests, served by the same processes — the per-instance differences (scheduling,
/// warm-up, one host busier than another) that must not look like a version effect. None may fail.
/// `RAILYARD_AA_ANALYSES` sizes it (8 in CI; 50 by hand).
@Suite(.serialized, .fleet) struct AnalysisAATests {
    static let analyses = Int(ProcessInfo.processInfo.environment["RAILYARD_AA_ANALYSES"] ?? "") ?? 8

    /// The product's default metrics (error rate and latency), short analyses: an undecided one goes to a
    /// person, who approves it, and the next one starts.
    static func waves(_ count: Int) -> String {
        let steps = Array(repeating: "        - analysis: { interval: 1s, max_duration: 6s }", count: count).joined(separator: "\n")
        return """
                - name: canary
                  target: dc1
                  steps:
                    - deploy
                    - setWeight: 25
            \(steps)
                    - promote
            """
    }

    @Test func aVersionLikeTheStableOneIsNeverFailed() async throws {
        let count = Self.analyses
        let run = try await PayinFleetUnderTraffic.start("analysis-aa", waves: Self.waves(count))
        defer { try? FileManager.default.removeItem(atPath: run.folder) }
        let (server, traffic, folder) = (run.server, run.traffic, run.folder)
        let id = try await run.deploy("v2")

        var approvals = 0
        var phase = ""
        let deadline = ContinuousClock.now + .seconds(60 + 15 * count)
        while ContinuousClock.now < deadline {
            phase = try await server.call("GET", "rollouts/\(id)")["phase"] as? String ?? ""
            if phase == "promoted" || phase == "rolled_back" { break }
            if phase == "awaiting_approval" {
                // A person looks at the numbers and lets the next analysis start (the rollout may have moved on meanwhile).
                let (code, _) = try await ServerProcess.request("POST", server.url + "/api/v1/rollouts/\(id)/approve", token: server.tokens[.approver])
                if code == 200 { approvals += 1 }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        await run.stopTraffic()
        let items = try await server.call("GET", "rollouts/\(id)/analyses")["items"] as? [[String: Any]] ?? []
        _ = try? await server.call("POST", "fleet/down")
        await server.exited()

        let verdicts = items.map { $0["verdict"] as? String ?? "none" }
        let failed = items.filter { $0["verdict"] as? String == "fail" }.map { $0["reason"] as? String ?? "" }
        let passed = verdicts.filter { $0 == "pass" }.count
        print("A/A over \(items.count) analyses, 2 canary and 2 baseline PaymentsDemo instances: \(passed) passed, \(failed.count) failed, "
              + "\(verdicts.filter { $0 == "inconclusive" }.count) inconclusive (\(approvals) approved by a person); \(traffic.counts.sent) pay-ins sent")
        #expect(phase == "promoted", "the rollout went through every analysis: \(phase)")
        #expect(items.count == count, "\(count) analyses, one per step: \(verdicts)")
        #expect(failed.isEmpty, "an A/A analysis failed: \(failed)")
        #expect(verdicts.allSatisfy { $0 == "pass" || $0 == "inconclusive" }, "\(verdicts)")
        for item in items where item["verdict"] as? String == "pass" {
            let reason = item["reason"] as? String ?? ""
            #expect(reason.contains("at most"), "a pass carries its bound: \(reason)")
        }
        #expect(traffic.counts.failed == 0, "\(traffic.failures)")
        #expect(RailyardBinary.processes(mentioning: folder).isEmpty, "nothing left running")
    }
}
