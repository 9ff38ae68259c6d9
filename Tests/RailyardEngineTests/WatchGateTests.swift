import Synchronization
import Testing

@testable import RailyardEngine

@Suite("Watch gate: a late watch's look and a promote's check, one at a time per rollout")
struct WatchGateTests {
    final class Log: Sendable {
        let lines = Mutex<[String]>([])
        func add(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    /// Holds `rollout`'s gate until `release` yields; returns once it holds it.
    static func hold(_ gate: WatchGate, _ rollout: String, log: Log, until release: AsyncStream<Void>) async -> Task<Void, any Error> {
        let task = Task {
            try await gate.through(rollout) {
                log.add("look in")
                for await _ in release { break }
                log.add("look out")
            }
        }
        for _ in 0..<100_000 where !log.all.contains("look in") { await Task.yield() }
        return task
    }

    /// Yields until someone waits for `rollout`'s gate (bounded: a gate that lets everyone in fails here, not hangs).
    static func someoneWaits(_ gate: WatchGate, _ rollout: String) async -> Bool {
        for _ in 0..<100_000 { if await gate.waiting(for: rollout) > 0 { return true }; await Task.yield() }
        return false
    }

    @Test("the second holder of a rollout's gate waits for the first; another rollout's does not; a throw still lets the next in")
    func oneAtATime() async throws {
        let gate = WatchGate(), log = Log()
        let (release, releaser) = AsyncStream<Void>.makeStream()
        let first = await Self.hold(gate, "r-1", log: log, until: release)
        let second = Task { try await gate.through("r-1") { log.add("promote checks") } }
        #expect(await Self.someoneWaits(gate, "r-1"), "the promote waits: \(log.all)")
        // Another rollout's look runs while r-1's is held.
        try await gate.through("r-2") { log.add("r-2 look") }
        #expect(log.all == ["look in", "r-2 look"], "r-1's promote waits: \(log.all)")
        releaser.yield()
        try await first.value
        try await second.value
        #expect(log.all == ["look in", "r-2 look", "look out", "promote checks"])

        struct Failed: Error {}
        await #expect(throws: Failed.self) { try await gate.through("r-1") { throw Failed() } }
        try await gate.through("r-1") { log.add("after a throw") }
        let waiting = await gate.waiting(for: "r-1")
        #expect(log.all.last == "after a throw" && waiting == 0)
    }

    @Test("a holder cancelled while it waits (an abort) leaves without running, and the next still gets in")
    func cancelledWhileWaiting() async throws {
        let gate = WatchGate(), log = Log()
        let (release, releaser) = AsyncStream<Void>.makeStream()
        let first = await Self.hold(gate, "r-1", log: log, until: release)
        let aborted = Task { try await gate.through("r-1") { log.add("promote started") } }
        #expect(await Self.someoneWaits(gate, "r-1"))
        aborted.cancel()
        releaser.yield()
        try await first.value
        await #expect(throws: CancellationError.self) { try await aborted.value }
        try await gate.through("r-1") { log.add("next look") }
        #expect(log.all == ["look in", "look out", "next look"], "\(log.all)")
    }
}
