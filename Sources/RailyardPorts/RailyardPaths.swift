import Foundation

/// Where Railyard keeps its state on this machine: the store, logs, and router state files.
public struct RailyardPaths: Sendable {
    public var root: String
    public init(root: String) { self.root = URL(fileURLWithPath: root).standardizedFileURL.path }

    public var storePath: String { root + "/railyard.sqlite" }
    public var logs: String { root + "/logs" }
    public var routers: String { root + "/routers" }
    public var serverFile: String { root + "/server.json" }
    /// The local admin token a loopback `railyard serve` writes (mode 0600) for the CLI on this machine.
    public var adminToken: String { root + "/admin.token" }
    /// The key of the tokens' keyed digests (mode 0600).
    public var tokenKey: String { root + "/token.key" }

    public func instanceLog(_ id: String) -> String { logs + "/\(id).log" }
    public func routerLog(_ target: String) -> String { logs + "/router-\(target).log" }
    public func routerState(_ target: String) -> String { routers + "/\(target).json" }
    public func scriptLog(_ rolloutID: String) -> String { logs + "/scripts-\(rolloutID).log" }
}
