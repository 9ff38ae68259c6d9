import ArgumentParser
import Foundation
import RailyardAPI
import RailyardCore

struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up", abstract: "Bring every service up at its stable version in every environment, with the routers.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let status = try await clientCall { try await options.client.up() }
        if options.output == .json { try printJSON(status) } else { print(StatusTable.render(status)) }
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Every environment and datacenter: each service's versions, weights and health.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let status = try await clientCall { try await options.client.status() }
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
        let events = try await clientCall { try await options.client.history(subject: subject, limit: limit) }
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
            try await options.client.down()
            print("fleet stopped; server stopped")
        } catch let failure as RailyardClient.Failure where failure.isUnreachable {
            // No server: a temporary one on the local state folder stops what the store recorded.
            print("no server at \(options.server); working on the local state folder \(stateDir)")
            let local = try await clientCall {
                try await LocalControlPlane(config: config, stateDirectory: stateDir, log: stateDir + "/logs/down-serve.log")
            }
            try await clientCall { try await local.client.down() }
            await local.waitForExit()
            print("stopped the fleet recorded in \(stateDir)")
        } catch let failure as RailyardClient.Failure {
            var standardError = StandardError()
            print("error: \(failure.message)", to: &standardError)
            throw ExitStatus.refused
        }
    }
}
