import Foundation
import PaymentsDemo
import RailyardAdapters
import Testing

/// A payin fleet (`instances`, `behaviour`) under a real `railyard serve`, up, with pay-ins flowing back to
/// back through the dc1 router (`loops` senders): where the analysis tests start. The caller removes
/// `folder` when done.
struct PayinFleetUnderTraffic {
    let folder: String
    let config: String
    let state: String
    let port: Int
    var server: ServerProcess
    let traffic: PaymentTraffic
    let sender: Task<Void, Never>

    static func start(_ name: String, waves: String, behaviour: String = "payin: {}\n", instances: String = "{ dc1: 2 }",
                      loops: Int = 2) async throws -> PayinFleetUnderTraffic {
        let folder = try RailyardBinary.temporaryFolder(name)
        let config = try RailyardBinary.writePayinFleet(in: folder, instances: instances, waves: waves, behaviour: behaviour)
        let state = folder + "/state", port = try FreePort.next()
        let server = try ServerProcess(config: config, stateDirectory: state, port: port, log: folder + "/serve.log")
        try await server.waitReady()
        let status = try await server.call("POST", "fleet/up")
        let router = try #require(routerURL(status, target: "dc1"))
        let traffic = PaymentTraffic(routers: [router])
        let sender = Task { await traffic.run(loops: loops, interval: .zero) }
        return PayinFleetUnderTraffic(folder: folder, config: config, state: state, port: port, server: server, traffic: traffic, sender: sender)
    }

    /// Starts a rollout of payin `version`; its id.
    func deploy(_ version: String) async throws -> String {
        let rollout = try await server.call("POST", "rollouts", body: #"{"service":"payin","version":"\#(version)"}"#)
        return try #require(rollout["id"] as? String)
    }

    /// SIGKILL of the server, checked gone, and a new one on the same state and port.
    mutating func killAndRestart() async throws {
        server.killHard()
        #expect(RailyardBinary.processes(mentioning: "serve --config \(config)").isEmpty)
        server = try ServerProcess(config: config, stateDirectory: state, port: port, log: folder + "/serve.log")
        try await server.waitReady()
    }

    func stopTraffic() async {
        sender.cancel()
        await sender.value
    }
}
