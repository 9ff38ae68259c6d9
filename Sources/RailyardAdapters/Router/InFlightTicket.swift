import Synchronization

/// One request counted in flight to its server (`RouteTable.pick`) until the backend's answer has been relayed
/// whole or has failed: then the backend may be stopped without cutting a payment short. Released once, however
/// many paths try. An answer whose body streams on after `respond` returns is handed to the stream, which releases
/// it at its end; a stream that never runs (the client gone) releases it when it is dropped.
final class InFlightTicket: Sendable {
    private let table: RouteTable
    private let upstream: Upstream
    private let released = Atomic<Bool>(false)
    private let streaming = Atomic<Bool>(false)

    init(table: RouteTable, upstream: Upstream) {
        self.table = table
        self.upstream = upstream
    }

    func release() {
        if !released.exchange(true, ordering: .relaxed) { table.answered(upstream) }
    }

    /// The body streams on after `respond` returns: the stream releases the ticket.
    func handToStream() { streaming.store(true, ordering: .relaxed) }

    /// At the end of `respond`: releases the ticket unless a stream holds it.
    func releaseUnlessStreaming() {
        if !streaming.load(ordering: .relaxed) { release() }
    }

    deinit { release() }
}
