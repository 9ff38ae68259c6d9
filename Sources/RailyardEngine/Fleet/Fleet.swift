import AsyncHTTPClient
import Foundation
import RailyardAdapters
import RailyardCore

/// The data plane as Railyard knows it: routers and instances per target. Every process is
/// recorded in the store before it is started and after it is stopped, and none is restarted
/// silently. The processes themselves outlive Railyard.
public actor Fleet {
    public let config: RailyardConfig
    let store: any RailyardStore
    let driver: any InstanceDriver
    let paths: RailyardPaths
    /// The command that runs a router process (`railyard router`), before its own options.
    let routerCommand: [String]
    let clock: any WallClock
    let httpClient: HTTPClient
    let stopGrace: Duration

    public init(config: RailyardConfig, store: any RailyardStore, driver: any InstanceDriver, paths: RailyardPaths,
                routerCommand: [String], clock: any WallClock, httpClient: HTTPClient = .shared, stopGrace: Duration = .seconds(5)) {
        self.config = config
        self.store = store
        self.driver = driver
        self.paths = paths
        self.routerCommand = routerCommand
        self.clock = clock
        self.httpClient = httpClient
        self.stopGrace = stopGrace
    }

    // MARK: Routers

    public func router(for target: String) async throws -> any TrafficRouter {
        guard let record = try await store.routers().first(where: { $0.target == target }) else {
            throw FleetError("no router for \(target): run `railyard up` first")
        }
        return RouterFactory.make(kind: .builtin, adminURL: record.adminURL, httpClient: httpClient)
    }

    public func routerRecord(for target: String) async throws -> RouterRecord? {
        try await store.routers().first { $0.target == target }
    }

    /// Starts the target's router unless a live one is recorded. A router found dead is said so in the log.
    @discardableResult
    public func ensureRouter(target: String, actor: String) async throws -> RouterRecord {
        if let existing = try await routerRecord(for: target), existing.running {
            let process = LaunchedProcess(pid: existing.pid ?? -1, startTime: existing.pidStart)
            if driver.isAlive(process) { return existing }
            try await audit(actor: actor, kind: "router.found_dead", subject: target,
                            message: "router of \(target) (pid \(existing.pid ?? -1)) was not running; starting a new one from its state file")
        }
        let port = try FreePort.next(), adminPort = try FreePort.next()
        var record = RouterRecord(target: target, port: port, adminPort: adminPort, logPath: paths.routerLog(target),
                                  stateFile: paths.routerState(target), running: false)
        try await store.save(record)
        let process = try await driver.launch(LaunchSpec(
            arguments: routerCommand + ["--name", target, "--port", String(port), "--admin-port", String(adminPort),
                                        "--state-file", record.stateFile],
            logPath: record.logPath))
        record.pid = process.pid
        record.pidStart = process.startTime
        record.running = true
        try await store.save(record)
        try await driver.waitHealthy(process, url: record.adminURL + "/health", timeout: .seconds(15), logPath: record.logPath)
        try await audit(actor: actor, kind: "router.started", subject: target,
                        message: "router of \(target) listening on \(record.trafficURL) (admin \(record.adminURL), pid \(process.pid))")
        return record
    }

    // MARK: Instances

    public func liveInstances(service: String? = nil, version: String? = nil, target: String? = nil,
                              role: InstanceRecord.Role? = .serving) async throws -> [InstanceRecord] {
        try await store.instances(includeStopped: false).filter {
            (service == nil || $0.service == service) && (version == nil || $0.version == version) && (target == nil || $0.target == target)
                && (role == nil || $0.role == role)
        }
    }

    /// Brings the running count of `version` in `target` up to the configured count, waiting for health.
    /// Idempotent: instances already recorded and alive count.
    @discardableResult
    public func ensureInstances(service spec: ServiceSpec, version: String, target: String, rolloutID: String?, actor: String,
                                role: InstanceRecord.Role = .serving) async throws -> [InstanceRecord] {
        let wanted = spec.instanceCount(in: target)
        var running: [InstanceRecord] = []
        for instance in try await liveInstances(service: spec.name, version: version, target: target, role: role) {
            if instance.state == .running, let pid = instance.pid, driver.isAlive(LaunchedProcess(pid: pid, startTime: instance.pidStart)) {
                running.append(instance)
            } else {
                try await markGone(instance, actor: actor, why: "found not running while deploying")
            }
        }
        while running.count < wanted {
            running.append(try await startInstance(service: spec, version: version, target: target, rolloutID: rolloutID, actor: actor, role: role))
        }
        return running
    }

    func startInstance(service spec: ServiceSpec, version: String, target: String, rolloutID: String?, actor: String,
                       role: InstanceRecord.Role) async throws -> InstanceRecord {
        let port = try FreePort.next()
        let id = "\(spec.name)-\(version)-\(target)-\(port)" + (role == .baseline ? "-baseline" : "")
        var instance = InstanceRecord(id: id, service: spec.name, version: version, target: target, port: port,
                                      logPath: paths.instanceLog(id), state: .starting, rolloutID: rolloutID, startedAt: clock.now(), role: role)
        try await store.save(instance)
        let process: LaunchedProcess
        do {
            process = try await driver.launch(LaunchSpec(arguments: spec.command.render(version: version, port: port),
                                                         environment: ["RAILYARD_TARGET": target, "RAILYARD_SERVICE": spec.name],
                                                         logPath: instance.logPath))
        } catch {
            instance.state = .failed
            try await store.save(instance)
            throw error
        }
        instance.pid = process.pid
        instance.pidStart = process.startTime
        try await store.save(instance)
        do {
            try await driver.waitHealthy(process, url: "http://\(instance.address)\(spec.healthPath)", timeout: spec.startTimeout,
                                         logPath: instance.logPath)
        } catch {
            await driver.stop(process, grace: stopGrace)
            instance.state = .failed
            try await store.save(instance)
            try await audit(actor: actor, kind: "instance.failed", subject: spec.name,
                            message: "\(spec.name) \(version) in \(target) did not become healthy", reason: "\(error)")
            throw error
        }
        instance.state = .running
        try await store.save(instance)
        try await audit(actor: actor, kind: "instance.started", subject: spec.name,
                        message: "\(spec.name) \(version)\(role == .baseline ? " (baseline)" : "") in \(target) healthy on \(instance.address) (pid \(process.pid))")
        return instance
    }

    /// Stops every live instance of a version in a target.
    public func stopInstances(service: String, version: String, target: String, actor: String, why: String,
                              role: InstanceRecord.Role? = .serving) async throws {
        for instance in try await liveInstances(service: service, version: version, target: target, role: role) {
            try await stop(instance, actor: actor, why: why)
        }
    }

    public func stop(_ instance: InstanceRecord, actor: String, why: String) async throws {
        if let pid = instance.pid { await driver.stop(LaunchedProcess(pid: pid, startTime: instance.pidStart), grace: stopGrace) }
        var stopped = instance
        stopped.state = .stopped
        try await store.save(stopped)
        try await audit(actor: actor, kind: "instance.stopped", subject: instance.service,
                        message: "stopped \(instance.service) \(instance.version) in \(instance.target) (\(instance.address))", reason: why)
    }

    func markGone(_ instance: InstanceRecord, actor: String, why: String) async throws {
        var failed = instance
        failed.state = .failed
        try await store.save(failed)
        try await audit(actor: actor, kind: "instance.lost", subject: instance.service,
                        message: "\(instance.service) \(instance.version) in \(instance.target) (pid \(instance.pid ?? -1)) is gone", reason: why)
    }

    public nonisolated func isAlive(_ instance: InstanceRecord) -> Bool {
        guard let pid = instance.pid else { return false }
        return driver.isAlive(LaunchedProcess(pid: pid, startTime: instance.pidStart))
    }

    public nonisolated func isAlive(_ router: RouterRecord) -> Bool {
        guard let pid = router.pid else { return false }
        return driver.isAlive(LaunchedProcess(pid: pid, startTime: router.pidStart))
    }

    // MARK: Traffic

    /// Points a service's traffic in a target at `stable` and, when given, `canary` with its weight.
    /// While baseline instances run beside the canary they get the canary's weight too (as Kayenta
    /// recommends), so both face the same traffic at the same age.
    public func route(service: String, target: String, stable: String, canary: String?, canaryWeight: Int) async throws {
        let stableServers = try await liveInstances(service: service, version: stable, target: target).filter { $0.state == .running }.map(\.address)
        var groups = [BackendGroup(name: "stable", version: stable, weight: canary == nil ? 100 : 100 - canaryWeight, servers: stableServers)]
        if let canary {
            let canaryServers = try await liveInstances(service: service, version: canary, target: target).filter { $0.state == .running }.map(\.address)
            groups.append(BackendGroup(name: "canary", version: canary, weight: canaryWeight, servers: canaryServers))
            let baselineServers = try await liveInstances(service: service, version: stable, target: target, role: .baseline)
                .filter { $0.state == .running }.map(\.address)
            if !baselineServers.isEmpty, !stableServers.isEmpty {
                let baselineWeight = min(canaryWeight, 100 - canaryWeight)
                groups[0].weight -= baselineWeight
                groups.append(BackendGroup(name: "baseline", version: stable, weight: baselineWeight, servers: baselineServers))
            }
        }
        // A group without servers cannot take traffic: give its share to the other.
        if groups[0].servers.isEmpty, groups.count == 2 { groups[0].weight = 0; groups[1].weight = 100 }
        if groups.count >= 2, groups[1].servers.isEmpty { groups[0].weight += groups[1].weight; groups[1].weight = 0 }
        try await router(for: target).apply(service: service, groups: groups.filter { !$0.servers.isEmpty || $0.weight == 0 })
    }

    /// The canary weight a router really applies to a service, or nil when it has no canary group.
    public func actualCanaryWeight(service: String, target: String) async throws -> Int? {
        let snapshot = try await router(for: target).snapshot()
        return snapshot.services[service]?.first { $0.name == "canary" }?.weight
    }

    // MARK: Helpers

    func audit(actor: String, kind: String, subject: String, message: String, reason: String? = nil) async throws {
        try await store.append(AuditEvent(at: clock.now(), actor: actor, kind: kind, subject: subject, message: message, reason: reason))
    }
}

public struct FleetError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
