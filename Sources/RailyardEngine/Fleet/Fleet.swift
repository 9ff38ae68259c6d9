import Foundation
import RailyardCore
import RailyardPorts

/// The data plane as Railyard knows it: routers and instances per target. Every process is
/// recorded in the store before it is started and after it is stopped, and none is restarted
/// silently. The processes themselves outlive Railyard; each carries its owner's mark (the state
/// folder) and its record's id, so a restart finds it even when its pid was never stored.
public struct Fleet: Sendable {
    public let config: RailyardConfig
    let store: any RailyardStore
    let driver: any InstanceDriver
    let routers: any RouterProvider
    let paths: RailyardPaths
    let clock: any WallClock
    let stopGrace: Duration
    /// How long a stop waits for the router to have the answers of the requests already sent to the instance
    /// (`drain`). The router gives an upstream exchange 30 s once it has chosen the server, so the count is zero by then.
    let drainTimeout: Duration
    let telemetry: EngineMetrics
    /// Hashes a recorded artifact before its version starts anywhere.
    let artifacts: any NightlyRunner

    public init(config: RailyardConfig, store: any RailyardStore, driver: any InstanceDriver, routers: any RouterProvider, artifacts: any NightlyRunner,
                paths: RailyardPaths, clock: any WallClock, stopGrace: Duration = .seconds(5), drainTimeout: Duration = .seconds(30),
                telemetry: EngineMetrics = EngineMetrics()) {
        self.drainTimeout = drainTimeout
        self.telemetry = telemetry
        self.artifacts = artifacts
        self.config = config
        self.store = store
        self.driver = driver
        self.routers = routers
        self.paths = paths
        self.clock = clock
        self.stopGrace = stopGrace
    }

    /// The mark every process this Railyard starts carries.
    var owner: String { paths.root }
    static func routerLabel(_ target: String) -> String { "router:\(target)" }

    // MARK: Routers

    public func router(for target: String) async throws -> any TrafficRouter {
        guard let record = try await routerRecord(for: target) else {
            throw FleetError("no router for \(target): run `railyard up` first")
        }
        return routers.connect(record)
    }

    public func routerRecord(for target: String) async throws -> RouterRecord? {
        try await store.routers().first { $0.target == target }
    }

    /// How many ports a start tries: a port is chosen free, but another process may take it before the
    /// new one binds it (it then exits saying "Address already in use"), and the same start on another
    /// port succeeds. Each attempt is in the audit log.
    static let portAttempts = 3

