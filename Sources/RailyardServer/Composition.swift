import AsyncHTTPClient
import Foundation
import RailyardAdapters
import RailyardCore
import RailyardEngine
import RailyardPorts

/// The composition root: the one place adapters are chosen, from railyard.yml and the state folder.
public enum Composition {
    /// The ports of a local Railyard: SQLite in the state folder, local processes, the router kind of
    /// railyard.yml, scripts run by /bin/sh, the configured metric source and notifiers, token digests
    /// keyed by the state folder's `token.key`.
    /// - Parameter routerCommand: how to run a built-in router process (`railyard router`).
    public static func ports(config: RailyardConfig, paths: RailyardPaths, routerCommand: [String], clock: any WallClock = SystemClock(),
                             telemetry: EngineMetrics = EngineMetrics(), httpClient: HTTPClient = .shared) async throws -> EnginePorts {
        try paths.create()
        let metrics: any MetricSource = switch config.metrics.source {
        case .scrape: try MetricSourceFactory.make(.scrape, httpClient: .failFast)
        case .prometheus(let url): try MetricSourceFactory.make(.prometheus(url: url), httpClient: .failFast)
        }
        let notifiers = config.alerts.notifiers.map { destination -> any Notifier in
            switch destination {
            case .webhook(let url): NotifierFactory.make(kind: .webhook(url: url), httpClient: httpClient)
            case .alertmanager(let url): NotifierFactory.make(kind: .alertmanager(url: url), httpClient: httpClient)
            }
        }
        let tokenHasher = try HMACTokenHasher.loadOrCreate(keyFile: paths.tokenKey)
        let store = try await StoreFactory.open(.sqlite(path: paths.storePath))
        return EnginePorts(store: store, driver: DriverFactory.make(.local),
                           routers: RouterFactory.provider(kind: config.router, routerCommand: routerCommand, httpClient: httpClient),
                           scripts: ScriptRunnerFactory.make(), scriptFiles: LocalScriptFiles(), probe: AsyncHTTPProbe(httpClient: httpClient),
                           metrics: metrics, notifiers: notifiers, clock: clock, paths: paths, tokenHasher: tokenHasher,
                           nightly: LocalNightlyRunner(baseDirectory: config.baseDirectory, logFolder: paths.logs + "/nightly"), telemetry: telemetry)
    }

    /// An engine on the local ports.
    public static func engine(config: RailyardConfig, paths: RailyardPaths, routerCommand: [String],
                              clock: any WallClock = SystemClock(), telemetry: EngineMetrics = EngineMetrics()) async throws -> RailyardEngine {
        RailyardEngine(config: config, ports: try await ports(config: config, paths: paths, routerCommand: routerCommand, clock: clock,
                                                              telemetry: telemetry))
    }
}
