import ArgumentParser
import Foundation
import RailyardCore
import RailyardEngine
import RailyardServer

struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up", abstract: "Bring every service up at its stable version in every environment, with the routers.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let status: FleetStatus = try await clientCall { try await options.client.post("fleet/up", body: [String: String]()) }
        if options.output == .json { try printJSON(status) } else { print(StatusTable.render(status)) }
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Every environment and datacenter: each service's versions, weights and health.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let status: FleetStatus = try await clientCall { try await options.client.get("status") }
        if options.output == .json { try printJSON(status) } else { print(StatusTable.render(status)) }
    }
}

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "The audit log: who did what, when and why.")
    @OptionGroup var options: ClientOptions
    @Option(help: "Only events about this rollout id, service or target.") var subject: String?
    @Option(help: "How many of the newest events.") var limit: Int = 50

    func run() async throws {
        var query = "history?limit=\(limit)"
        if let subject { query += "&subject=\(subject.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? subject)" }
        let events: [AuditEvent] = try await clientCall { try await options.client.get(query) }
        if options.output == .json { try printJSON(events); return }
        for event in events { print(EventLine.render(event)) }
    }
}

struct DownCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "Stop everything Railyard started: rollouts in flight are rolled back, then instances, routers and the server stop.",
        discussion: "Without a running server, it works on the local state folder directly.")
    @OptionGroup var options: ClientOptions
    @Option(help: "The config file (used when no server runs).") var config: String = Defaults.configPath
    @Option(help: "State folder (used when no server runs).") var stateDir: String = Defaults.stateDirectory

    func run() async throws {
        do {
            let _: [String: String] = try await options.client.post("fleet/down", body: [String: String]())
            print("fleet stopped; server stopped")
        } catch let failure as APIClient.Failure where failure.status == 0 {
            let loaded = try ConfigLoader.load(path: config)
            let engine = try await RailyardServer.makeEngine(config: loaded, paths: RailyardPaths(root: stateDir),
                                                             routerCommand: [Defaults.executablePath, "router"])
            try await engine.down(actor: Defaults.actor)
            await engine.shutdown()
            try await engine.store.close()
            print("no server at \(options.server); stopped the fleet recorded in \(stateDir)")
        }
    }
}
