import Foundation
import PaymentsDemo
import RailyardAPI
import RailyardAdapters
import RailyardCore
import RailyardSimulation
import Testing

/// SIGKILL of `railyard serve` at seeded random moments of train releases (fx → wallet → payin by
/// depends_on), under payment traffic: every other train carries a payin version that cannot start,
/// so kills land in the way back too (aborts, reverts, rollback scripts). After each train it checks
/// the live system, not only the store: the train ended as expected, real requests through every
/// router reach the expected version of each service only, `ps` shows exactly the expected processes,
/// and no payment failed. With `RAILYARD_TRAIN_CRASH_DC2=1` each rollout is also held before dc2 (the
/// ticket is not backward-compatible) until its train lets it go on, and kills land on that hold too.
///
/// `RAILYARD_TRAIN_CRASH_KILLS` sets the number of kills (4 by default, as in CI; more by hand).
@Suite(.serialized, .fleet) struct TrainCrashSweepTests {
    static let services = ["fx", "wallet", "payin"]
    /// `RAILYARD_TRAIN_CRASH_DC2=1` adds the dc2 wave and its holds (by hand: four more processes for
    /// the whole sweep are too much for a 2-core CI machine running every suite at once).
    static let withDC2 = ProcessInfo.processInfo.environment["RAILYARD_TRAIN_CRASH_DC2"] == "1"
    static let targets = withDC2 ? ["staging", "dc1", "dc2"] : ["staging", "dc1"]

