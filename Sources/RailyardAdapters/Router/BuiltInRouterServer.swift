import AsyncHTTPClient
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// The built-in router: an HTTP reverse proxy (traffic listener) plus a loopback JSON admin API,
/// run as its own process by Railyard (`railyard router ...`) or in-process by tests.
public enum BuiltInRouterServer {
    /// Upper bound for one proxied exchange, body included.
    static let upstreamTimeout: TimeAmount = .seconds(30)
    /// How long a graceful stop waits for requests in flight before cancelling them.
    static let shutdownGrace: Duration = .seconds(10)

    /// Runs the router until SIGTERM or SIGINT (or until the calling task is cancelled).
    public static func run(_ options: BuiltInRouterOptions, logger: Logger? = nil) async throws {
        let router = try await start(options, logger: logger, shutdownSignals: [.sigterm, .sigint])
        try await router.wait()
    }

    /// Starts the router in this process and returns once both listeners are bound; ports 0
    /// pick free ports, read back from the result. Call `stop()` on the result when done.
    public static func start(_ options: BuiltInRouterOptions, logger: Logger? = nil) async throws -> RunningRouter {
        try await start(options, logger: logger, shutdownSignals: [])
    }

    private enum Listener: Sendable {
        case traffic(Int)
        case admin(Int)
    }

    static func start(
        _ options: BuiltInRouterOptions, logger: Logger?, shutdownSignals: [UnixSignal]
    ) async throws -> RunningRouter {
        let logger = logger ?? Logger(label: "railyard.router.\(options.name)")
        let stateFile = options.stateFile.map(RouterStateFile.init(path:))
        let table = RouteTable(initial: try stateFile?.load() ?? .empty) { state in
            try stateFile?.save(state)
        }
        let client = HTTPClient(eventLoopGroup: .singletonMultiThreadedEventLoopGroup, configuration: upstreamConfiguration())
        let (listeners, announce) = AsyncStream.makeStream(of: Listener.self)

        let traffic = Application(
            responder: ProxyResponder(routerName: options.name, table: table, client: client, timeout: upstreamTimeout),
            configuration: .init(address: .hostname(options.host, port: options.port)),
            onServerRunning: { announce.yield(.traffic($0.localAddress?.port ?? options.port)) },
            logger: logger
        )
        let admin = Application(
            router: RouterAdminAPI.router(name: options.name, table: table),
            configuration: .init(address: .hostname("127.0.0.1", port: options.adminPort)),
            onServerRunning: { announce.yield(.admin($0.localAddress?.port ?? options.adminPort)) },
            logger: logger
        )
        var configuration = ServiceGroupConfiguration(
            services: [traffic, admin], gracefulShutdownSignals: shutdownSignals, logger: logger)
        configuration.maximumGracefulShutdownDuration = shutdownGrace
        let group = ServiceGroup(configuration: configuration)

        let task = Task {
            defer { announce.finish() }
            do {
                try await group.run()
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }

        var trafficPort: Int?
        var adminPort: Int?
        for await listener in listeners {
            switch listener {
            case .traffic(let port): trafficPort = port
            case .admin(let port): adminPort = port
            }
            if trafficPort != nil && adminPort != nil { break }
        }
        guard let trafficPort, let adminPort else {
            // The group ended (a port taken, say) or we were cancelled: stop it and report why.
            await group.triggerGracefulShutdown()
            try await task.value
            throw RouterError.notStarted(router: options.name, reason: "stopped before its listeners were up")
        }
        return RunningRouter(
            name: options.name, host: options.host, port: trafficPort, adminPort: adminPort, group: group, task: task)
    }

    /// One pooled client for all upstreams. Redirects are relayed, not followed; a backend that
    /// refuses connections fails the request at once (502) instead of being retried for seconds.
    private static func upstreamConfiguration() -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5)),
            connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 512),
            decompression: .disabled
        )
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.httpVersion = .http1Only
        return configuration
    }
}
