import Hummingbird
import Logging

/// Runs one service of the demo payment fleet at one version: the thing Railyard builds, deploys and watches.
public enum PaymentsDemoServer {
    /// Serves until the process receives SIGTERM or SIGINT, then drains in-flight requests and returns.
    public static func run(_ options: PaymentsDemoOptions) async throws {
        try await makeApplication(options).runService()
    }

    /// The application, unstarted. Tests bind port 0, run it in a task and learn the port from `onServerRunning`.
    public static func makeApplication(
        _ options: PaymentsDemoOptions,
        onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let metrics = MetricsRegistry(service: options.service, version: options.version)
        let faults = FaultInjector(behaviour: options.behaviour, service: options.service, version: options.version)

        let router = Router()
        // Added first so it wraps every route, including the 404s of unknown paths.
        router.add(middleware: MetricsMiddleware(registry: metrics))
        OpsRoutes.register(on: router, options: options, metrics: metrics)
        switch options.service {
        case .core: CoreRoutes.register(on: router, faults: faults)
        case .wallet: WalletRoutes.register(on: router, faults: faults)
        case .payin: PayinRoutes.register(on: router, faults: faults, metrics: metrics)
        case .payout: PayoutRoutes.register(on: router, faults: faults)
        case .fx: FXRoutes.register(on: router, faults: faults)
        }

        return Application(
            router: router,
            configuration: .init(
                address: .hostname(options.host, port: options.port),
                serverName: "payments-demo-\(options.service.rawValue)/\(options.version)"
            ),
            onServerRunning: { channel in
                await onServerRunning(channel.localAddress?.port ?? options.port)
            },
            logger: logger(for: options)
        )
    }

    /// Quiet by default (warnings only) so a fleet of demo processes does not flood the terminal;
    /// `LOG_LEVEL=info` brings back Hummingbird's startup and request logs.
    private static func logger(for options: PaymentsDemoOptions) -> Logger {
        var logger = Logger(label: "payments-demo.\(options.service.rawValue)")
        logger.logLevel = Environment().get("LOG_LEVEL").flatMap(Logger.Level.init(rawValue:)) ?? .warning
        logger[metadataKey: "version"] = .string(options.version)
        return logger
    }
}
