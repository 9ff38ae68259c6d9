import Foundation
import RailyardCore
import RailyardPorts

/// The fleet as a whole: bring it up, take it down, say what runs where.
public struct FleetOperations: Sendable {
    let config: RailyardConfig
    let store: any RailyardStore
    let fleet: Fleet
    let driver: any InstanceDriver
    let requests: RolloutRequests
    let nightly: NightlyController
    let metrics: any MetricSource
    let extractor: CountersExtractor

    /// Brings every service up at its stable version (or `version` from railyard.yml) in every target, with its router.
    public func up(actor: String) async throws {
        let stable = try await store.stableVersions()
        for target in config.targets {
            let services = config.services.filter { $0.instanceCount(in: target.name) > 0 }
            guard !services.isEmpty else { continue }
            try await fleet.ensureRouter(target: target.name, actor: actor)
            for service in services {
                let version = stable[service.name]?[target.name] ?? service.initialVersion
                if stable[service.name]?[target.name] == nil {
                    try await store.setStableVersion(service: service.name, target: target.name, version: version)
                }
                if try await store.activeRollouts().contains(where: { $0.service == service.name }) { continue }
                try await fleet.ensureInstances(service: service, version: version, target: target.name, rolloutID: nil, actor: actor)
                try await fleet.route(service: service.name, target: target.name, stable: version, canary: nil, canaryWeight: 0)
            }
        }
    }

    /// Ends running nightly runs broken, rolls back what is in flight, then stops every process Railyard started: each one the store
    /// knows of, whatever its recorded state, and any other that carries this Railyard's mark.
    public func down(actor: String) async throws {
        try await nightly.stopAll(reason: "railyard down stopped the fleet during the run")
        for record in try await store.activeRollouts() where record.phase != .rollingBack && record.phase != .finishing {
            _ = try? await requests.abort(id: record.id, actor: actor, reason: "railyard down stops the fleet")
        }
        for record in try await store.activeRollouts() { _ = try? await requests.settle(id: record.id) }
        // A record that says failed or stopped may still name a live process: that one is stopped too.
        for instance in try await store.instances(includeStopped: true) where [.starting, .running].contains(instance.state) || fleet.isAlive(instance) {
            try await fleet.stop(instance, actor: actor, why: "railyard down")
        }
        for router in try await store.routers() where router.running || fleet.isAlive(router) {
            try await fleet.stopRouter(router, actor: actor, why: "railyard down")
        }
        for found in fleet.ownedProcesses() {
            await driver.stop(found.process, grace: fleet.stopGrace)
            try await fleet.audit(actor: actor, kind: "process.stopped", subject: found.label,
                                  message: "stopped pid \(found.process.pid) (\(found.label)), which no record accounted for", reason: "railyard down")
        }
    }

    /// What `service`'s stable version has served in `target` since its instances started, read through the
    /// metric source as an analysis reads its baseline (probes left out).
    /// `histograms`: the service's own histograms to read too (`GroupCounters.histograms`), by name.
    public func stableCounters(service name: String, target: String, histograms: [String] = [], counters names: [String] = []) async throws
        -> (version: String, instances: Int, counters: GroupCounters) {
        guard let service = config.services.first(where: { $0.name == name }) else {
            throw Refusal(.notFound, "no service '\(name)' in railyard.yml (services: \(config.services.map(\.name).joined(separator: ", ")))")
        }
        guard config.targets.contains(where: { $0.name == target }) else {
            throw Refusal(.notFound, "no target '\(target)' in railyard.yml (targets: \(config.targets.map(\.name).joined(separator: ", ")))")
        }
        guard let version = try await store.stableVersions()[name]?[target] else {
            throw Refusal(.conflict, "\(name) has no stable version in \(target) yet: bring the fleet up first")
        }
        let instances = try await fleet.liveInstances(service: name, version: version, target: target).map(\.address)
        guard !instances.isEmpty else { throw Refusal(.conflict, "no live instance of \(name) \(version) in \(target) to read") }
        let counters = try await metrics.read(instances: instances, metricsPath: service.metricsPath,
                                              extractor: extractor.ignoringProbes(of: service).reading(histograms: histograms).reading(counters: names))
        return (version, instances.count, counters)
    }

    public func status() async throws -> FleetStatus {
        let stable = try await store.stableVersions()
        let instances = try await store.instances(includeStopped: false)
        var targets: [FleetStatus.Target] = []
        for target in config.targets {
            let routerRecord = try await fleet.routerRecord(for: target.name)
            let alive = routerRecord.map(fleet.isAlive) ?? false
            var snapshot: RouterSnapshot?
            if alive { snapshot = try? await fleet.router(for: target.name).snapshot() }
            var services: [FleetStatus.Service] = []
            for service in config.services where service.instanceCount(in: target.name) > 0 || snapshot?.services[service.name] != nil {
                let groups = (snapshot?.services[service.name] ?? []).map { group in
                    FleetStatus.Group(name: group.name, version: group.version, weight: group.weight, requests: group.requests, errors: group.errors,
                                      instances: instances.filter { $0.service == service.name && $0.target == target.name && $0.version == group.version }
                                          .map { FleetStatus.Instance(address: $0.address, pid: $0.pid, alive: fleet.isAlive($0)) })
                }
                services.append(FleetStatus.Service(name: service.name, stableVersion: stable[service.name]?[target.name], groups: groups))
            }
            targets.append(FleetStatus.Target(name: target.name, environment: target.environment, router: routerRecord?.trafficURL,
                                              routerAlive: alive, services: services))
        }
        return FleetStatus(targets: targets, activeRollouts: try await store.activeRollouts().map(\.id),
                           unaccounted: try await unaccounted(instances: instances))
    }

    /// Live processes carrying this Railyard's mark that no live record names: leaks, shown by `status`.
    func unaccounted(instances: [InstanceRecord]) async throws -> [FleetStatus.Unaccounted] {
        var known = Set(instances.compactMap { $0.pid })
        for router in try await store.routers() where router.running { if let pid = router.pid { known.insert(pid) } }
        return fleet.ownedProcesses()
            .filter { !known.contains($0.process.pid) && !$0.label.hasPrefix("script:") }
            .map { FleetStatus.Unaccounted(pid: $0.process.pid, label: $0.label) }
            .sorted { $0.pid < $1.pid }
    }
}
