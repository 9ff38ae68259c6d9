import Foundation
import Hummingbird
import Logging
import RailyardAdapters
import RailyardCore
import RailyardEngine
import RailyardPorts
import ServiceLifecycle
import Synchronization

/// `railyard serve`: the control plane. It can die at any time; the instances and routers it
/// started keep serving, and the next start reconciles and resumes.
public enum RailyardServer {
    public struct Options: Sendable {
        public var configPath: String
        public var stateDirectory: String
        public var host: String
        public var port: Int
        public var routerCommand: [String]
        public init(configPath: String, stateDirectory: String, host: String = "127.0.0.1", port: Int, routerCommand: [String]) {
            self.configPath = configPath
            self.stateDirectory = stateDirectory
            self.host = host
            self.port = port
            self.routerCommand = routerCommand
        }
    }

    /// Reconciles, then runs the controllers and the HTTP API as one ServiceGroup until SIGTERM, SIGINT
    /// or `POST /fleet/down`. The listener opens only once the store agrees with what really runs.
    public static func run(_ options: Options, onReady: @escaping @Sendable (String) -> Void) async throws {
        let config = try ConfigFile.load(path: options.configPath)
        let metrics = ServerMetrics()
        let engine = try await Composition.engine(config: config, paths: RailyardPaths(root: options.stateDirectory),
                                                  routerCommand: options.routerCommand, telemetry: metrics.engineMetrics)
        do {
            try await engine.controller.prepare()
            var logger = Logger(label: "railyard.server")
            logger.logLevel = .warning
            let router = Router()
            let group = GroupHandle()
            APIRoutes.register(on: router, engine: engine, metrics: metrics, onDown: { await group.shutDown() })
            let app = Application(router: router, configuration: .init(address: .hostname(options.host, port: options.port), serverName: "railyard"),
                                  onServerRunning: { channel in onReady("http://\(options.host):\(channel.localAddress?.port ?? options.port)") },
                                  logger: logger)
            // Started in this order, stopped in reverse: open change streams end first, then the API stops
            // taking requests, then the controllers stop.
            let services = ServiceGroup(configuration: .init(services: engine.services + [app, StreamCloser(feed: engine.feed)],
                                                             gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            group.set(services)
            try await services.run()
        } catch {
            engine.feed.finishAll()
            try? await engine.store.close()
            throw error
        }
        engine.feed.finishAll()
        try await engine.store.close()
    }
}

/// Lets `railyard down` end the server's ServiceGroup once the fleet is stopped. The answer to the
/// request still reaches its caller: graceful shutdown lets requests in flight finish.
final class GroupHandle: Sendable {
    let group = Mutex<ServiceGroup?>(nil)
    func set(_ services: ServiceGroup) { group.withLock { $0 = services } }
    func shutDown() async { await group.withLock { $0 }?.triggerGracefulShutdown() }
}
