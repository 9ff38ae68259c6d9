import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import RailyardAdapters
import RailyardCore
import RailyardEngine

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

    /// Builds an engine on the local store and driver.
    public static func makeEngine(config: RailyardConfig, paths: RailyardPaths, routerCommand: [String],
                                  clock: any WallClock = SystemClock()) async throws -> RailyardEngine {
        try paths.create()
        let store = try await StoreFactory.open(.sqlite(path: paths.storePath))
        let fleet = Fleet(config: config, store: store, driver: DriverFactory.make(.local), paths: paths,
                          routerCommand: routerCommand, clock: clock)
        return try RailyardEngine(config: config, store: store, fleet: fleet, scripts: ScriptRunnerFactory.make(), clock: clock, paths: paths)
    }

    public static func run(_ options: Options, onReady: @escaping @Sendable (String) -> Void) async throws {
        let config = try ConfigLoader.load(path: options.configPath)
        let paths = RailyardPaths(root: options.stateDirectory)
        let engine = try await makeEngine(config: config, paths: paths, routerCommand: options.routerCommand)
        try await engine.start()
        var logger = Logger(label: "railyard.server")
        logger.logLevel = .warning
        let router = Router()
        let shutdown = ShutdownSignal()
        APIRoutes.register(on: router, engine: engine, onDown: { shutdown.fire() })
        let app = Application(router: router, configuration: .init(address: .hostname(options.host, port: options.port), serverName: "railyard"),
                              onServerRunning: { channel in onReady("http://\(options.host):\(channel.localAddress?.port ?? options.port)") },
                              logger: logger)
        let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await serve(services, until: shutdown)
        } catch {
            await engine.shutdown()
            try? await engine.store.close()
            throw error
        }
        await engine.shutdown()
        try await engine.store.close()
    }

    static func serve(_ services: ServiceGroup, until shutdown: ShutdownSignal) async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { try await services.run(); return true }
            group.addTask {
                await shutdown.wait()
                // Let the answer to `fleet/down` reach its caller before the listener closes.
                try? await Task.sleep(for: .milliseconds(100))
                await services.triggerGracefulShutdown()
                return false
            }
            // Ends when the server has stopped, whether by signal or by `railyard down`.
            while let serverEnded = try await group.next(), !serverEnded {}
            group.cancelAll()
        }
    }
}

/// Lets `railyard down` end the server once the fleet is stopped.
final class ShutdownSignal: Sendable {
    let stream: AsyncStream<Void>
    let continuation: AsyncStream<Void>.Continuation
    init() { (stream, continuation) = AsyncStream<Void>.makeStream() }
    func fire() { continuation.yield(()) }
    func wait() async { for await _ in stream { return } }
}