    @Test func killedDuringTrainReleasesEndsConsistent() async throws {
        let kills = Int(ProcessInfo.processInfo.environment["RAILYARD_TRAIN_CRASH_KILLS"] ?? "") ?? 4
        var rng = Xoshiro256StarStar(seed: 20261201)
        let folder = try RailyardBinary.temporaryFolder("train-sweep")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "{}\n".write(toFile: folder + "/behaviour.yml", atomically: true, encoding: .utf8)
        try "sleep 0.3; echo applied >> marker.txt\n".write(toFile: folder + "/apply.sh", atomically: true, encoding: .utf8)
        try "sleep 0.2; echo rolled-back >> marker.txt\n".write(toFile: folder + "/rollback.sh", atomically: true, encoding: .utf8)
        let config = folder + "/railyard.yml"
        try TrainReleaseTests.config(folder: folder, canaryPause: "300ms", dc2: Self.withDC2).write(toFile: config, atomically: true, encoding: .utf8)
        let state = folder + "/state", port = try FreePort.next()
        var server = try ServerProcess(config: config, stateDirectory: state, port: port, log: folder + "/serve.log")
        try await server.waitReady()
        var client = RailyardClient(baseURL: server.url, token: server.tokens[.releaseOwner])
        let status = try await client.up()
        let routers = Dictionary(uniqueKeysWithValues: status.targets.compactMap { target in target.router.map { (target.name, $0) } })
        #expect(routers.count == Self.targets.count)

        let traffic = PaymentTraffic(routers: Self.targets.compactMap { routers[$0] })
        let sender = Task { await traffic.run(loops: 1, interval: .milliseconds(20)) }
        defer { sender.cancel() }
        try await traffic.waitFor(requests: 30)

        var stable = Dictionary(uniqueKeysWithValues: Self.services.map { ($0, "v1") })
        var hits: [String] = [], missed: [String] = []
        var round = 0
        while hits.count < kills, round < kills * 3 {
            defer { round += 1 }
            let failing = round % 2 == 1
            let id = "2026.\(50 + round)"
            var versions = Dictionary(uniqueKeysWithValues: Self.services.map { ($0, "\(id).0") })
            if failing { versions["payin"] = "\(id).1-bad" }
            _ = try await client.createTrain(API.TrainRequest(id: id, captain: "carol", services: versions, kind: nil, fixes: nil))
            _ = try await client.importTickets(train: id, fileName: "export.json", content: """
                [{"Issue key": "PAY-\(round)", "Summary": "Fee column", "Issue Type": "Story", "Assignee": "dave", "Component/s": "payin, wallet, fx"}]
                """, skipInvalid: false)
            _ = try await client.answer(train: id, ticket: "PAY-\(round)",
                                        answers: RiskAnswers(scripts: true, rollbackable: true, backwardCompatible: false, scope: .narrow))
            _ = try await client.signReview(train: id)
            let approver = RailyardClient(baseURL: server.url, token: server.tokens[.approver])
            var train = try await client.train(id).train
            while train.state != .production {
                for gate in try await client.gates(train: id) where !gate.passes && gate.gate.blocks {
                    _ = try await approver.override(train: id, gate: gate.gate, reason: "crash sweep: \(gate.gate.rawValue) checked by hand")
                }
                train = try await client.advanceTrain(id)
            }

            // A failing train is killed in its way back: wait until it reverts, then the seeded delay.
            let delay = Duration.milliseconds(Int(rng.next() % (failing ? 1500 : 3000)))
            if failing {
                for _ in 0..<600 {
                    if let release = try await client.train(id).train.release, release.phase != .deploying { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            try await Task.sleep(for: delay)
            let before = try await client.train(id).train
            if let release = before.release, release.phase.isActive {
                let held = try await client.rollouts().filter { $0.heldBefore != nil }.count
                hits.append("\(id) after \(delay): \(release.phase.rawValue), \(release.entries.count) rollouts\(held > 0 ? ", \(held) held before dc2" : "")")
                server.killHard()
                #expect(await RailyardBinary.serversLeft(config: config).isEmpty)
                server = try ServerProcess(config: config, stateDirectory: state, port: port, log: folder + "/serve.log")
                try await server.waitReady()
                client = RailyardClient(baseURL: server.url, token: server.tokens[.releaseOwner])
            } else {
                missed.append("\(id) after \(delay): already \(before.state.rawValue)")
            }
            let ended = try await waitForEnd(client, id)
            #expect(ended.state == (failing ? .rolledBack : .done), "\(id): \(ended.state.rawValue) \(ended.reason ?? "")")
            if ended.state == .done { stable = versions }
            try await checkLiveSystem(id: id, expected: stable, routers: routers, folder: folder)
        }
        #expect(hits.count == kills, "every planned kill landed during a release: \(hits.count) of \(kills); missed \(missed)")
        #expect(hits.contains { $0.contains("reverting") }, "a kill landed in the way back: \(hits)")
        sender.cancel()
        await sender.value
        let sent = traffic.counts
        #expect(sent.failed == 0, "no payment failed: \(sent.failed) of \(sent.sent): \(traffic.failures)")
        print("train crash sweep: \(hits.count) kills in \(round) trains (missed moments: \(missed.count)), \(sent.sent) payments, \(sent.failed) failed; kills landed at: \(hits.joined(separator: "; "))")

        try await client.down()
        await server.exited()
        #expect(RailyardBinary.processes(mentioning: folder).isEmpty, "nothing left running after railyard down")
    }

    func waitForEnd(_ client: RailyardClient, _ id: String) async throws -> TrainRecord {
        for _ in 0..<1200 {
            if let train = try? await client.train(id).train, train.state.isFinal { return train }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("train \(id) never ended")
    }

    /// Real requests through each router reach the expected version of each service only, and `ps`
    /// shows exactly one instance of it per target, one router per target, one control plane and no script.
    func checkLiveSystem(id: String, expected: [String: String], routers: [String: String], folder: String) async throws {
        for target in Self.targets {
            for service in Self.services {
                var versions = Set<String>()
                for _ in 0..<6 {
                    let (code, body) = try await ServerProcess.request("GET", routers[target]! + "/\(service)/health")
                    #expect(code == 200, "\(id): \(target)/\(service)/health answered \(code)")
                    versions.insert((body as? [String: Any])?["version"] as? String ?? "?")
                }
                #expect(versions == [expected[service]!], "\(id): \(target) \(service) answers from \(versions.sorted()), expected \(expected[service]!)")
            }
        }
        let fleet = CrashSweepTests.psFleet(folder: folder)
        let instances = fleet.filter { $0.args.contains("payments-demo") }.map { entry -> String in
            let words = entry.args.split(separator: " ")
            let service = words.firstIndex(of: "--service").map { String(words[$0 + 1]) } ?? "?"
            return "\(entry.target) \(service) \(entry.version)"
        }
        let wanted = Self.targets.flatMap { target in Self.services.map { "\(target) \($0) \(expected[$0]!)" } }
        #expect(instances.sorted() == wanted.sorted(), "\(id): ps shows \(instances.sorted())")
        #expect(fleet.filter { $0.args.contains(" router ") }.count == Self.targets.count, "\(id): one router per target")
        #expect(fleet.filter { $0.args.contains("apply.sh") || $0.args.contains("rollback.sh") }.isEmpty, "\(id): no script left running")
        #expect(fleet.filter { $0.args.contains(" serve ") }.count == 1, "\(id): one control plane")
    }
}
