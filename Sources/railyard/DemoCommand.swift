import ArgumentParser
import Foundation
import PaymentsDemo
import RailyardAPI
import RailyardCore

/// `railyard demo`: one whole train on the bundled payment fleet, on this machine.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Play a release train on the bundled payment fleet: train 2026.48 from its tickets to production, a hotfix, a faulty version rolled back.",
        discussion: """
            Starts a Railyard server (`railyard serve --simulated-clock`, as a child process) and the fleet (core, \
            wallet, payin, payout, fx) as real processes behind real routers in nightly, testing, perf, staging, dc1 \
            and dc2, and sends payment traffic through the production routers. Then train 2026.48 (payin, wallet \
            and fx, providers first) goes through the review, its nightly (its versions built into artifacts with their \
            sha256, deployed to nightly and tested by the payment fleet's suite, whose flaky test is proposed for \
            quarantine), validation, gates and its production release; a \
            hotfix follows; payin v3, which fails pay-ins, is rolled back by the canary analysis; and the figures \
            are printed. A sprint's days pass on the simulated clock; processes and traffic are real. Leaves \
            nothing running when it ends.
            """
    )

    @Option(help: "text for people; json prints {\"rollouts\": [...], \"trains\": [...], \"nightly\": [...], \"figures\": {...}} at the end for scripts.") var output: OutputFormat = .text
    @Option(help: "Working folder for the demo's config, state and logs (wiped at start).") var dir: String = ".railyard-demo"

    struct Summary: Codable {
        var rollouts: [Entry]
        var trains: [TrainLine]
        /// Train 2026.48's nightly runs, oldest first.
        var nightly: [NightlyRunRecord]
        var figures: ReleaseFigures?
    }
    struct TrainLine: Codable {
        var id: String
        var kind: TrainKind
        var state: TrainState
        var services: [String]
        var productionAt: Date?
    }
    struct Entry: Codable {
        var id, service, version, outcome: String
        var reason: String?
        /// The rollout's last canary analysis: its verdict and why, with its bounds.
        var analysis: String?
    }

    func run() async throws {
        let started = ContinuousClock.now
        let say: @Sendable (String) -> Void = { text in if output == .text { print(text) } }
        let folder = URL(fileURLWithPath: dir).standardizedFileURL.path
        try await stopLeftovers(folder: folder)
        try? FileManager.default.removeItem(atPath: folder)
        let configPath = try DemoFleet.write(into: folder, executable: Defaults.executablePath)
        say("▶ Railyard demo — working folder \(folder)")
        // A real `railyard serve`, as a user would run it; the demo talks to it through the client only.
        let server = try await clientCall {
            try await LocalControlPlane(config: configPath, stateDirectory: folder + "/state", log: folder + "/serve.log", simulatedClock: true)
        }
        let url = server.url
        var client = server.client
        var entries: [Entry] = []
        var trains: [TrainLine] = []
        var nightly: [NightlyRunRecord] = []
        var figures: ReleaseFigures?
        do {
            say("  control plane on \(url) (try `railyard status --server \(url)` in another terminal)")
            // Tokens as an admin hands them out: alice deploys and may abort; bob approves. The server
            // refuses alice's approval of her own production change (four eyes).
            // The simulated clock moves weeks forward: the tokens last long enough for that.
            let alice = try await server.client.createToken(name: "alice", role: .releaseOwner, expiresIn: "365d")
            let bob = try await server.client.createToken(name: "bob", role: .approver, expiresIn: "365d")
            let tess = try await server.client.createToken(name: "tess", role: .tester, expiresIn: "365d")
            client = RailyardClient(baseURL: url, token: alice.token)
            let approver = RailyardClient(baseURL: url, token: bob.token)
            say("  tokens: alice (release-owner) leads the train, tess (tester) validates, bob (approver) approves — four eyes on every production change")
            let train = DemoTrain(alice: client, bob: approver, tess: RailyardClient(baseURL: url, token: tess.token), admin: server.client,
                                  folder: folder, say: say)

            say("\n▶ 1. Bringing the fleet up at v1 in nightly, testing, perf, staging, dc1 and dc2")
            let status = try await client.up()
            say(StatusTable.render(status).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))

            let routers = status.targets.filter { ["staging", "dc1", "dc2"].contains($0.name) }.compactMap(\.router)
            let traffic = PaymentTraffic(routers: routers, withWalletAndFX: true)
            // Most loops on dc1, where the canary analyses run: a pass is earned by payments, and on a
            // loaded 2-core machine every process competes for the same cores.
            let dc1 = status.targets.first { $0.name == "dc1" }?.router ?? ""
            let trafficTask = Task { await traffic.run(loops: 1, interval: .milliseconds(10), loopsPerRouter: [dc1: 5]) }
            say("\n  payment traffic (pay-ins, wallets, FX rates) flowing through the staging, dc1 and dc2 routers")

            say("\n▶ 2. Train 2026.48: its tickets, the review, validation, gates, then its production release")
            entries += try await train.play { id in try await followTrain(id, client: client, approver: approver, say: say) }

            say("\n▶ 3. A hotfix for train 2026.48")
            entries += try await train.playHotfix { id in try await followTrain(id, client: client, approver: approver, say: say) }

            say("\n▶ 4. payin v3, which fails 8% of pay-ins, through the same process: the canary analysis must catch it")
            entries.append(try await deployAndFollow(client, approver: approver, service: "payin", version: "v3", say: say) { view, numbers in
                // Only reached if the analysis did not decide: a person looks at the numbers.
                say("  ✘ alice (release owner) aborts \(view.id): \(numbers)")
                return .abort("canary worse than stable: \(numbers)")
            })

            trafficTask.cancel()
            await trafficTask.value
            let sent = traffic.counts
            say("\n▶ 5. Figures")
            say("  payments sent through the routers: \(sent.sent), failed: \(sent.failed) (\(percent(sent.failed, sent.sent))); "
                + "wallet and FX requests: \(sent.companions), failed: \(sent.companionsFailed)")
            for entry in entries {
                say("  \(entry.id.padding(toLength: 24, withPad: " ", startingAt: 0)) \(entry.service) \(entry.version)  \(entry.outcome)"
                    + (entry.reason.map { " — \($0)" } ?? ""))
            }
            trains = try await client.trains().reversed().map {
                TrainLine(id: $0.id, kind: $0.kind, state: $0.state, services: $0.services.keys.sorted(), productionAt: $0.productionAt)
            }
            for line in trains { say("  train \(line.id) (\(line.kind.rawValue)): \(line.state.rawValue)") }
            nightly = try await client.nightlyRuns(train: DemoTrain.id).reversed()
            let computed = try await client.figures()
            figures = computed
            say(FiguresText.render(computed).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            let record = folder + "/change-record-2026.48.md"
            try ChangeRecordMarkdown.render(try await client.changeRecord(train: DemoTrain.id)).write(toFile: record, atomically: true, encoding: .utf8)
            try await client.figuresChart().write(to: URL(fileURLWithPath: folder + "/figures.svg"))
            say("  change record of 2026.48 (PCI DSS 6.5.1) in \(record); figures chart in \(folder)/figures.svg")
        } catch {
            FileHandle.standardError.write(Data("demo failed: \(error)\n".utf8))
            _ = try? await client.down()
            await server.waitForExit()
            // Whatever the server could not stop (it may be gone already), stop from the store.
            try? await stopLeftovers(folder: folder)
            throw ExitStatus.refused
        }
        try await clientCall { try await client.down() }
        await server.waitForExit()
        say("\n▶ Done in \(Int((ContinuousClock.now - started).components.seconds))s; the fleet, routers and server are stopped.")
        say("  audit log and logs kept in \(folder)/state")
        if output == .json { try printJSON(Summary(rollouts: entries, trains: trains, nightly: nightly, figures: figures)) }
    }

    enum Decision { case approve, abort(String) }

    /// Follows a train's release until it ends: prints its events and each rollout's end; bob approves
    /// every rollout that waits at a gate (the train's rollouts are not his own changes).
    func followTrain(_ id: String, client: RailyardClient, approver: RailyardClient, say: @Sendable (String) -> Void) async throws -> [Entry] {
        var seen = Set<Int64>()
        var ended = Set<String>()
        var approved = Set<String>()
        while true {
            let view = try await client.train(id)
            for event in try await client.history(subject: "train:\(id)", limit: 500) where !seen.contains(event.id ?? -1) {
                seen.insert(event.id ?? -1)
                if event.kind.hasPrefix("train.release") || event.kind == "train.released" || event.kind == "train.rolled_back" {
                    say("  " + EventLine.render(event))
                }
            }
            for entry in view.train.release?.entries ?? [] {
                guard let rollout = try? await client.rollout(entry.rolloutID) else { continue }
                // A rollout held before a wave waits for its train, not for a person: the train lets it go.
                if rollout.phase == .awaitingApproval, rollout.heldBefore == nil, !approved.contains("\(rollout.id)#\(rollout.stepIndex)") {
                    approved.insert("\(rollout.id)#\(rollout.stepIndex)")
                    let numbers = try await canaryNumbers(client, service: rollout.service, target: "dc1")
                    do {
                        _ = try await approver.approve(rollout.id)
                        say("  ✔ bob approves \(rollout.id) at \(rollout.wave): \(numbers)")
                    } catch let failure as RailyardClient.Failure where failure.status == 409 {
                        // It moved on between the look and the approval (its train released it): nothing to approve.
                    }
                }
                if rollout.phase.isTerminal, ended.insert(rollout.id).inserted {
                    let verdict = try await client.analyses(ofRollout: rollout.id).last.map { " — analysis \($0.verdict?.rawValue ?? "?"): \($0.reason ?? "")" } ?? ""
                    say("  \(rollout.phase == .promoted ? "✔" : "✘") \(rollout.id): \(rollout.phase.rawValue)\(verdict)")
                }
            }
            if view.train.state.isFinal {
                var entries: [Entry] = []
                for entry in view.train.release?.entries ?? [] {
                    let rollout = try await client.rollout(entry.rolloutID)
                    let analysis = try await client.analyses(ofRollout: rollout.id).last
                    entries.append(Entry(id: rollout.id, service: rollout.service, version: rollout.version,
                                         outcome: rollout.phase == .promoted ? "promoted" : "rolled_back", reason: rollout.reason,
                                         analysis: analysis.map { "\($0.verdict?.rawValue ?? "running"): \($0.reason ?? "")" }))
                }
                say("  train \(id): \(view.train.state.rawValue)" + (view.train.reason.map { " — \($0)" } ?? ""))
                return entries
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    /// Deploys and follows a rollout on its event stream, printing its events; `decide` plays the release
    /// owner at the approval gate.
    func deployAndFollow(_ client: RailyardClient, approver: RailyardClient, service: String, version: String, say: @Sendable (String) -> Void,
                         decide: (API.RolloutView, String) async throws -> Decision) async throws -> Entry {
        let view = try await client.deploy(service: service, version: version)
        say("  rollout \(view.id) created")
        var seen = Set<Int64>()
        var decidedAt: Int?
        var lastLook = -5.0
        for try await current in client.changes(of: view.id) {
            for event in try await client.history(subject: view.id, limit: 500) where !seen.contains(event.id ?? -1) {
                seen.insert(event.id ?? -1)
                say("  " + EventLine.render(event))
            }
            if let live = current.analysis, live.look.elapsed >= lastLook + 5 {
                lastLook = live.look.elapsed
                say("  ◆ " + AnalysisText.liveLine(live))
            }
            if current.phase.isTerminal {
                let last = try await client.analyses(ofRollout: view.id).last
                if let analysis = last {
                    let svg = try await client.analysisPlot(analysis.id)
                    let file = URL(fileURLWithPath: dir).standardizedFileURL.path + "/\(analysis.id).svg"
                    try svg.write(to: URL(fileURLWithPath: file))
                    say("  analysis \(analysis.id): \(analysis.verdict?.rawValue ?? "?") — plot in \(file)")
                }
                return Entry(id: current.id, service: service, version: version,
                             outcome: current.phase == .promoted ? "promoted" : "rolled_back", reason: current.reason,
                             analysis: last.map { "\($0.verdict?.rawValue ?? "running"): \($0.reason ?? "")" })
            }
            // Each gate is decided once: an inconclusive analysis, then the `pause: approval` step.
            if current.phase == .awaitingApproval, decidedAt != current.stepIndex {
                decidedAt = current.stepIndex
                let numbers = try await canaryNumbers(client, service: service, target: "dc1")
                switch try await decide(current, numbers) {
                case .approve: _ = try await approver.approve(view.id)
                case .abort(let reason): _ = try await client.abort(view.id, reason: reason)
                }
            }
        }
        throw RailyardClient.Failure(status: 0, message: "the event stream of \(view.id) ended before the rollout did")
    }

    /// Failed payments of canary vs stable, read from the dc1 router's own counters.
    func canaryNumbers(_ client: RailyardClient, service: String, target: String) async throws -> String {
        let status = try await client.status()
        let groups = status.targets.first { $0.name == target }?.services.first { $0.name == service }?.groups ?? []
        return groups.map { "\($0.name) \($0.version) \(percent($0.errors, $0.requests)) failed of \($0.requests)" }.joined(separator: " vs ")
    }

    func percent(_ part: Int, _ whole: Int) -> String {
        whole == 0 ? "0%" : String(format: "%.1f%%", Double(part) * 100 / Double(whole))
    }

    /// A previous demo killed half-way may have left processes: a control plane on its state folder
    /// stops everything its store recorded.
    func stopLeftovers(folder: String) async throws {
        let config = folder + "/railyard.yml", state = folder + "/state"
        guard FileManager.default.fileExists(atPath: config), FileManager.default.fileExists(atPath: state + "/railyard.sqlite") else { return }
        guard let local = try? await LocalControlPlane(config: config, stateDirectory: state, log: folder + "/leftovers-serve.log") else { return }
        try? await local.client.down()
        await local.waitForExit()
    }
}
