import Foundation
import RailyardCore
import Synchronization

/// A clock that moves only when told: tests run hours of bake time in milliseconds.
public final class ManualClock: WallClock {
    struct Sleeper { let deadline: Date; let continuation: CheckedContinuation<Void, any Error> }
    struct State { var now: Date; var sleepers: [UUID: Sleeper] = [:] }
    let state: Mutex<State>

    public init(start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { state = Mutex(State(now: start)) }

    public func now() -> Date { state.withLock { $0.now } }

    /// How many tasks are waiting on this clock: lets a test advance time only once a pause has begun.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    public func advance(by interval: TimeInterval) {
        let due: [Sleeper] = state.withLock { state in
            state.now += interval
            let ready = state.sleepers.filter { $0.value.deadline <= state.now }
            for key in ready.keys { state.sleepers[key] = nil }
            return Array(ready.values)
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    public func sleep(until deadline: Date) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Bool = state.withLock { state in
                    if deadline <= state.now || Task.isCancelled { return true }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }
}
