import Foundation
import RailyardPorts
import Synchronization

/// Fake routers: each target's table in memory, as the built-in router would hold it.
final class FakeRouters: RouterProvider {
    let tables = Mutex<[String: [String: [BackendGroup]]]>([:])
    /// Every `apply`, in order, as "target service group:version:weight …", for ordering checks.
    let applied = Mutex<[String]>([])

    func launchSpec(target: String, port: Int, adminPort: Int, stateFile: String, logPath: String) -> LaunchSpec {
        LaunchSpec(arguments: ["router", target, "--port", "\(port)", "--admin-port", "\(adminPort)"], logPath: logPath)
    }

    func connect(_ record: RouterRecord) -> any TrafficRouter { Router(target: record.target, owner: self) }

    func groups(_ target: String, _ service: String) -> [BackendGroup] { tables.withLock { $0[target]?[service] ?? [] } }

    struct Router: TrafficRouter {
        let target: String
        let owner: FakeRouters

        func apply(service: String, groups: [BackendGroup]) async throws {
            owner.tables.withLock { $0[target, default: [:]][service] = groups }
            owner.applied.withLock { $0.append("\(target) \(service) " + groups.map { "\($0.name):\($0.version):\($0.weight)" }.joined(separator: " ")) }
        }

        func snapshot() async throws -> RouterSnapshot {
            let services = owner.tables.withLock { $0[target] ?? [:] }
            return RouterSnapshot(services: services.mapValues { groups in
                groups.map { GroupStats(name: $0.name, version: $0.version, weight: $0.weight, servers: $0.servers, requests: 0, errors: 0) }
            }, generation: 0)
        }

        func isAlive() async -> Bool { true }
    }
}
