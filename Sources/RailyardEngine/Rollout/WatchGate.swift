/// One rollout at a time through its late watch's look and its promote's check: a look that reads a held
/// alarm is saved before the promote reads the watch, or the promote has started and the look sees it and
/// ends the watch. Without it a look in flight while the pause ends could save its hold just after a promote
/// that did not see it. A person's approval and the watch's rollback go through it too: each reads what the
/// other stored, so neither overwrites the other.
actor WatchGate {
    private var busy: Set<String> = []
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    /// Runs `body` while no other holder of `rollout`'s gate runs; first come, first served.
    /// A holder cancelled while it waited (an abort, a shutdown) leaves at once without running `body`.
    nonisolated func through<T>(_ rollout: String, _ body: () async throws -> T) async throws -> T {
        await enter(rollout)
        do {
            try Task.checkCancellation()
            let value = try await body()
            await leave(rollout)
            return value
        } catch {
            await leave(rollout)
            throw error
        }
    }

    /// How many wait for `rollout`'s gate (for tests).
    func waiting(for rollout: String) -> Int { waiting[rollout]?.count ?? 0 }

    private func enter(_ rollout: String) async {
        if busy.insert(rollout).inserted { return }
        // Handed over by `leave`, still busy: the next in line owns it.
        await withCheckedContinuation { waiting[rollout, default: []].append($0) }
    }

    private func leave(_ rollout: String) {
        guard var queue = waiting[rollout], !queue.isEmpty else {
            busy.remove(rollout)
            return
        }
        let next = queue.removeFirst()
        waiting[rollout] = queue.isEmpty ? nil : queue
        next.resume()
    }
}
