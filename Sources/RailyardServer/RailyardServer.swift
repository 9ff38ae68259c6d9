import Foundation
import Hummingbird
import HummingbirdTLS
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
        /// Create the first admin token on an empty store and hand it to `onAdminToken`.
        public var initAdmin = false
        /// A file (mode 0600) holding an admin token to register at start.
        public var adminTokenFile: String?
        public var tlsCertificate: String?
        public var tlsKey: String?
        /// Allow plain HTTP on an address other than loopback.
        public var insecureHTTP = false
        /// Run on a clock an admin can move forward (`POST /api/v1/clock/advance`): demos and rehearsals only.
        public var simulatedClock = false

        public init(configPath: String, stateDirectory: String, host: String = "127.0.0.1", port: Int, routerCommand: [String]) {
            self.configPath = configPath
            self.stateDirectory = stateDirectory
            self.host = host
            self.port = port
            self.routerCommand = routerCommand
        }

        /// Only this machine can connect: the local admin token is written for the CLI.
        public var isLoopback: Bool { ["localhost", "::1"].contains(host) || host.hasPrefix("127.") }
    }

    /// Why the server will not start, in words for the operator.
    public struct StartRefusal: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reconciles, then runs the controllers and the HTTP API as one ServiceGroup until SIGTERM, SIGINT
    /// or `POST /fleet/down`. The listener opens only once the store agrees with what really runs.
    /// - Parameter onAdminToken: receives the token `initAdmin` created, to show once.
    public static func run(_ options: Options, onAdminToken: @escaping @Sendable (String) -> Void = { _ in },
                           onReady: @escaping @Sendable (String) -> Void) async throws {
        let tls = try tlsConfiguration(options)
        if !options.isLoopback, tls == nil, !options.insecureHTTP {
            throw StartRefusal(description: "listening on \(options.host) over plain HTTP would send tokens in the clear: "
                               + "give --tls-cert and --tls-key, or --insecure-http if a proxy in front terminates TLS")
        }
        let config = try ConfigFile.load(path: options.configPath)
        let metrics = ServerMetrics()
        let paths = RailyardPaths(root: options.stateDirectory)
        let clock: any WallClock = options.simulatedClock ? SimulatedClock() : SystemClock()
        let engine = try await Composition.engine(config: config, paths: paths, routerCommand: options.routerCommand, clock: clock,
                                                  telemetry: metrics.engineMetrics)
        do {
            try await engine.prepare()
            try await prepareTokens(options, engine: engine, paths: paths, onAdminToken: onAdminToken)
            var logger = Logger(label: "railyard.server")
            logger.logLevel = .warning
            let router = Router(context: APIRequestContext.self)
            let group = GroupHandle()
            APIRoutes.register(on: router, engine: engine, metrics: metrics, onDown: { await group.shutDown() })
            let scheme = tls == nil ? "http" : "https"
            let configuration = ApplicationConfiguration(address: .hostname(options.host, port: options.port), serverName: "railyard")
            let app = Application(router: router, server: try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1(),
                                  configuration: configuration,
                                  onServerRunning: { channel in onReady("\(scheme)://\(options.host):\(channel.localAddress?.port ?? options.port)") },
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

    /// The first tokens: `--init-admin`, `--admin-token-file`, and on loopback the local admin token in
    /// the state folder, so the CLI on this machine needs no token typed by hand.
    static func prepareTokens(_ options: Options, engine: RailyardEngine, paths: RailyardPaths,
                              onAdminToken: @Sendable (String) -> Void) async throws {
        do {
            if options.initAdmin {
                onAdminToken(try await engine.access.initAdmin(name: "admin").token)
            }
            if let file = options.adminTokenFile {
                _ = try await engine.access.register(adminToken: try SecretFile.read(file), name: "admin")
            }
            if options.isLoopback {
                let current = try? SecretFile.read(paths.adminToken)
                if let token = try await engine.access.ensureLocalAdmin(current: current) {
                    try SecretFile.write(token, to: paths.adminToken)
                }
            }
        } catch let refusal as Refusal {
            throw StartRefusal(description: refusal.reason)
        } catch let error as SecretFileError {
            throw StartRefusal(description: error.description)
        }
    }

    static func tlsConfiguration(_ options: Options) throws -> TLSConfiguration? {
        switch (options.tlsCertificate, options.tlsKey) {
        case (nil, nil):
            return nil
        case (let certificate?, let key?):
            do {
                return TLSConfiguration.makeServerConfiguration(certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
                                                                privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
            } catch {
                throw StartRefusal(description: "cannot read the TLS certificate \(certificate) or key \(key): \(error)")
            }
        default:
            throw StartRefusal(description: "TLS needs both --tls-cert and --tls-key")
        }
    }
}

/// Lets `railyard down` end the server's ServiceGroup once the fleet is stopped. The answer to the
/// request still reaches its caller: graceful shutdown lets requests in flight finish.
final class GroupHandle: Sendable {
    let group = Mutex<ServiceGroup?>(nil)
    func set(_ services: ServiceGroup) { group.withLock { $0 = services } }
    func shutDown() async { await group.withLock { $0 }?.triggerGracefulShutdown() }
}