    /// Runs `start` until it does not fail for a port taken under it, at most `portAttempts` times.
    /// `subject`: the audit log's (the service, or the router's target); `what`: the process, in words.
    func onAFreePort<T>(subject: String, what: String, actor: String, _ start: () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await start()
            } catch let error as InstanceStartError where error.portTaken && attempt < Self.portAttempts {
                attempt += 1
                try await audit(actor: actor, kind: "port.taken", subject: subject,
                                message: "another process took the port before \(what) bound it; trying another port (attempt \(attempt) of \(Self.portAttempts))",
                                reason: error.message)
            }
        }
    }

    /// Starts the target's router unless a live one is recorded. A router found dead is said so in the log.
    @discardableResult
    public func ensureRouter(target: String, actor: String) async throws -> RouterRecord {
        if let existing = try await routerRecord(for: target), existing.running {
            if isAlive(existing) { return existing }
            try await audit(actor: actor, kind: "router.found_dead", subject: target,
                            message: "router of \(target) (pid \(existing.pid ?? -1)) was not running; starting a new one from its state file")
        }
        return try await onAFreePort(subject: target, what: "the router of \(target)", actor: actor) { try await startRouter(target: target, actor: actor) }
    }

    private func startRouter(target: String, actor: String) async throws -> RouterRecord {
        let port = try driver.allocatePort(), adminPort = try driver.allocatePort()
        var record = RouterRecord(target: target, port: port, adminPort: adminPort, logPath: paths.routerLog(target),
                                  stateFile: paths.routerState(target), running: false)
        try await store.save(record)
        var spec = routers.launchSpec(target: target, port: port, adminPort: adminPort, stateFile: record.stateFile, logPath: record.logPath)
        spec.owner = owner
        spec.label = Self.routerLabel(target)
        let process = try await driver.launch(spec)
        record.pid = process.pid
        record.pidStart = process.startTime
        record.running = true
        try await store.save(record)
        do {
            try await driver.waitHealthy(process, url: record.adminURL + "/health", timeout: .seconds(15), logPath: record.logPath)
        } catch {
            await driver.stop(process, grace: stopGrace)
            record.running = false
            try await store.save(record)
            throw error
        }
        try await audit(actor: actor, kind: "router.started", subject: target,
                        message: "router of \(target) listening on \(record.trafficURL) (admin \(record.adminURL), pid \(process.pid))")
        return record
    }

    public func stopRouter(_ router: RouterRecord, actor: String, why: String) async throws {
        if let pid = router.pid { await driver.stop(LaunchedProcess(pid: pid, startTime: router.pidStart), grace: stopGrace) }
        var stopped = router
        stopped.running = false
        try await store.save(stopped)
        try await audit(actor: actor, kind: "router.stopped", subject: router.target, message: "stopped the router of \(router.target)", reason: why)
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
            if instance.state == .running, isAlive(instance) {
                running.append(instance)
            } else {
                try await markGone(instance, actor: actor, why: "found not running while deploying")
            }
        }
        var environment: [String: String] = [:]
        if running.count < wanted, let artifact = try await checkedArtifact(service: spec.name, version: version, target: target, actor: actor) {
            environment["RAILYARD_ARTIFACT"] = artifact.path
        }
        while running.count < wanted {
            running.append(try await startInstance(service: spec, version: version, target: target, rolloutID: rolloutID, actor: actor, role: role,
                                                  environment: environment))
        }
        return running
    }

    /// The version's recorded artifact, after checking its hash: build once, deploy everywhere. A version
    /// whose artifact changed (or vanished) since it was built and tested is refused, with the reason,
    /// and nothing starts. A version Railyard never built has no record and starts as configured.
    func checkedArtifact(service: String, version: String, target: String, actor: String) async throws -> ArtifactRecord? {
        guard let artifact = try await store.artifact(service: service, version: version) else { return nil }
        let current = try? artifacts.sha256(of: artifact.path)
        if let refusal = artifact.refusal(currentHash: current) {
            try await audit(actor: actor, kind: "artifact.refused", subject: service, message: "refused to start \(service) \(version) in \(target)",
                            reason: refusal)
            throw FleetError(refusal)
        }
        return artifact
    }

    func startInstance(service spec: ServiceSpec, version: String, target: String, rolloutID: String?, actor: String,
                       role: InstanceRecord.Role, environment: [String: String] = [:]) async throws -> InstanceRecord {
        try await onAFreePort(subject: spec.name, what: "\(spec.name) \(version) in \(target)", actor: actor) {
            try await startInstanceOnce(service: spec, version: version, target: target, rolloutID: rolloutID, actor: actor, role: role,
                                        environment: environment)
        }
    }

    private func startInstanceOnce(service spec: ServiceSpec, version: String, target: String, rolloutID: String?, actor: String,
                                   role: InstanceRecord.Role, environment: [String: String]) async throws -> InstanceRecord {
        let port = try driver.allocatePort()
        let id = "\(spec.name)-\(version)-\(target)-\(port)" + (role == .baseline ? "-baseline" : "")
        var instance = InstanceRecord(id: id, service: spec.name, version: version, target: target, port: port,
                                      logPath: paths.instanceLog(id), state: .starting, rolloutID: rolloutID, startedAt: clock.now(), role: role)
        // Recorded before it starts: a crash from here on leaves a record the restart checks.
        try await store.save(instance)
        let process: LaunchedProcess
        do {
            process = try await driver.launch(LaunchSpec(arguments: spec.command.render(version: version, port: port),
                                                         environment: environment.merging(["RAILYARD_TARGET": target, "RAILYARD_SERVICE": spec.name]) { $1 },
                                                         logPath: instance.logPath, owner: owner, label: id))
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
        try await stop(try await liveInstances(service: service, version: version, target: target, role: role), actor: actor, why: why)
    }

    public func stop(_ instance: InstanceRecord, actor: String, why: String) async throws {
        try await stop([instance], actor: actor, why: why)
    }

    /// Stops instances together: all are drained at once, then each is signalled and recorded stopped with what its
    /// drain said, so a request stuck to one holds the others for one `drainTimeout`, not one each.
    public func stop(_ instances: [InstanceRecord], actor: String, why: String) async throws {
        let drained = await withTaskGroup(of: (String, String?).self) { group in
            for instance in instances { group.addTask { (instance.id, await self.drain(instance)) } }
            var said: [String: String] = [:]
            for await (id, text) in group { said[id] = text }
            return said
        }
        for instance in instances {
            if let pid = instance.pid { await driver.stop(LaunchedProcess(pid: pid, startTime: instance.pidStart), grace: stopGrace) }
            var stopped = instance
            stopped.state = .stopped
            try await store.save(stopped)
            try await audit(actor: actor, kind: "instance.stopped", subject: instance.service,
                            message: "stopped \(instance.service) \(instance.version) in \(instance.target) (\(instance.address))\(drained[instance.id].map { ", \($0)" } ?? "")",
                            reason: why)
        }
    }

    /// Waits until the target's router has relayed the whole answer of every request it sent to `instance`, so no
    /// payment is on the wire to it when it is signalled: a process that closes a connection holding a request it
    /// has not read resets it, and the router answers 502. Only for an instance no longer routed to (one still in
    /// the table keeps receiving requests, so waiting would not help: `railyard down`), at most `drainTimeout`.
    /// Returns what the stop's audit line says of it; nil when nothing was in flight or no router routes there.
    func drain(_ instance: InstanceRecord) async -> String? {
        guard let record = try? await routerRecord(for: instance.target), record.running else { return nil }
        let router = routers.connect(record)
        let start = ContinuousClock.now
        var waited = false
        while true {
            let snapshot: RouterSnapshot
            do {
                snapshot = try await router.snapshot()
            } catch {
                // A router that cannot say: the stop goes on, and the log says it was not drained.
                return Task.isCancelled ? "undrained: the stop was cancelled" : "undrained: the router of \(instance.target) did not answer (\(error))"
            }
            if snapshot.routes(to: instance.address) { return nil }
            let left = snapshot.inFlight[instance.address] ?? 0
            let elapsed = ContinuousClock.now - start
            if left == 0 { return waited ? "once the router had relayed the answers of its requests in flight (\(DurationText.format(elapsed)))" : nil }
            if elapsed >= drainTimeout {
                return "with \(left) request\(left == 1 ? "" : "s") from the router still unanswered after \(DurationText.format(elapsed)): they may fail"
            }
            waited = true
            do {
                try await Task.sleep(for: Self.drainPoll)
            } catch {
                return "undrained: the stop was cancelled with \(left) request\(left == 1 ? "" : "s") in flight"
            }
        }
    }

    /// How often a drain reads the router's counts: a payment takes tens of milliseconds.
    static let drainPoll: Duration = .milliseconds(25)

    func markGone(_ instance: InstanceRecord, actor: String, why: String) async throws {
        var failed = instance
        failed.state = .failed
        try await store.save(failed)
        try await audit(actor: actor, kind: "instance.lost", subject: instance.service,
                        message: "\(instance.service) \(instance.version) in \(instance.target) (pid \(instance.pid ?? -1)) is gone", reason: why)
    }

    public func isAlive(_ instance: InstanceRecord) -> Bool {
        guard let pid = instance.pid else { return false }
        return driver.isAlive(LaunchedProcess(pid: pid, startTime: instance.pidStart))
    }

    public func isAlive(_ router: RouterRecord) -> Bool {
        guard let pid = router.pid else { return false }
        return driver.isAlive(LaunchedProcess(pid: pid, startTime: router.pidStart))
    }

    /// Live processes carrying this Railyard's mark, whatever the store says of them.
    func ownedProcesses() -> [OwnedProcess] { driver.processes(ownedBy: owner) }

    // MARK: Traffic

    /// Points a service's traffic in a target at `stable` and, when given, `canary` with its weight,
    /// split by `TrafficSplit` (baseline beside the canary, no weight on a group without servers).
    public func route(service: String, target: String, stable: String, canary: String?, canaryWeight: Int) async throws {
        func servers(_ version: String, _ role: InstanceRecord.Role) async throws -> [String] {
            try await liveInstances(service: service, version: version, target: target, role: role).filter { $0.state == .running }.map(\.address)
        }
        let stableServers = try await servers(stable, .serving)
        var canaryServers: [String] = []
        if let canary { canaryServers = try await servers(canary, .serving) }
        let baselineServers = canary == nil ? [] : try await servers(stable, .baseline)
        let split = TrafficSplit.compute(canaryWeight: canary == nil ? nil : canaryWeight, stableServers: stableServers.count,
                                         canaryServers: canaryServers.count, baselineServers: baselineServers.count)
        var groups = [BackendGroup(name: "stable", version: stable, weight: split.stable, servers: stableServers)]
        if let canary, let weight = split.canary { groups.append(BackendGroup(name: "canary", version: canary, weight: weight, servers: canaryServers)) }
        if let weight = split.baseline { groups.append(BackendGroup(name: "baseline", version: stable, weight: weight, servers: baselineServers)) }
        let started = ContinuousClock.now
        try await router(for: target).apply(service: service, groups: groups.filter { !$0.servers.isEmpty || $0.weight == 0 })
        telemetry.routerApplied(target: target, after: ContinuousClock.now - started)
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
