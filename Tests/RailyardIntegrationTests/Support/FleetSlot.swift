import Foundation
import Testing

/// A suite that runs fleets under traffic and judges them within real-time deadlines takes one of a few
/// slots for as long as it runs. Swift Testing starts every suite at once; on a 2-core machine twenty
/// fleets under traffic at once left some analyses a tenth of their requests by their deadline (a p99
/// read off 1,074 requests instead of thousands), so those tests failed for want of CPU, not for what they
/// test. `RAILYARD_TEST_FLEETS` sets the number of slots (default: twice the cores, at least 4).
struct FleetSlot: SuiteTrait, TestScoping {
    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        await FleetSlots.shared.acquire()
        do {
            try await function()
        } catch {
            await FleetSlots.shared.release()
            throw error
        }
        await FleetSlots.shared.release()
    }
}

extension Trait where Self == FleetSlot {
    /// Runs the suite in one of the few fleet slots (`FleetSlot`).
    static var fleet: Self { FleetSlot() }
}

actor FleetSlots {
    static let shared = FleetSlots(slots: Int(ProcessInfo.processInfo.environment["RAILYARD_TEST_FLEETS"] ?? "")
                                   ?? max(4, 2 * ProcessInfo.processInfo.activeProcessorCount))

    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(slots: Int) { free = max(1, slots) }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Hands the slot straight to the longest waiting suite, if any.
    func release() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}
