import Foundation
import RailyardAdapters
import RailyardCore
import Testing

/// Four-eyes through the API of a real `railyard serve`, on a real fleet: the deployer's own approval
/// is refused even with an approver token in their name; another approver's is accepted.
@Suite("Four-eyes on a production change", .serialized)
struct FourEyesTests {
    @Test func theDeployersOwnApprovalIsRefusedAndAnotherApproversIsAccepted() async throws {
        let folder = try RailyardBinary.temporaryFolder("four-eyes")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let config = try RailyardBinary.writeDC1Fleet(in: folder)
        let server = try ServerProcess(config: config, stateDirectory: folder + "/state", port: try FreePort.next(), log: folder + "/serve.log")
        try await server.waitReady()
        do {
            try await server.call("POST", "fleet/up")
            // alice deploys with her release-owner token, then also holds an approver token.
            let id = try #require(try await server.call("POST", "rollouts", body: #"{"service":"payin","version":"v2"}"#)["id"] as? String)
            _ = try await server.waitForPhase(id, ["awaiting_approval"])
            let (created, made) = try await ServerProcess.request("POST", server.url + "/api/v1/tokens", body: #"{"name":"alice","role":"approver"}"#,
                                                                  token: server.tokens[.admin])
            let aliceApprover = try #require((made as? [String: Any])?["token"] as? String, "\(created) \(made)")

            let (status, refusal) = try await ServerProcess.request("POST", server.url + "/api/v1/rollouts/\(id)/approve", token: aliceApprover)
            let problem = refusal as? [String: Any] ?? [:]
            #expect(status == 403, "\(refusal)")
            #expect((problem["detail"] as? String)?.contains("four-eyes: alice deployed \(id)") == true, "\(refusal)")
            #expect(try await server.call("GET", "rollouts/\(id)")["phase"] as? String == "awaiting_approval", "a refused approval changes nothing")

            _ = try await server.call("POST", "rollouts/\(id)/approve", as: .approver)
            let promoted = try await server.waitForPhase(id, ["promoted", "rolled_back"])
            #expect(promoted["phase"] as? String == "promoted")
            let events = try await server.call("GET", "history?subject=\(id)&limit=500")["items"] as? [[String: Any]] ?? []
            #expect(events.filter { $0["kind"] as? String == "rollout.approved" }.map { $0["actor"] as? String } == ["bob"], "\(events)")
            let refusals = try await server.call("GET", "history?subject=POST%20/api/v1/rollouts/\(id)/approve&limit=10")["items"] as? [[String: Any]] ?? []
            #expect(refusals.count == 1 && refusals.first?["actor"] as? String == "alice"
                    && (refusals.first?["reason"] as? String)?.contains("four-eyes") == true, "the refusal is audited: \(refusals)")
        } catch {
            _ = try? await server.call("POST", "fleet/down")
            throw error
        }
        _ = try await server.call("POST", "fleet/down")
        await server.exited()
        #expect(RailyardBinary.processes(mentioning: folder).isEmpty, "nothing left running")
    }
}
