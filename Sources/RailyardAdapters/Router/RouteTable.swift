import Synchronization
import RailyardPorts

/// All services a router serves, shared by the traffic listener and the admin API.
///
/// Two locks with distinct jobs: `changes` serialises admin changes (and the state-file write
/// that precedes each of them, so the file never holds an older table than memory), while
/// `live` is only held for the few instructions of a pick or a swap, so a slow disk never
/// stalls traffic. Lock order is always `changes` then `live`.
final class RouteTable: Sendable {
    enum Pick: Sendable {
        case unknownService
        case noTraffic
        case upstream(Upstream)
    }

    private struct Live: Sendable {
        var services: [String: WeightedTable]
        var generation: Int
        /// Requests picked for each server and not yet answered; counted under the lock of the pick, so a
        /// snapshot taken after a swap sees every request that chose a server before it.
        var inFlight: [String: Int] = [:]
    }

    private let changes: Mutex<RouterState>
    private let live: Mutex<Live>
    private let persist: @Sendable (RouterState) throws -> Void

    /// - Parameter persist: called with the next state before it takes effect; throwing aborts the change.
    init(initial: RouterState, persist: @escaping @Sendable (RouterState) throws -> Void) {
        self.changes = Mutex(initial)
        self.live = Mutex(Live(
            services: initial.services.mapValues { WeightedTable(groups: $0, previous: nil) },
            generation: initial.generation
        ))
        self.persist = persist
    }

    /// Chooses the backend of one request; counts it against its group, and in flight to its server until
    /// `answered(_:)`.
    func pick(service: String) -> Pick {
        let pick: Pick = live.withLock { live in
            guard live.services[service] != nil else { return .unknownService }
            guard let upstream = live.services[service]!.choose() else { return .noTraffic }
            live.inFlight[upstream.server, default: 0] += 1
            return .upstream(upstream)
        }
        if case .upstream(let upstream) = pick {
            upstream.counters.countRequest()
        }
        return pick
    }

    /// The backend of a pick has answered (or failed): its request is no longer in flight.
    func answered(_ upstream: Upstream) {
        live.withLock { live in
            let left = (live.inFlight[upstream.server] ?? 1) - 1
            live.inFlight[upstream.server] = left > 0 ? left : nil
        }
    }

    /// Replaces a service's groups (already validated) in one swap.
    func apply(service: String, groups: [BackendGroup]) throws -> RouterSnapshot {
        try change { state in
            state.services[service] = groups
        } swap: { services in
            services[service] = WeightedTable(groups: groups, previous: services[service])
        }
    }

    /// Removes a service; removing an unknown service changes nothing and is not an error.
    func remove(service: String) throws -> RouterSnapshot {
        let known = changes.withLock { $0.services[service] != nil }
        guard known else { return snapshot() }
        return try change { state in
            state.services[service] = nil
        } swap: { services in
            services[service] = nil
        }
    }

    func snapshot() -> RouterSnapshot {
        live.withLock { live in
            RouterSnapshot(services: live.services.mapValues { $0.stats() }, generation: live.generation, inFlight: live.inFlight)
        }
    }

    private func change(
        _ edit: (inout RouterState) -> Void,
        swap: (inout [String: WeightedTable]) -> Void
    ) throws -> RouterSnapshot {
        try changes.withLock { state in
            var next = state
            edit(&next)
            next.generation += 1
            try persist(next)
            state = next
            live.withLock { live in
                swap(&live.services)
                live.generation = next.generation
            }
        }
        return snapshot()
    }
}
