import ServiceLifecycle

/// A built-in router started in this process, with the ports it actually bound.
public final class RunningRouter: Sendable {
    public let name: String
    public let host: String
    public let port: Int
    public let adminPort: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    init(name: String, host: String, port: Int, adminPort: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.name = name
        self.host = host
        self.port = port
        self.adminPort = adminPort
        self.group = group
        self.task = task
    }

    /// Where traffic goes: `\(trafficURL)/{service}/...`.
    public var trafficURL: String { "http://\(host):\(port)" }
    /// Where `BuiltInRouter` talks to it.
    public var adminURL: String { "http://127.0.0.1:\(adminPort)" }

    /// Stops accepting connections, lets requests in flight finish, then returns.
    public func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }

    /// Waits until the router stops (signal or `stop()`); stops it if the waiting task is cancelled.
    public func wait() async throws {
        try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            let group = self.group
            Task { await group.triggerGracefulShutdown() }
        }
    }
}
