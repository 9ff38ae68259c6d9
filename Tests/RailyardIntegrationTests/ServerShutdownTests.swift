import Foundation
import RailyardAPI
import RailyardAdapters
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `railyard serve` stops promptly on SIGTERM even while someone follows a rollout on its event
/// stream, a follower whose server is killed is told it was lost, and a restart resumes the rollout
/// where it was stored.
@Suite(.serialized) struct ServerShutdownTests {
    @Test func sigtermEndsOpenStreamsAndTheServerExits() async throws {
        let folder = try RailyardBinary.temporaryFolder("shutdown")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let config = try RailyardBinary.writeDC1Fleet(in: folder)
        let port = try FreePort.next()
        var server = try ServerProcess(config: config, stateDirectory: folder + "/state", port: port, log: folder + "/serve.log")
        try await server.waitReady()
        try await server.call("POST", "fleet/up")
        let id = try #require(try await server.call("POST", "rollouts", body: #"{"service":"payin","version":"v2"}"#)["id"] as? String)
        _ = try await server.waitForPhase(id, ["awaiting_approval"])

        let client = RailyardClient(baseURL: server.url, token: server.tokens[.releaseOwner])
        // SIGTERM only once the watcher holds an open stream and has its first event: on a loaded machine
        // that takes longer than any fixed pause.
        let (firstEvent, signal) = AsyncStream<Void>.makeStream()
        let watcher = Task { () -> Int in
            var seen = 0
            do {
                for try await _ in client.changes(of: id) {
                    seen += 1
                    signal.yield()
                }
            } catch {}
            signal.finish()
            return seen
        }
        for await _ in firstEvent { break }
        let started = ContinuousClock.now
        kill(server.process.processIdentifier, SIGTERM)
        while server.process.isRunning, ContinuousClock.now - started < .seconds(15) { try await Task.sleep(for: .milliseconds(20)) }
        let took = ContinuousClock.now - started
        #expect(!server.process.isRunning, "serve still runs \(took) after SIGTERM with a stream open")
        if server.process.isRunning { server.killHard() }
        await server.exited()
        #expect(await watcher.value >= 1, "the watcher got the rollout's state before the stream ended")
        signal.finish()

        server = try ServerProcess(config: config, stateDirectory: folder + "/state", port: port, log: folder + "/serve.log")
        try await server.waitReady()
        #expect(try await server.call("GET", "rollouts/\(id)")["phase"] as? String == "awaiting_approval")

        // SIGKILL with a stream open: the follower is told the server was lost (unreachable, so it may follow
        // again), not handed the transport's own error.
        let (followed, followedSignal) = AsyncStream<Void>.makeStream()
        let follower = Task { () -> (any Error)? in
            defer { followedSignal.finish() }
            do {
                for try await _ in client.changes(of: id) { followedSignal.yield() }
            } catch {
                return error
            }
            return nil
        }
        for await _ in followed { break }
        server.killHard()
        let lost = await follower.value
        #expect((lost as? RailyardClient.Failure)?.isUnreachable == true
                && "\(lost.map { "\($0)" } ?? "")".contains("lost the Railyard server at "), "\(String(describing: lost))")
        server = try ServerProcess(config: config, stateDirectory: folder + "/state", port: port, log: folder + "/serve.log")
        try await server.waitReady()
        _ = try await server.call("POST", "rollouts/\(id)/approve", as: .approver)
        #expect(try await server.waitForPhase(id, ["promoted", "rolled_back"])["phase"] as? String == "promoted")
        _ = try await server.call("POST", "fleet/down")
        await server.exited()
        #expect(RailyardBinary.processes(mentioning: folder).isEmpty, "nothing left running")
    }
}
