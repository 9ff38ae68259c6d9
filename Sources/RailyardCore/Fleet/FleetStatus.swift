/// What runs where: every target, each service's groups with their weights, and instance health.
public struct FleetStatus: Codable, Sendable {
    public struct Target: Codable, Sendable {
        public var name: String
        public var environment: String
        public var router: String?
        public var routerAlive: Bool
        public var services: [Service]
        public init(name: String, environment: String, router: String?, routerAlive: Bool, services: [Service]) {
            self.name = name
            self.environment = environment
            self.router = router
            self.routerAlive = routerAlive
            self.services = services
        }
    }
    public struct Service: Codable, Sendable {
        public var name: String
        public var stableVersion: String?
        public var groups: [Group]
        public init(name: String, stableVersion: String?, groups: [Group]) {
            self.name = name
            self.stableVersion = stableVersion
            self.groups = groups
        }
    }
    public struct Group: Codable, Sendable {
        public var name: String
        public var version: String
        public var weight: Int
        public var requests: Int
        public var errors: Int
        public var instances: [Instance]
        public init(name: String, version: String, weight: Int, requests: Int, errors: Int, instances: [Instance]) {
            self.name = name
            self.version = version
            self.weight = weight
            self.requests = requests
            self.errors = errors
            self.instances = instances
        }
    }
    public struct Instance: Codable, Sendable {
        public var address: String
        public var pid: Int32?
        public var alive: Bool
        public init(address: String, pid: Int32?, alive: Bool) {
            self.address = address
            self.pid = pid
            self.alive = alive
        }
    }
    /// A live process Railyard started that no record accounts for (a leak): it should not exist.
    public struct Unaccounted: Codable, Sendable, Equatable {
        public var pid: Int32
        /// What it was started as: an instance id, `router:TARGET` or `script:NAME`.
        public var label: String
        public init(pid: Int32, label: String) {
            self.pid = pid
            self.label = label
        }
    }
    public var targets: [Target]
    public var activeRollouts: [String]
    public var unaccounted: [Unaccounted]

    public init(targets: [Target], activeRollouts: [String], unaccounted: [Unaccounted] = []) {
        self.targets = targets
        self.activeRollouts = activeRollouts
        self.unaccounted = unaccounted
    }

    enum CodingKeys: String, CodingKey { case targets, activeRollouts, unaccounted }

    /// A server older than `unaccounted` sends none: read as empty.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(targets: try c.decode([Target].self, forKey: .targets), activeRollouts: try c.decode([String].self, forKey: .activeRollouts),
                  unaccounted: try c.decodeIfPresent([Unaccounted].self, forKey: .unaccounted) ?? [])
    }
}
