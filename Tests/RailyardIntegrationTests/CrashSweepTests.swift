import Foundation
import PaymentsDemo
import RailyardAPI
import RailyardAdapters
import RailyardSimulation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// SIGKILL of `railyard serve` at seeded random moments of every step kind (scripts, deploy, smoke,
/// setWeight, pause, analysis, promote, approval, the rollback, the retirement), under payment traffic,
/// one kill per rollout; some rollouts are aborted. After each rollout it checks, on the live system
/// and not only the store: the rollout ended promoted or rolled back, every router sends real requests
/// to the expected version only, exactly the expected processes run (read with `ps`), and no payment
/// failed. After `railyard down`, nothing is left.
///
/// `RAILYARD_CRASH_KILLS` sets the number of kills (10 by default, as in CI; more by hand).
@Suite(.serialized, .fleet) struct CrashSweepTests {
    static let kinds = ["scripts", "deploy", "smoke", "setWeight", "pause", "analysis", "promote", "approval", "rollback", "retire"]
    static let targets = ["staging", "dc1", "dc2"]

    static let waves = """
            - name: pre-deployment
              steps: [scripts]
            - name: staging
              target: staging
              steps: [deploy, smoke, promote]
            - name: canary
              target: dc1
              steps:
                - deploy
                - setWeight: 50
                - pause: 1s
                - analysis:
                    judge: threshold
                    interval: 1s
                    # Room for a restarted server to see its first look on a loaded CI machine (it passes at its first look with data).
                    max_duration: 20s
                    min_samples: 1
                    metrics:
                      - { name: errors, kind: error_rate, max: 0.05 }
                - promote
            - name: dc2
              target: dc2
              steps: [deploy, pause: approval, promote]
        """

    static let scripts = """
        scripts:
          - name: 001-fee-column
            apply: apply.sh
            rollback: rollback.sh
            timeout: 30s
        """

    /// One planned kill: at which step kind, in which wave (for kinds that occur in several), after how long.
    struct Plan: CustomStringConvertible {
        var kind: String
        var wave: String
        var delay: Duration
        /// Abort instead of approving at the dc2 gate.
        var abortAtGate: Bool
        var description: String { "kill at \(kind)\(wave.isEmpty ? "" : " of \(wave)") after \(delay)" + (abortAtGate ? ", abort at the gate" : "") }
    }

    @Test func killedAtRandomMomentsOfEveryStepKindEndsConsistent() async throws {
        let kills = Int(ProcessInfo.processInfo.environment["RAILYARD_CRASH_KILLS"] ?? "") ?? 10
        var rng = Xoshiro256StarStar(seed: 20261130)
        let folder = try RailyardBinary.temporaryFolder("sweep")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "payin: {}\n".write(toFile: folder + "/behaviour.yml", atomically: true, encoding: .utf8)
        try "sleep 0.4; echo applied >> marker.txt\n".write(toFile: folder + "/apply.sh", atomically: true, encoding: .utf8)
        try "sleep 0.2; echo rolled-back >> marker.txt\n".write(toFile: folder + "/rollback.sh", atomically: true, encoding: .utf8)
        let config = folder + "/railyard.yml"
        try RailyardBinary.singleServiceConfig(behaviour: folder + "/behaviour.yml", instances: "{ staging: 1, dc1: 1, dc2: 1 }",
                                               waves: Self.waves, scripts: Self.scripts)
            .write(toFile: config, atomically: true, encoding: .utf8)
        let state = folder + "/state", port = try FreePort.next()
        var server = try ServerProcess(config: config, stateDirectory: state, port: port, log: folder + "/serve.log")
        try await server.waitReady()
        // Tokens outlive the server that made them: the store keeps them across every kill.
        let client = RailyardClient(baseURL: server.url, token: server.tokens[.releaseOwner])
        let approver = RailyardClient(baseURL: server.url, token: server.tokens[.approver])
        let status = try await client.up()
        let routers = Dictionary(uniqueKeysWithValues: status.targets.compactMap { target in target.router.map { (target.name, $0) } })
        #expect(routers.count == 3)

        let traffic = PaymentTraffic(routers: Self.targets.compactMap { routers[$0] })
        let sender = Task { await traffic.run(loops: 1, interval: .milliseconds(20)) }
        defer { sender.cancel() }
        try await traffic.waitFor(requests: 30)

        var stable = "v1"
        var hits: [String] = [], missed: [String] = []
        var round = 0
        // A planned moment can pass before the stream shows it (a step of a few milliseconds): that kind
        // is planned again in the next rollout, so every kind gets its kill.
        while hits.count < kills, round < kills * 2 {
            defer { round += 1 }
            let kind = Self.kinds[hits.count % Self.kinds.count]
            let waves = ["deploy": ["staging", "canary", "dc2"], "promote": ["staging", "canary", "dc2"]][kind] ?? [""]
            let maxDelay: Double = ["pause": 0.8, "analysis": 1.5, "approval": 0.3, "scripts": 0.35][kind] ?? 0.06
            let plan = Plan(kind: kind, wave: waves[Int(rng.next() % UInt64(waves.count))],
                            delay: .milliseconds(Int(Double(rng.next() % 1000) / 1000 * maxDelay * 1000)), abortAtGate: round % 4 == 1)
            let version = "v\(round + 2)"
            let id = try await client.deploy(service: "payin", version: version).id
            var killed = false, aborted = false
            var ended: API.RolloutView?
            while ended == nil {
                do {
                    for try await view in client.changes(of: id) {
                        if view.phase.isTerminal { ended = view; break }
                        if !killed, Self.matches(view, plan) {
                            try await Task.sleep(for: plan.delay)
                            hits.append("\(plan.kind) (seen: \(view.phase.rawValue) \(view.wave)/\(view.step))")
                            server.killHard()
                            killed = true
                            #expect(await RailyardBinary.serversLeft(config: config).isEmpty)
                            server = try ServerProcess(config: config, stateDirectory: state, port: port, log: folder + "/serve.log")
                            try await server.waitReady()
                            break
                        }
                        if !aborted, plan.kind == "rollback", view.phase == .paused {
                            _ = try await client.abort(id, reason: "crash sweep: abort to kill during the rollback")
                            aborted = true
                        } else if view.phase == .awaitingApproval, !(plan.kind == "approval" && !killed) {
                            if plan.abortAtGate, view.wave == "dc2", !aborted {
                                _ = try await client.abort(id, reason: "crash sweep: abort at the gate")
                                aborted = true
                            } else if !aborted {
                                _ = try await approver.approve(id)
                            }
                        }
                    }
                } catch let failure as RailyardClient.Failure where failure.isUnreachable {
                    continue
                }
            }
            let view = try #require(ended)
            if !killed { missed.append("round \(round): \(plan)") }
            #expect(view.phase == (aborted ? .rolledBack : .promoted), "round \(round) (\(plan)): \(view.phase.rawValue) \(view.reason ?? "")")
            if view.phase == .promoted { stable = version }
            try await checkLiveSystem(round: round, plan: plan, expected: stable, routers: routers, folder: folder)
        }
        #expect(hits.count == kills, "every planned kill landed: \(hits.count) of \(kills); missed \(missed)")
        for kind in ["scripts", "deploy", "promote", "rollback"] {
            #expect(hits.contains { $0.hasPrefix(kind + " ") }, "a kill landed inside \(kind)")
        }
        sender.cancel()
        await sender.value
        let sent = traffic.counts
        #expect(sent.failed == 0, "no payment failed: \(sent.failed) of \(sent.sent): \(traffic.failures)")
        #expect(sent.sent > 100)
        print("crash sweep: \(hits.count) kills in \(round) rollouts (missed moments: \(missed.count)), \(sent.sent) payments, \(sent.failed) failed; kills landed at: \(hits.joined(separator: "; "))")

        try await client.down()
        await server.exited()
        #expect(RailyardBinary.processes(mentioning: folder).isEmpty, "nothing left running after railyard down")
    }

