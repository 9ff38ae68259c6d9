import Foundation
import RailyardCore
import Synchronization

/// Every change of a rollout, as it is stored, to whoever listens: a controller waiting for an
/// approval, `settle`, the API's event stream. A change is a wake-up hint; listeners that need the
/// truth re-read the store. Also holds the latest look of each running analysis, for the live view.
public final class RolloutFeed: Sendable {
    struct State {
        var listeners: [UUID: AsyncStream<RolloutRecord>.Continuation] = [:]
        var live: [String: LiveAnalysis] = [:]
    }
    let state = Mutex(State())

    public init() {}

    public func publish(_ record: RolloutRecord) {
        let listeners = state.withLock { Array($0.listeners.values) }
        for listener in listeners { listener.yield(record) }
    }

    /// Changes from now on, until the caller stops iterating (or is cancelled).
    public func changes() -> AsyncStream<RolloutRecord> {
        let (stream, continuation) = AsyncStream<RolloutRecord>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let id = UUID()
        state.withLock { $0.listeners[id] = continuation }
        continuation.onTermination = { [weak self] _ in _ = self?.state.withLock { $0.listeners.removeValue(forKey: id) } }
        return stream
    }

    public func setLive(_ analysis: LiveAnalysis?, for rolloutID: String) { state.withLock { $0.live[rolloutID] = analysis } }
    public func live(for rolloutID: String) -> LiveAnalysis? { state.withLock { $0.live[rolloutID] } }

    /// Ends every listener's stream: the server is stopping.
    public func finishAll() {
        let listeners = state.withLock { state in
            defer { state.listeners.removeAll() }
            return Array(state.listeners.values)
        }
        for listener in listeners { listener.finish() }
    }
}
