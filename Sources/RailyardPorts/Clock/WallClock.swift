import Foundation

/// The time source of every schedule: bake times, pauses, deadlines. Injected so tests run hours
/// of bake time in milliseconds. Wall time (not monotonic) because deadlines are stored and must
/// mean the same after a restart.
public protocol WallClock: Sendable {
    func now() -> Date
    /// Returns at `deadline` or later; throws `CancellationError` when the task is cancelled.
    func sleep(until deadline: Date) async throws
}
