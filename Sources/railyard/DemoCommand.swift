import ArgumentParser
import Foundation
import PaymentsDemo
import RailyardAPI
import RailyardCore

/// `railyard demo`: one whole train on the bundled payment fleet, on this machine.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Play a release on the bundled payment fleet: v1 everywhere, a good payin v2 through every wave, a faulty v3 rolled back.",
        discussion: """
            Starts a Railyard server (`railyard serve`, as a child process) and the fleet (core, wallet, payin, \
            payout, fx) as real processes behind real routers in nightly, testing, perf, staging, dc1 and dc2, \
            sends payment traffic through the production routers, and deploys. Leaves nothing running when it ends.
            """
    )

    @Option(help: "text for people; json prints {\"rollouts\": [...]} at the end for scripts.") var output: OutputFormat = .text
    @Option(help: "Working folder for the demo's config, state and logs (wiped at start).") var dir: String = ".railyard-demo"

    struct Summary: Codable { var rollouts: [Entry] }
    struct Entry: Codable { var id, service, version, outcome: String; var reason: String? }

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
            try await LocalControlPlane(config: configPath, stateDirectory: folder + "/state", log: folder + "/serve.log")
        }
        let url = server.url
        var client = server.client
        var entries: [Entry] = []
        do {
            say("  control plane on \(url) (try `railyard status --server \(url)` in another terminal)")
            // Tokens as an admin hands them out: alice deploys and may abort; bob approves. The server
            // refuses alice's approval of her own production change (four eyes).
            let alice = try await server.client.createToken(name: "alice", role: .releaseOwner, expiresIn: "2h")
            let bob = try await server.client.createToken(name: "bob", role: .approver, expiresIn: "2h")
            client = RailyardClient(baseURL: url, token: alice.token)
            let approver = RailyardClient(baseURL: url, token: bob.token)
            say("  tokens: alice (release-owner) deploys, bob (approver) approves — four eyes on every production change")

            say("\n▶ 1. Bringing the fleet up at v1 in nightly, testing, perf, staging, dc1 and dc2")
            let status = try await client.up()
            say(StatusTable.render(status).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))

            let routers = status.targets.filter { ["staging", "dc1", "dc2"].contains($0.name) }.compactMap(\.router)
            let traffic = PaymentTraffic(routers: routers)
            let trafficTask = Task { await traffic.run() }
            say("\n  payment traffic flowing through the staging, dc1 and dc2 routers")

            say("\n▶ 2. Train 2026.48: payin v2 through pre-deployment scripts → staging → canary (dc1) → dc2")
            entries.append(try await deployAndFollow(client, approver: approver, service: "payin", version: "v2", say: say) { view, numbers in
                say("  ✔ bob (approver) approves \(view.id), which alice deployed: \(numbers)")
                return .approve
            })

            say("\n▶ 3. payin v3, which fails 4% of pay-ins, through the same process: the canary analysis must catch it")
            entries.append(try await deployAndFollow(client, approver: approver, service: "payin", version: "v3", say: say) { view, numbers in
                // Only reached if the analysis did not decide: a person looks at the numbers.
                say("  ✘ alice (release owner) aborts \(view.id): \(numbers)")
                return .abort("canary worse than stable: \(numbers)")
            })

            trafficTask.cancel()
            await trafficTask.value
            let sent = traffic.counts
            say("\n▶ 4. Figures")
            say("  payments sent through the routers: \(sent.sent), failed: \(sent.failed) (\(percent(sent.failed, sent.sent)))")
            for entry in entries {
                say("  \(entry.id.padding(toLength: 16, withPad: " ", startingAt: 0)) \(entry.service) \(entry.version)  \(entry.outcome)"
                    + (entry.reason.map { " — \($0)" } ?? ""))
            }
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
        if output == .json { try printJSON(Summary(rollouts: entries)) }
    }

    enum Decision { case approve, abort(String) }

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
                if let analysis = try await client.analyses(ofRollout: view.id).last {
                    let svg = try await client.analysisPlot(analysis.id)
                    let file = URL(fileURLWithPath: dir).standardizedFileURL.path + "/\(analysis.id).svg"
                    try svg.write(to: URL(fileURLWithPath: file))
                    say("  analysis \(analysis.id): \(analysis.verdict?.rawValue ?? "?") — plot in \(file)")
                }
                return Entry(id: current.id, service: service, version: version,
                             outcome: current.phase == .promoted ? "promoted" : "rolled_back", reason: current.reason)
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
