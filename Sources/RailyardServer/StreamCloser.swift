import RailyardEngine
import ServiceLifecycle

/// Ends every open change stream (`rollout watch`, the SSE endpoint) when graceful shutdown begins.
/// Listed last in the server's group, so it is told first: the HTTP server, told next, then has no
/// endless response left to wait for.
struct StreamCloser: Service {
    let feed: RolloutFeed

    func run() async throws {
        try? await gracefulShutdown()
        feed.finishAll()
    }
}
