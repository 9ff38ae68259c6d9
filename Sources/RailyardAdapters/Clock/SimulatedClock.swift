import Foundation
import RailyardPorts
import Synchronization

/// The wall clock plus an offset that only grows: `railyard serve --simulated-clock`, for demos and
/// rehearsals where a train's days must pass in seconds while processes and traffic stay real.
/// Sleepers look again every 100 ms, so an advance wakes them at once.
public final class SimulatedClock: WallClock {
    let offset = Mutex<TimeInterval>(0)

    public init() {}

    public func now() -> Date { Date().addingTimeInterval(offset.withLock { $0 }) }

    /// Moves time forward; never back.
    public func advance(by seconds: TimeInterval) {
        offset.withLock { $0 += max(0, seconds) }
    }

    public func sleep(until deadline: Date) async throws {
        while true {
            let left = deadline.timeIntervalSince(now())
            if left <= 0 { break }
            try await Task.sleep(for: .milliseconds(Int(min(left, 0.1) * 1000) + 1))
        }
        try Task.checkCancellation()
    }
}
