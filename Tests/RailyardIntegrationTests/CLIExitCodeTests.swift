import Foundation
import RailyardAdapters
import Testing

/// Every exit code `railyard --help` documents, produced by the built binary: 0, 1 (refused, with the
/// reason), 2 (the rollout waited on was rolled back), 3 (unreachable, in under 3 s), 4 (not allowed),
/// 64 (bad usage).
@Suite(.serialized) struct CLIExitCodeTests {
    struct Run { var status: Int32; var out: String; var err: String; var seconds: Double }

    /// A home with no credentials in it, so only what a test gives the CLI counts.
    static let home = NSTemporaryDirectory() + "railyard-cli-home-\(getpid())"

    /// Runs `railyard ARGS` with no standard input, with `token` in RAILYARD_TOKEN; kills it after `limit`.
    /// Awaited on its termination handler, its output in files: no thread of the cooperative pool
    /// blocks while it runs (two threads on CI; other tests' servers and traffic need them).
    static func railyard(_ arguments: [String], token: String? = nil, limit: Duration = .seconds(60)) async throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: RailyardBinary.path)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment.filter { !["RAILYARD_SERVER", "RAILYARD_TOKEN", "RAILYARD_TOKEN_FILE"].contains($0.key) }
        environment["HOME"] = home
        if let token { environment["RAILYARD_TOKEN"] = token }
        process.environment = environment
        let base = NSTemporaryDirectory() + "railyard-cli-\(getpid())-\(UUID().uuidString.prefix(8))"
        FileManager.default.createFile(atPath: base + ".out", contents: nil)
        FileManager.default.createFile(atPath: base + ".err", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".out"))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".err"))
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let started = ContinuousClock.now
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
                return
            }
            let pid = process.processIdentifier
            Task {
                try? await Task.sleep(for: limit)
                if process.isRunning, process.processIdentifier == pid { process.terminate() }
            }
        }
        let elapsed = ContinuousClock.now - started
        try? out.close()
        try? err.close()
        return Run(status: status, out: (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "",
                   err: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "", seconds: elapsed.timeInterval)
    }

    /// "Nothing listens there" proves the refused connection was seen, not a timeout; the wall-time bound
    /// only catches a hang (a client waiting out a long timeout), since on a loaded 2-core CI machine a
    /// debug binary's own start can take seconds.
    @Test func withNoServerEveryClientCommandExits3WithoutWaitingAndDownFallsBack() async throws {
        let closed = "http://127.0.0.1:\(try FreePort.next())"
        for arguments in [["status"], ["rollout", "list"], ["deploy", "payin", "v2"], ["rollout", "watch", "payin-v2-0001"]] {
            let run = try await Self.railyard(arguments + ["--server", closed])
            #expect(run.status == 3, "\(arguments): \(run.status) \(run.err)")
            #expect(run.seconds < 20, "\(arguments) took \(run.seconds) s")
            #expect(run.err.contains("cannot reach the Railyard server at \(closed): nothing listens there") && run.err.contains("railyard serve"),
                    "\(arguments): \(run.err)")
        }

        let folder = try RailyardBinary.temporaryFolder("cli-down")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "payin: {}\n".write(toFile: folder + "/behaviour.yml", atomically: true, encoding: .utf8)
        try RailyardBinary.singleServiceConfig(behaviour: folder + "/behaviour.yml", waves: "    - name: dc1\n      target: dc1\n      steps: [deploy, promote]")
            .write(toFile: folder + "/railyard.yml", atomically: true, encoding: .utf8)
        let down = try await Self.railyard(["down", "--server", closed, "--config", folder + "/railyard.yml", "--state-dir", folder + "/state"])
        #expect(down.status == 0, "\(down.out) \(down.err)")
        #expect(down.seconds < 20, "down fell back to the state folder in \(down.seconds) s")
        #expect(down.out.hasPrefix("no server at \(closed); working on the local state folder \(folder)/state"), "\(down.out)")
        #expect(RailyardBinary.processes(mentioning: folder).isEmpty, "the temporary control plane is gone")
    }

    @Test func aServerAnswersZeroOneAndTwoAndBadUsageIs64() async throws {
        let folder = try RailyardBinary.temporaryFolder("cli-codes")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let config = try RailyardBinary.writeDC1Fleet(in: folder)
        let server = try ServerProcess(config: config, stateDirectory: folder + "/state", port: try FreePort.next(), log: folder + "/serve.log")
        try await server.waitReady()
        do {
            try await server.call("POST", "fleet/up")
            let releaseOwner = server.tokens[.releaseOwner], admin = server.tokens[.admin]
            #expect(try await Self.railyard(["status", "--server", server.url], token: releaseOwner).status == 0)

            let refused = try await Self.railyard(["deploy", "paying", "v2", "--server", server.url], token: releaseOwner)
            #expect(refused.status == 1)
            #expect(refused.err.contains("no service 'paying' in railyard.yml") && refused.err.contains("payin"), "\(refused.err)")

            let id = try #require(try await server.call("POST", "rollouts", body: #"{"service":"payin","version":"v2"}"#)["id"] as? String)
            _ = try await server.waitForPhase(id, ["awaiting_approval"])
            _ = try await server.call("POST", "rollouts/\(id)/abort", body: #"{"reason":"exit code test"}"#)
            let watched = try await Self.railyard(["rollout", "watch", id, "--server", server.url], token: releaseOwner)
            #expect(watched.status == 2, "\(watched.out) \(watched.err)")
            #expect(watched.out.contains("rolled back: aborted by"), "\(watched.out)")

            try await notAllowedIs4(server: server, admin: try #require(admin), folder: folder)

            for usage in [["bogus"], ["deploy"], ["status", "--output", "yaml"], ["token", "create", "--name", "x", "--role", "boss"]] {
                let bad = try await Self.railyard(usage)
                #expect(bad.status == 64, "\(usage): \(bad.status) \(bad.err)")
            }
            let completion = try await Self.railyard(["--generate-completion-script", "bash"])
            #expect(completion.status == 0 && completion.out.contains("-F _railyard railyard"), "\(completion.out.prefix(200))")
            let version = try await Self.railyard(["version", "--output", "json"])
            #expect(version.status == 0 && version.out.contains(#""store_schema""#) && version.out.contains(#""commit""#), "\(version.out)")
        } catch {
            _ = try? await server.call("POST", "fleet/down")
            throw error
        }
        _ = try await server.call("POST", "fleet/down")
        await server.exited()
    }

    /// No token, a token file others can read, a role that may not deploy: exit 4 with the reason. A
    /// token created from the CLI proves its name and role.
    func notAllowedIs4(server: ServerProcess, admin: String, folder: String) async throws {
        let none = try await Self.railyard(["status", "--server", server.url])
        #expect(none.status == 4 && none.err.contains("no token"), "\(none.status) \(none.err)")

        let open = folder + "/open.token"
        try admin.write(toFile: open, atomically: true, encoding: .utf8)
        chmod(open, 0o644)
        let leaky = try await Self.railyard(["status", "--server", server.url, "--token-file", open])
        #expect(leaky.status == 4 && leaky.err.contains("can be read by others") && leaky.err.contains("chmod 600"), "\(leaky.status) \(leaky.err)")
        chmod(open, 0o600)

        let created = try await Self.railyard(["token", "create", "--name", "tess", "--role", "tester", "--expires", "90d", "--output", "json",
                                         "--server", server.url, "--token-file", open])
        #expect(created.status == 0, "\(created.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(created.out.utf8)) as? [String: Any], "\(created.out)")
        #expect(json["name"] as? String == "tess" && json["role"] as? String == "tester" && json["expires_at"] is String, "\(json)")
        let tess = try #require(json["token"] as? String)
        let whoami = try await Self.railyard(["whoami", "--server", server.url], token: tess)
        #expect(whoami.status == 0 && whoami.out.hasPrefix("tess (tester)"), "\(whoami.out) \(whoami.err)")
        let deploy = try await Self.railyard(["deploy", "payin", "v9", "--server", server.url], token: tess)
        #expect(deploy.status == 4 && deploy.err.contains("deploying to production needs release-owner") && deploy.err.contains("tester"),
                "\(deploy.status) \(deploy.err)")
        let bad = try await Self.railyard(["status", "--server", server.url], token: "ry_not-a-token")
        #expect(bad.status == 4 && bad.err.contains("not valid"), "\(bad.status) \(bad.err)")
    }
}
