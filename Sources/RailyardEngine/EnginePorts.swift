import RailyardCore
import RailyardPorts

/// Every port the engine works through, chosen by the composition root (`railyard serve`, a test).
/// The engine never builds an adapter itself.
public struct EnginePorts: Sendable {
    public var store: any RailyardStore
    public var driver: any InstanceDriver
    public var routers: any RouterProvider
    public var scripts: any ScriptRunner
    public var scriptFiles: any ScriptFiles
    public var probe: any HTTPProbe
    public var metrics: any MetricSource
    public var notifiers: [any Notifier]
    public var clock: any WallClock
    public var paths: RailyardPaths
    /// Digests of API tokens, as the store keeps them.
    public var tokenHasher: any TokenHasher
    /// Builds, artifact hashes and non-regression suites.
    public var nightly: any NightlyRunner
    /// Where Railyard's own metrics go.
    public var telemetry: EngineMetrics

    public init(store: any RailyardStore, driver: any InstanceDriver, routers: any RouterProvider, scripts: any ScriptRunner,
                scriptFiles: any ScriptFiles, probe: any HTTPProbe, metrics: any MetricSource, notifiers: [any Notifier],
                clock: any WallClock, paths: RailyardPaths, tokenHasher: any TokenHasher, nightly: any NightlyRunner,
                telemetry: EngineMetrics = EngineMetrics()) {
        self.nightly = nightly
        self.tokenHasher = tokenHasher
        self.telemetry = telemetry
        self.store = store
        self.driver = driver
        self.routers = routers
        self.scripts = scripts
        self.scriptFiles = scriptFiles
        self.probe = probe
        self.metrics = metrics
        self.notifiers = notifiers
        self.clock = clock
        self.paths = paths
    }
}
