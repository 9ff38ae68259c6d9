/// How routers of one kind are started and reached. The composition root picks the provider from
/// `router:` in railyard.yml; the engine only asks it for a launch and a connection.
public protocol RouterProvider: Sendable {
    /// The router process to start for `target`, listening for traffic on `port` and for its admin
    /// API on `adminPort`, keeping its table in `stateFile` across its own restarts.
    func launchSpec(target: String, port: Int, adminPort: Int, stateFile: String, logPath: String) -> LaunchSpec
    /// The admin client of a running router.
    func connect(_ record: RouterRecord) -> any TrafficRouter
}