    /// Whether the rollout is at the planned kill point now.
    static func matches(_ view: API.RolloutView, _ plan: Plan) -> Bool {
        switch plan.kind {
        case "pause": return view.phase == .paused
        case "approval": return view.phase == .awaitingApproval && view.wave == "dc2"
        case "rollback": return view.phase == .rollingBack
        case "retire": return view.phase == .finishing
        default:
            guard view.phase == .running, view.step.hasPrefix(plan.kind) else { return false }
            return plan.wave.isEmpty || view.wave == plan.wave
        }
    }

    /// Real requests through each router reach `expected` only, and `ps` shows exactly one instance of
    /// `expected` per target, three routers, and nothing else of this test's fleet.
    func checkLiveSystem(round: Int, plan: Plan, expected: String, routers: [String: String], folder: String) async throws {
        for target in Self.targets {
            var versions = Set<String>()
            for _ in 0..<12 {
                let (code, body) = try await ServerProcess.request("GET", routers[target]! + "/payin/health")
                #expect(code == 200)
                versions.insert((body as? [String: Any])?["version"] as? String ?? "?")
            }
            #expect(versions == [expected], "round \(round) (\(plan)): \(target) answers from \(versions.sorted()), expected \(expected) only")
        }
        let fleet = Self.psFleet(folder: folder)
        let instances = fleet.filter { $0.args.contains("payments-demo") }
        let expectedInstances = Self.targets.map { "\($0) \(expected)" }.sorted()
        #expect(instances.map { "\($0.target) \($0.version)" }.sorted() == expectedInstances,
                "round \(round) (\(plan)): ps shows \(instances.map { "\($0.pid) \($0.target) \($0.version)" })")
        #expect(fleet.filter { $0.args.contains(" router ") }.count == 3, "round \(round): three routers")
        #expect(fleet.filter { $0.args.contains("apply.sh") || $0.args.contains("rollback.sh") }.isEmpty, "round \(round): no script left running")
        #expect(fleet.filter { $0.args.contains(" serve ") }.count == 1, "round \(round): one control plane")
    }

    struct PSEntry { var pid: Int32; var args: String; var target: String; var version: String }

    /// The processes of this test's fleet as `ps` lists them, with each one's target from its environment.
    static func psFleet(folder: String) -> [PSEntry] {
        let ps = Process()
        ps.executableURL = URL(fileURLWithPath: "/bin/ps")
        ps.arguments = ["-eo", "pid=,stat=,args="]
        let pipe = Pipe()
        ps.standardOutput = pipe
        guard (try? ps.run()) != nil else { return [] }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        ps.waitUntilExit()
        return output.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            guard fields.count == 3, let pid = Int32(fields[0]), !fields[1].hasPrefix("Z"), fields[2].contains(folder) else { return nil }
            let args = String(fields[2])
            let environment = (FileManager.default.contents(atPath: "/proc/\(pid)/environ") ?? Data()).split(separator: 0)
                .map { String(decoding: $0, as: UTF8.self) }
            let target = environment.first { $0.hasPrefix("RAILYARD_TARGET=") }.map { String($0.dropFirst(16)) } ?? "?"
            let words = args.split(separator: " ")
            let version = words.firstIndex(of: "--version").flatMap { $0 + 1 < words.count ? String(words[$0 + 1]) : nil } ?? "?"
            return PSEntry(pid: pid, args: args, target: target, version: version)
        }
    }
}
