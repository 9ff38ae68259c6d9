
/// One group of backends of one service behind a router: "stable", "canary" (later "baseline").
public struct BackendGroup: Codable, Sendable, Equatable {
    public var name: String        // "stable" | "canary" | "baseline"
    public var version: String
    public var weight: Int         // 0...100; weights of one service sum to 100 (or all 0 = no traffic)
    public var servers: [String]   // "127.0.0.1:PORT"
    public init(name: String, version: String, weight: Int, servers: [String]) {
        self.name = name
        self.version = version
        self.weight = weight
        self.servers = servers
    }
}

/// What a router reports about one group: its routing entry plus the traffic it has seen.
public struct GroupStats: Codable, Sendable, Equatable {
    public var name: String
    public var version: String
    public var weight: Int
    public var servers: [String]
    public var requests: Int
    /// 5xx answered by a backend plus proxy failures (connect refused, timeout).
    public var errors: Int

    public init(name: String, version: String, weight: Int, servers: [String], requests: Int, errors: Int) {
        self.name = name
        self.version = version
        self.weight = weight
        self.servers = servers
        self.requests = requests
        self.errors = errors
    }
}

/// Everything a router routes, keyed by service name.
public struct RouterSnapshot: Codable, Sendable, Equatable {
    public var services: [String: [GroupStats]]
    /// Bumps on every applied change, so a caller can tell whether its change has landed.
    public var generation: Int

    public init(services: [String: [GroupStats]], generation: Int) {
        self.services = services
        self.generation = generation
    }
}

/// The traffic port: one router process per target. HAProxy can plug in later behind the same protocol.
public protocol TrafficRouter: Sendable {
    /// Replaces a service's groups atomically: requests already in flight finish on the backend they chose.
    func apply(service: String, groups: [BackendGroup]) async throws
    func snapshot() async throws -> RouterSnapshot
    func isAlive() async -> Bool
}
