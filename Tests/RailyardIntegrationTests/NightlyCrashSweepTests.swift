import Crypto
import Foundation
import PaymentsDemo
import RailyardAPI
import RailyardAdapters
import RailyardCore
import RailyardSimulation
import Testing

/// The nightly end to end, through a real `railyard serve`: each round the train carries a new payin
/// version, which the run builds (a real build command leaving a file), deploys to the nightly
/// environment (four payment services behind the nightly router) and tests with the payment fleet's
/// own suite (`railyard payments-suite`, two shards, one re-run round, its flaky test flaky). The
/// server is SIGKILLed at seeded random moments of the runs, under payment traffic through the
/// nightly router, and restarted. After each round it checks the live system, not only the store:
/// the run ended passed (resumed once when killed), never stuck or duplicated; real requests reach
/// the expected versions; `ps` and /proc show exactly the expected processes, no build or suite
/// left over; no payment failed. Then a tampered artifact is refused, and the report matches
/// docs/openapi.yaml.
///
/// `RAILYARD_NIGHTLY_CRASH_KILLS` sets the number of kills (3 by default, as in CI; more by hand).
@Suite(.serialized, .fleet) struct NightlyCrashSweepTests {
    static let services = ["wallet", "payin", "payout", "fx"]

    static func config(folder: String) -> String {
        let binary = RailyardBinary.path
        let services = Self.services.map { name in
            """
              \(name):
                kind: microservice
                command: ["\(binary)", "payments-demo", "--service", "\(name)", "--version", "{version}", "--port", "{port}", "--behaviour", "\(folder)/behaviour.yml"]
                version: v1
                start_timeout: 30s
                instances: { nightly: 1 }
            \(name == "payin" ? "    build: { command: [\"/bin/sh\", \"-c\", \"sleep 0.4; mkdir -p dist; printf 'payin %s\\\\n' \\\"$1\\\" > dist/payin-$1.txt\", \"sh\", \"{version}\"], artifact: \"dist/payin-{version}.txt\", timeout: 60s }\n" : "")
            """
        }.joined(separator: "\n")
        return """
            services:
            \(services)
            environments:
              - name: nightly
            deployment:
              waves:
                - { name: nightly, target: nightly, steps: [deploy, promote] }
            nightly:
              environment: nightly
              reruns: 1
              flaky: { k: 2, m: 5 }
              suites:
                - name: payments
                  command: ["\(binary)", "payments-suite"]
                  list: ["\(binary)", "payments-suite", "--list"]
                  shards: 2
                  timeout: 120s
              owners:
                - { match: "payments.payin.*", service: payin }
                - { match: "payments.wallet.*", service: wallet }
            """
    }

    @Test func killedDuringNightlyRunsEndsEachRunOnceAndConsistent() async throws {
        let kills = Int(ProcessInfo.processInfo.environment["RAILYARD_NIGHTLY_CRASH_KILLS"] ?? "") ?? 3
        var rng = Xoshiro256StarStar(seed: 20261130)
        let folder = try RailyardBinary.temporaryFolder("nightly-sweep")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "{}\n".write(toFile: folder + "/behaviour.yml", atomically: true, encoding: .utf8)
        let config = folder + "/railyard.yml"
        try Self.config(folder: folder).write(toFile: config, atomically: true, encoding: .utf8)
        let state = folder + "/state", port = try FreePort.next()
        var server = try ServerProcess(config: config, stateDirectory: state, port: port, log: folder + "/serve.log")
        try await server.waitReady()
        var client = RailyardClient(baseURL: server.url, token: server.tokens[.releaseOwner])
        let status = try await client.up()
        let router = try #require(status.targets.first { $0.name == "nightly" }?.router)

        let traffic = PaymentTraffic(routers: [router])
        let sender = Task { await traffic.run(loops: 1, interval: .milliseconds(25)) }
        defer { sender.cancel() }
        try await traffic.waitFor(requests: 20)

        _ = try await client.createTrain(API.TrainRequest(id: "2026.48", captain: "carol", services: ["payin": "2026.48.0"], kind: nil, fixes: nil))
        var expected = Dictionary(uniqueKeysWithValues: Self.services.map { ($0, "v1") })
        var hits: [String] = [], missed: [String] = []
        var round = 0
        while hits.count < kills, round < kills * 3 {
            defer { round += 1 }
            let version = "2026.48.\(round + 1)"
            _ = try await client.setServices(train: "2026.48", ["payin": version])
            let started = try await client.startNightly(train: "2026.48")
            let delay = Duration.milliseconds(Int(rng.next() % 1200))
            try await Task.sleep(for: delay)
            let before = try await client.nightlyReport(started.id).run
            var killed = false
            var killedAt = Date.distantFuture
            if before.state == .running {
                killedAt = Date()
                server.killHard()
                #expect(await RailyardBinary.serversLeft(config: config).isEmpty)
                server = try ServerProcess(config: config, stateDirectory: state, port: port, log: folder + "/serve.log")
                try await server.waitReady()
                client = RailyardClient(baseURL: server.url, token: server.tokens[.releaseOwner])
                killed = true
            } else {
                missed.append("\(started.id) after \(delay): already \(before.state.rawValue)")
            }
            let ended = try await waitForEnd(client, started.id)
            #expect(ended.state == .passed, "\(started.id): \(ended.state.rawValue) \(ended.reason ?? "")")
            if killed && ended.resumes == 1 {
                hits.append("\(started.id) after \(delay): \(before.phase.rawValue), \(before.suites.count) suite(s) done")
            } else if killed {
                // Read as running, then ended before the kill landed (a loaded machine): a miss, not a resume.
                #expect(ended.resumes == 0 && (ended.endedAt ?? .distantFuture) <= killedAt.addingTimeInterval(1),
                        "\(started.id) resumed \(ended.resumes) times, ended \(String(describing: ended.endedAt)), killed at \(killedAt)")
                missed.append("\(started.id) after \(delay): ended as the kill came")
            } else {
                #expect(ended.resumes == 0, "\(started.id) resumed \(ended.resumes) times without a kill")
            }
            #expect(ended.artifacts.map(\.version) == [version])
            expected["payin"] = version
            let runs = try await client.nightlyRuns(train: "2026.48", limit: 100)
            #expect(runs.count == round + 1 && Set(runs.map(\.id)).count == runs.count, "one run per start, never duplicated: \(runs.map(\.id))")
            try await checkLiveSystem(run: started.id, expected: expected, router: router, folder: folder, state: state)
        }
        #expect(hits.count == kills, "every planned kill landed during a run: \(hits.count) of \(kills); missed \(missed)")

