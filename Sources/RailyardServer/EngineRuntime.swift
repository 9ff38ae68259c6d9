import Logging
import RailyardEngine
import ServiceLifecycle

/// The engine's services running in this process without the HTTP API: for the benchmark and the
/// tests, which drive the engine directly. `railyard serve` runs the same services in its own group.
public final class EngineRuntime: Sendable {
    public let engine: RailyardEngine
    let group: ServiceGroup
    let task: Task<Void, any Error>

    /// Reconciles, then starts the controllers.
    /// - Parameter services: which of the engine's services to run (all by default); a test that ticks
    ///   the alert evaluator itself runs only the rollout controller.
    public static func start(_ engine: RailyardEngine, services: [any Service]? = nil) async throws -> EngineRuntime {
        try await engine.prepare()
        var logger = Logger(label: "railyard.engine")
        logger.logLevel = .warning
        let group = ServiceGroup(configuration: .init(services: services ?? engine.services, logger: logger))
        return EngineRuntime(engine: engine, group: group, task: Task { try await group.run() })
    }

    init(engine: RailyardEngine, group: ServiceGroup, task: Task<Void, any Error>) {
        self.engine = engine
        self.group = group
        self.task = task
    }

    /// Graceful shutdown: rollouts stop where they are (their stored state is where a restart resumes).
    public func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
        engine.feed.finishAll()
    }
}
