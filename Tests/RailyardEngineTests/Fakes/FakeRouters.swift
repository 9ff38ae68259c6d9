import Foundation
import RailyardPorts
import Synchronization

/// Fake routers: each target's table in memory, as the built-in router would hold it.
final class FakeRouters: RouterProvider {
    let tables = Mutex<[String: [String: [BackendGroup]]]>([:])
    /// Every `apply`, in order, as "target service group:version:weight …", for ordering checks.
    let applied = Mutex<[String]>([])
    /// Requests in flight per server, as a router would report them; each snapshot answers one of each server's
    /// (a request ends between two looks). `stuck` servers never get their answers.
    let inFlight = Mutex<[String: Int]>([:])
    let stuck = Mutex<Set<String>>([])
    /// How many snapshots were read.
    let looks = Mutex(0)
    /// Snapshots fail as an unreachable router's would.
    let unreachable = Mutex(false)

    struct Unreachable: Error, CustomStringConvertible { var description: String { "connection refused (fake)" } }

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
            owner.looks.withLock { $0 += 1 }
            if owner.unreachable.withLock({ $0 }) { throw Unreachable() }
            let stuck = owner.stuck.withLock { $0 }
            let inFlight = owner.inFlight.withLock { counts in
                defer { for (server, count) in counts where count > 0 && !stuck.contains(server) { counts[server] = count - 1 } }
                return counts
            }
            return RouterSnapshot(services: services.mapValues { groups in
                groups.map { GroupStats(name: $0.name, version: $0.version, weight: $0.weight, servers: $0.servers, requests: 0, errors: 0) }
            }, generation: 0, inFlight: inFlight)
        }

        func isAlive() async -> Bool { true }
    }
}
