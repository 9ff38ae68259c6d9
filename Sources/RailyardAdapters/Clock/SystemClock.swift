import Foundation
import RailyardCore
import RailyardPorts

/// The real wall clock.
public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        if seconds > 0 { try await Task.sleep(for: .milliseconds(Int(seconds * 1000) + 1)) }
        try Task.checkCancellation()
    }
}
