/// What runs where: every target, each service's groups with their weights, and instance health.
public struct FleetStatus: Codable, Sendable {
    public struct Target: Codable, Sendable {
        public var name: String
        public var environment: String
        public var router: String?
        public var routerAlive: Bool
        public var services: [Service]
    }
    public struct Service: Codable, Sendable {
        public var name: String
        public var stableVersion: String?
        public var groups: [Group]
    }
    public struct Group: Codable, Sendable {
        public var name: String
        public var version: String
        public var weight: Int
        public var requests: Int
        public var errors: Int
        public var instances: [Instance]
    }
    public struct Instance: Codable, Sendable {
        public var address: String
        public var pid: Int32?
        public var alive: Bool
    }
    public var targets: [Target]
    public var activeRollouts: [String]
}
