/// How to run one built-in router process (`railyard router --name dc1 --port P --admin-port A --state-file F`).
public struct BuiltInRouterOptions: Sendable {
    /// Address of the traffic listener. The admin listener always binds loopback.
    public var host: String
    /// Traffic port; 0 lets the system choose (see `RunningRouter.port`).
    public var port: Int
    /// Admin API port; 0 lets the system choose (see `RunningRouter.adminPort`).
    public var adminPort: Int
    /// Router name, e.g. the environment "dc1": shows in error answers and `/health`.
    public var name: String
    /// Where the routing table is kept across restarts; nil keeps it in memory only.
    public var stateFile: String?

    public init(host: String = "127.0.0.1", port: Int, adminPort: Int, name: String, stateFile: String? = nil) {
        self.host = host
        self.port = port
        self.adminPort = adminPort
        self.name = name
        self.stateFile = stateFile
    }
}
