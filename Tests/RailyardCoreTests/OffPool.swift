import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// CPU-bound simulation on a thread of its own, off Swift's cooperative pool (two threads on a 2-core CI
/// machine), at the lowest scheduling priority: the tests on real processes running beside them (the
/// fleets, `railyard serve`, the traffic) take the cores whenever they need them, and the simulations fill
/// the rest (one simulation at a time at normal priority had kept a whole core from them). At most one
/// simulation per core at once.
/// No `#expect` inside: results come back and are checked in the test's task.
enum OffPool {
    private static let slots = DispatchSemaphore(value: max(1, ProcessInfo.processInfo.activeProcessorCount))

    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                lowestPriorityForThisThread()
                slots.wait()
                let result = body()
                slots.signal()
                continuation.resume(returning: result)
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Linux keeps a nice value per thread (`setpriority` with 0 names the calling thread), so only this
    /// simulation's thread is lowered.
    private static func lowestPriorityForThisThread() {
        #if canImport(Glibc)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
        #endif
    }
}
