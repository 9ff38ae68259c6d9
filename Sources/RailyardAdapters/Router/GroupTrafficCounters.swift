import Synchronization

/// Traffic counters of one backend group.
///
/// A reference type on purpose: a table swap hands the same counters to the new table when the
/// group keeps its name and version, so a weight change does not reset what the analysis reads.
/// Atomics keep the request path free of locks.
final class GroupTrafficCounters: Sendable {
    private let requestCount = Atomic<Int>(0)
    private let errorCount = Atomic<Int>(0)

    var requests: Int { requestCount.load(ordering: .relaxed) }
    var errors: Int { errorCount.load(ordering: .relaxed) }

    func countRequest() {
        requestCount.wrappingAdd(1, ordering: .relaxed)
    }

    func countError() {
        errorCount.wrappingAdd(1, ordering: .relaxed)
    }
}
