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

    @Test("the second holder of a rollout's gate waits for the first; another rollout's does not; a throw still lets the next in")
    func oneAtATime() async throws {
        let gate = WatchGate(), log = Log()
        let (release, releaser) = AsyncStream<Void>.makeStream()
        let first = Task {
            try await gate.through("r-1") {
                log.add("look in")
                for await _ in release { break }
                log.add("look out")
            }
        }
        while log.all.isEmpty { await Task.yield() }
        let second = Task { try await gate.through("r-1") { log.add("promote checks") } }
        while await gate.waiting(for: "r-1") == 0 { await Task.yield() }
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
}
