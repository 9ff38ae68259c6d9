import Foundation
import RailyardAPI
import RailyardCore
import RailyardSimulation

/// Today's traffic as `analysis plan`, `validate --traffic` and `deploy` measure it: the routers' counters
/// read twice, `window` apart, and just before and just after those the stable version's own counters of each
/// service in each target, with the counters and histograms the analysis steps there read (`AnalysisPlanner.namesRead`).
struct TrafficReadings {
    var first, second: FleetStatus
    /// Seconds between the two readings of the routers, and between the two of the stable versions.
    var routerSeconds, stableSeconds: Double
    var stable: [Key: Stable]

    struct Key: Hashable { var service, target: String }
    struct Stable { var before, after: GroupCounters?; var unread: String? }

    static func measure(_ client: RailyardClient, window: Double, services: [String], targets: [String], deployment: DeploymentSpec) async throws -> TrafficReadings {
        let clock = ContinuousClock()
        func readStable() async -> [Key: Result<GroupCounters, any Error>] {
            var out: [Key: Result<GroupCounters, any Error>] = [:]
            for target in targets {
                let names = AnalysisPlanner.namesRead(deployment, target: target)
                for service in services {
                    do {
                        out[Key(service: service, target: target)] = .success(try await client.serviceCounters(service: service, target: target,
                                                                                                                 histograms: names.histograms, counters: names.counters).counters)
                    } catch { out[Key(service: service, target: target)] = .failure(error) }
                }
            }
            return out
        }
        let stableStart = clock.now
        let before = await readStable()
        let routerStart = clock.now
        let first = try await client.status()
        try await Task.sleep(for: .milliseconds(Int(window * 1000)))
        let second = try await client.status()
        let routerSeconds = Self.seconds(clock.now - routerStart)
        let after = await readStable()
        let stableSeconds = Self.seconds(clock.now - stableStart)
        var stable: [Key: Stable] = [:]
        for key in Set(before.keys).union(after.keys) {
            let b = try? before[key]?.get(), a = try? after[key]?.get()
            // Both ends or neither: a window read at one end only would count the counters' whole history.
            var unread: String?
            if case .failure(let e) = after[key] { unread = "at the end of the window: \(e)" }
            if case .failure(let e) = before[key] { unread = "at the start of the window: \(e)" }
            stable[key] = unread == nil ? Stable(before: b, after: a, unread: nil) : Stable(before: nil, after: nil, unread: unread)
        }
        return TrafficReadings(first: first, second: second, routerSeconds: max(window, routerSeconds), stableSeconds: max(window, stableSeconds), stable: stable)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Requests and errors the service's groups served through `target`'s router between the two readings.
    func routerDelta(service: String, target: String) -> (requests: Double, errors: Double) {
        func totals(_ status: FleetStatus) -> (Int, Int) {
            let groups = status.targets.first { $0.name == target }?.services.first { $0.name == service }?.groups ?? []
            return (groups.reduce(0) { $0 + $1.requests }, groups.reduce(0) { $0 + $1.errors })
        }
        let (r0, e0) = totals(first), (r1, e1) = totals(second)
        // A router restarted between the readings counts from zero again.
        return r1 >= r0 ? (Double(r1 - r0), Double(max(0, e1 - e0))) : (Double(r1), Double(e1))
    }

    /// What the planner simulates each metric of `service` in `target` from.
    func traffic(service: String, target: String) -> MeasuredTraffic {
        let (requests, errors) = routerDelta(service: service, target: target)
        let read = stable[Key(service: service, target: target)]
        return MeasuredTraffic(requestsPerSecond: requests / routerSeconds, errorRate: requests > 0 ? errors / requests : 0, window: stableSeconds,
                               stableBefore: read?.before, stableAfter: read?.after, stableUnread: read?.unread ?? (read == nil ? "not asked for" : nil))
    }
}
