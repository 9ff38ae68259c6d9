import Foundation
import RailyardAdapters
import Testing

/// Every exit code `railyard --help` documents, produced by the built binary: 0, 1 (refused, with the
/// reason), 2 (the rollout waited on was rolled back), 3 (unreachable, in under 3 s), 64 (bad usage).
@Suite(.serialized) struct CLIExitCodeTests {
    struct Run { var status: Int32; var out: String; var err: String; var seconds: Double }

    /// Runs `railyard ARGS` with no standard input; kills it after `limit`.
    static func railyard(_ arguments: [String], limit: Duration = .seconds(60)) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: RailyardBinary.path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "RAILYARD_SERVER" }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let started = ContinuousClock.now
        try process.run()
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline { usleep(10_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let elapsed = ContinuousClock.now - started
        return Run(status: process.terminationStatus,
                   out: String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
                   err: String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
                   seconds: elapsed.timeInterval)
    }

    @Test func withNoServerEveryClientCommandExits3InUnder3SecondsAndDownFallsBack() throws {
        let closed = "http://127.0.0.1:\(try FreePort.next())"
        for arguments in [["status"], ["rollout", "list"], ["deploy", "payin", "v2"], ["rollout", "watch", "payin-v2-0001"]] {
            let run = try Self.railyard(arguments + ["--server", closed])
            #expect(run.status == 3, "\(arguments): \(run.status) \(run.err)")
            #expect(run.seconds < 3, "\(arguments) took \(run.seconds) s")
            #expect(run.err.contains("cannot reach the Railyard server at \(closed): nothing listens there") && run.err.contains("railyard serve"),
                    "\(arguments): \(run.err)")
        }

        let folder = try RailyardBinary.temporaryFolder("cli-down")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "payin: {}\n".write(toFile: folder + "/behaviour.yml", atomically: true, encoding: .utf8)
        try RailyardBinary.singleServiceConfig(behaviour: folder + "/behaviour.yml", waves: "    - name: dc1\n      target: dc1\n      steps: [deploy, promote]")
            .write(toFile: folder + "/railyard.yml", atomically: true, encoding: .utf8)
        let down = try Self.railyard(["down", "--server", closed, "--config", folder + "/railyard.yml", "--state-dir", folder + "/state"])
        #expect(down.status == 0, "\(down.out) \(down.err)")
        #expect(down.seconds < 3, "down fell back to the state folder in \(down.seconds) s")
        #expect(down.out.hasPrefix("no server at \(closed); working on the local state folder \(folder)/state"), "\(down.out)")
        #expect(RailyardBinary.processes(mentioning: folder).isEmpty, "the temporary control plane is gone")
    }

    @Test func aServerAnswersZeroOneAndTwoAndBadUsageIs64() async throws {
        let folder = try RailyardBinary.temporaryFolder("cli-codes")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "payin: {}\n".write(toFile: folder + "/behaviour.yml", atomically: true, encoding: .utf8)
        let config = folder + "/railyard.yml"
        try RailyardBinary.singleServiceConfig(behaviour: folder + "/behaviour.yml", instances: "{ dc1: 1 }",
                                               waves: "    - name: dc1\n      target: dc1\n      steps: [deploy, pause: approval, promote]")
            .write(toFile: config, atomically: true, encoding: .utf8)
        let server = try ServerProcess(config: config, stateDirectory: folder + "/state", port: try FreePort.next(), log: folder + "/serve.log")
        try await server.waitReady()
        do {
            try await server.call("POST", "fleet/up")
            #expect(try Self.railyard(["status", "--server", server.url]).status == 0)

            let refused = try Self.railyard(["deploy", "paying", "v2", "--server", server.url])
            #expect(refused.status == 1)
            #expect(refused.err.contains("no service 'paying' in railyard.yml") && refused.err.contains("payin"), "\(refused.err)")

            let id = try #require(try await server.call("POST", "rollouts", body: #"{"service":"payin","version":"v2"}"#)["id"] as? String)
            _ = try await server.waitForPhase(id, ["awaiting_approval"])
            _ = try await server.call("POST", "rollouts/\(id)/abort", body: #"{"reason":"exit code test"}"#)
            let watched = try Self.railyard(["rollout", "watch", id, "--server", server.url])
            #expect(watched.status == 2, "\(watched.out) \(watched.err)")
            #expect(watched.out.contains("rolled back: aborted by"), "\(watched.out)")

            for usage in [["bogus"], ["deploy"], ["status", "--output", "yaml"]] {
                let bad = try Self.railyard(usage)
                #expect(bad.status == 64, "\(usage): \(bad.status) \(bad.err)")
            }
            let completion = try Self.railyard(["--generate-completion-script", "bash"])
            #expect(completion.status == 0 && completion.out.contains("-F _railyard railyard"), "\(completion.out.prefix(200))")
            let version = try Self.railyard(["version", "--output", "json"])
            #expect(version.status == 0 && version.out.contains(#""store_schema""#) && version.out.contains(#""commit""#), "\(version.out)")
        } catch {
            _ = try? await server.call("POST", "fleet/down")
            throw error
        }
        _ = try await server.call("POST", "fleet/down")
        server.process.waitUntilExit()
    }
}
