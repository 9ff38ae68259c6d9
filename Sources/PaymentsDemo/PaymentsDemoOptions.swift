/// What one demo process runs: one service, at one version, on one loopback port.
public struct PaymentsDemoOptions: Sendable {
    public var service: DemoService
    /// Free-form version label (`v2`, `2026.48`); reported by `/health` and `demo_build_info`.
    public var version: String
    /// Port to bind; 0 lets the system pick one (tests read it back through `onServerRunning`).
    public var port: Int
    /// Loopback by default: the demo fleet is never meant to be reachable from elsewhere.
    public var host: String = "127.0.0.1"
    public var behaviour: VersionBehaviour

    public init(
        service: DemoService,
        version: String,
        port: Int,
        host: String = "127.0.0.1",
        behaviour: VersionBehaviour = .healthy
    ) {
        self.service = service
        self.version = version
        self.port = port
        self.host = host
        self.behaviour = behaviour
    }
}