        // The last run's report, as the API serves it, matches the document; the flaky test is there.
        let (code, json) = try await ServerProcess.request("GET", server.url + "/api/v1/nightly/runs/2026.48-n\(round)", token: server.tokens[.releaseOwner])
        #expect(code == 200)
        let body = try JSONDecoder().decode(JSONValue.self, from: JSONSerialization.data(withJSONObject: json))
        let problems = try OpenAPIDocument().problems(answering: "GET /api/v1/nightly/runs/{id}", status: 200, contentType: "application/json", body: body)
        #expect(problems.isEmpty, "\(problems)")
        let report = try await client.nightlyReport("2026.48-n\(round)")
        #expect(report.run.verdict?.flaky == ["payments.payin.balanceSeesConcurrentPayins"])
        #expect(report.proposals.map(\.test) == ["payments.payin.balanceSeesConcurrentPayins"], "flaky in 2 of the last 5 runs: proposed")
        #expect(report.links.failures.isEmpty)

        // Build once, deploy everywhere: the tested artifact rewritten in place is refused, with the reason.
        let artifact = try #require(report.run.artifacts.first)
        #expect(artifact.sha256 == SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: artifact.path))).map { String(format: "%02x", $0) }.joined())
        try "payin rebuilt by hand\n".write(toFile: artifact.path, atomically: true, encoding: .utf8)
        let refused = try await waitForEnd(client, try await client.startNightly(train: "2026.48").id)
        #expect(refused.state == .broken && refused.reason?.contains("changed after it was built and tested") == true, "\(refused.reason ?? "")")

        sender.cancel()
        await sender.value
        let sent = traffic.counts
        #expect(sent.failed == 0, "no payment failed: \(sent.failed) of \(sent.sent): \(traffic.failures)")
        print("nightly crash sweep: \(hits.count) kills in \(round) runs (missed moments: \(missed.count)), \(sent.sent) payments, \(sent.failed) failed; kills landed at: \(hits.joined(separator: "; "))")
        try await client.down()
        await server.exited()
        #expect(RailyardBinary.processes(mentioning: folder).isEmpty, "nothing left running after railyard down")
    }

    func waitForEnd(_ client: RailyardClient, _ id: String) async throws -> NightlyRunRecord {
        for _ in 0..<1800 {
            if let run = try? await client.nightlyReport(id).run, run.state != .running { return run }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("nightly \(id) never ended")
    }

    /// Real requests through the nightly router reach the expected version of each service only; `ps`
    /// shows one instance of each at that version, one router and one control plane; no process of a
    /// build or a suite carries the state folder's mark.
    func checkLiveSystem(run: String, expected: [String: String], router: String, folder: String, state: String) async throws {
        for service in Self.services {
            var versions = Set<String>()
            for _ in 0..<4 {
                let (code, body) = try await ServerProcess.request("GET", router + "/\(service)/health")
                #expect(code == 200, "\(run): nightly/\(service)/health answered \(code)")
                versions.insert((body as? [String: Any])?["version"] as? String ?? "?")
            }
            #expect(versions == [expected[service]!], "\(run): \(service) answers from \(versions.sorted()), expected \(expected[service]!)")
        }
        let fleet = CrashSweepTests.psFleet(folder: folder)
        let instances = fleet.filter { $0.args.contains("payments-demo") }.map { entry -> String in
            let words = entry.args.split(separator: " ")
            return (words.firstIndex(of: "--service").map { String(words[$0 + 1]) } ?? "?") + " " + entry.version
        }
        #expect(instances.sorted() == Self.services.map { "\($0) \(expected[$0]!)" }.sorted(), "\(run): ps shows \(instances.sorted())")
        #expect(fleet.filter { $0.args.contains(" router ") }.count == 1, "\(run): one router")
        #expect(fleet.filter { $0.args.contains(" serve ") }.count == 1, "\(run): one control plane")
        let leftovers = DriverFactory.make(.local).processes(ownedBy: URL(fileURLWithPath: state).standardizedFileURL.path).filter { $0.label.hasPrefix("nightly:") }
        #expect(leftovers.isEmpty, "\(run): builds or suites left running: \(leftovers.map { "\($0.label) pid \($0.process.pid)" })")
    }
}
