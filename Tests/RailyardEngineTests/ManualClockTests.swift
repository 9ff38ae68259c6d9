import Foundation
import RailyardPorts
import Testing

@Suite struct ManualClockTests {
    @Test func sleepersWakeOnlyWhenTimeReachesTheirDeadline() async throws {
        let clock = ManualClock()
        let start = clock.now()
        let woke = Task { try await clock.sleep(until: start.addingTimeInterval(3600)); return clock.now() }
        while clock.sleeperCount == 0 { await Task.yield() }
        clock.advance(by: 3599)
        #expect(clock.sleeperCount == 1, "not yet due")
        clock.advance(by: 1)
        #expect(try await woke.value == start.addingTimeInterval(3600))
        #expect(clock.sleeperCount == 0)
    }

    @Test func aPastDeadlineReturnsAtOnceAndCancellationThrows() async throws {
        let clock = ManualClock()
        try await clock.sleep(until: clock.now().addingTimeInterval(-1))
        let waiting = Task { try await clock.sleep(until: clock.now().addingTimeInterval(60)) }
        while clock.sleeperCount == 0 { await Task.yield() }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(clock.sleeperCount == 0)
    }
}
