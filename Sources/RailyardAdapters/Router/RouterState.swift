import RailyardPorts
/// The routing table without counters: what the admin API changes and the state file keeps.
struct RouterState: Codable, Sendable, Equatable {
    var generation: Int
    var services: [String: [BackendGroup]]

    static let empty = RouterState(generation: 0, services: [:])
}
