
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
    /// Requests sent to each server (`host:port`) and not yet answered. A server taken out of the table is
    /// stopped only once its count is zero: a process signalled while a request to it is still on the wire
    /// resets the connection, and that payment fails.
    public var inFlight: [String: Int]

    public init(services: [String: [GroupStats]], generation: Int, inFlight: [String: Int] = [:]) {
        self.services = services
        self.generation = generation
        self.inFlight = inFlight
    }

    enum CodingKeys: String, CodingKey { case services, generation, inFlight = "in_flight" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        services = try container.decode([String: [GroupStats]].self, forKey: .services)
        generation = try container.decode(Int.self, forKey: .generation)
        // A router started before in-flight counts existed reports none: nothing to wait for.
        inFlight = try container.decodeIfPresent([String: Int].self, forKey: .inFlight) ?? [:]
    }

    /// Whether `server` still takes new requests: it is in a group with weight.
    public func routes(to server: String) -> Bool {
        services.values.joined().contains { $0.weight > 0 && $0.servers.contains(server) }
    }
}

/// The traffic port: one router process per target. HAProxy can plug in later behind the same protocol.
public protocol TrafficRouter: Sendable {
    /// Replaces a service's groups atomically: requests already in flight finish on the backend they chose
    /// (`RouterSnapshot.inFlight` counts them until they are answered).
    func apply(service: String, groups: [BackendGroup]) async throws
    func snapshot() async throws -> RouterSnapshot
    func isAlive() async -> Bool
}
