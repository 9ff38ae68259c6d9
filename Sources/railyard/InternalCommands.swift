import ArgumentParser
import Foundation
import PaymentsDemo
import RailyardAdapters

/// `railyard router`: one built-in router process. Railyard starts these itself.
struct RouterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "router", abstract: "Run one built-in router (started by Railyard; not usually run by hand).", shouldDisplay: false)
    @Option(help: "Target name (environment or datacenter).") var name: String
    @Option(help: "Traffic port.") var port: Int
    @Option(help: "Admin API port.") var adminPort: Int
    @Option(help: "Where the routing table is kept across restarts.") var stateFile: String?

    func run() async throws {
        try await BuiltInRouterServer.run(BuiltInRouterOptions(port: port, adminPort: adminPort, name: name, stateFile: stateFile))
    }
}

/// `railyard payments-demo`: one instance of the bundled payment fleet.
struct PaymentsDemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payments-demo", abstract: "Run one service of the bundled payment fleet (what the demo deploys).", shouldDisplay: false)
    @Option(help: "core, wallet, payin, payout or fx.") var service: String
    @Option(help: "Version to report and behave as.") var version: String
    @Option(help: "Port.") var port: Int
    @Option(help: "YAML file of per-version behaviour (failure_rate, extra_latency_ms).") var behaviour: String?

    func run() async throws {
        guard let demoService = DemoService(rawValue: service) else {
            throw ValidationError("unknown service '\(service)': one of \(DemoService.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var table: BehaviourFile.Table = [:]
        if let behaviour { table = try BehaviourFile.load(path: behaviour) }
        try await PaymentsDemoServer.run(PaymentsDemoOptions(service: demoService, version: version, port: port,
                                                             behaviour: BehaviourFile.behaviour(for: demoService, version: version, in: table)))
    }
}
