import AsyncHTTPClient
import Foundation
import RailyardAdapters
import RailyardCore

/// The rollout controller: drives each rollout through the deployment process as a durable
/// state machine. Each transition is stored before the side effect it announces, and every
/// step is idempotent, so a restarted engine re-runs the step it was on and ends consistent.
public actor RailyardEngine {
    public nonisolated let config: RailyardConfig
    public nonisolated let store: any RailyardStore
    public nonisolated let fleet: Fleet
    let scripts: any ScriptRunner
    let clock: any WallClock
    let machine: RolloutMachine
    let paths: RailyardPaths
    let httpClient: HTTPClient
    let metrics: any MetricSource
    let extractor: CountersExtractor
    /// The latest look of each rollout's running analysis.
    var liveAnalyses: [String: LiveAnalysis] = [:]
    public nonisolated let alerts: AlertEvaluator
    var alertTask: Task<Void, Never>?

    /// One driving task per active rollout.
    var drivers: [String: Task<Void, Never>] = [:]
    /// Rollouts waiting for `approve`, woken through these.
    var approvalSignals: [String: AsyncStream<Void>.Continuation] = [:]
    /// Watchers of rollout changes (`rollout watch`, the dashboard's stream).
    var watchers: [UUID: AsyncStream<RolloutRecord>.Continuation] = [:]

    public init(config: RailyardConfig, store: any RailyardStore, fleet: Fleet, scripts: any ScriptRunner, clock: any WallClock,
                paths: RailyardPaths, httpClient: HTTPClient = .shared, metrics: (any MetricSource)? = nil,
                extractor: CountersExtractor = CountersExtractor()) throws {
        self.config = config
        self.store = store
        self.fleet = fleet
        self.scripts = scripts
        self.clock = clock
        self.machine = RolloutMachine(config: config)
        self.paths = paths
        self.httpClient = httpClient
        let source = try metrics ?? Self.metricSource(config.metrics, httpClient: httpClient)
        self.metrics = source
        self.extractor = extractor
        self.alerts = AlertEvaluator(spec: config.alerts, fleet: fleet, store: store, metrics: source, extractor: extractor,
                                     notifiers: config.alerts.notifiers.map { destination in
                                         switch destination {
                                         case .webhook(let url): NotifierFactory.make(kind: .webhook(url: url), httpClient: httpClient)
                                         case .alertmanager(let url): NotifierFactory.make(kind: .alertmanager(url: url), httpClient: httpClient)
                                         }
                                     }, clock: clock)
    }

    /// The configured source; a setting that cannot work stops the start rather than falling back.
    static func metricSource(_ spec: MetricsSpec, httpClient: HTTPClient) throws -> any MetricSource {
        switch spec.source {
        case .scrape: return try MetricSourceFactory.make(.scrape, httpClient: httpClient)
        case .prometheus(let url): return try MetricSourceFactory.make(.prometheus(url: url), httpClient: httpClient)
        }
    }

    // MARK: - Requests

    /// Starts a rollout of `version` of `service` through the deployment process.
    public func deploy(service: String, version: String, actor: String) async throws -> RolloutRecord {
        guard let spec = config.service(named: service) else {
            let hint = Suggestion.hint(for: service, among: config.services.map(\.name))
            throw Refusal(.notFound, "no service '\(service)' in railyard.yml\(hint)")
        }
        guard VersionName.isValid(version) else {
            throw Refusal(.badRequest, "version '\(version)' is not valid: \(VersionName.rule)")
        }
        if let running = try await store.activeRollouts().first(where: { $0.service == service }) {
            throw Refusal(.conflict, "a rollout of \(service) is already in progress: \(running.id) (\(running.phase.rawValue)); abort it or wait")
        }
        let stable = try await store.stableVersions()[service] ?? [:]
        let waveTargets = config.deployment.waves.compactMap(\.target)
        if !waveTargets.isEmpty, waveTargets.allSatisfy({ (stable[$0] ?? spec.initialVersion) == version }) {
            throw Refusal(.conflict, "\(service) \(version) is already the stable version in \(waveTargets.joined(separator: ", "))")
        }
        for target in Set(waveTargets) {
            guard let router = try await fleet.routerRecord(for: target), router.running, fleet.isAlive(router) else {
                throw Refusal(.conflict, "the router of \(target) is not running: run `railyard up` first")
            }
        }
        let id = "\(service)-\(version)-\(String(UInt32.random(in: 0...0xFFFF), radix: 16).leftPadded(to: 4))"
        let record = RolloutRecord(id: id, service: service, version: version, createdBy: actor, at: clock.now())
        try await store.save(record, events: [AuditEvent(at: record.createdAt, actor: actor, kind: "rollout.created", subject: id,
                                                         message: "rollout of \(service) \(version) created by \(actor)")])
        publish(record)
        startDriving(id)
        return record
    }

    public func approve(id: String, actor: String) async throws -> RolloutRecord {
        let record = try await existing(id)
        let next = try await transition(record, .approved(by: actor), actor: actor,
                                        message: "approved by \(actor) at wave '\(machine.wave(of: record).name)'")
        approvalSignals.removeValue(forKey: id)?.yield(())
        return next
    }

    /// Stops the rollout where it is and rolls it back: traffic to stable first, then instances, then scripts.
    public func abort(id: String, actor: String, reason: String) async throws -> RolloutRecord {
        var record = try await existing(id)
        guard record.phase.isActive else {
            throw Refusal(.conflict, "rollout \(id) has already ended (\(record.phase.rawValue))")
        }
        if record.phase == .rollingBack || record.phase == .finishing {
            do {
                _ = try machine.apply(.abortRequested(by: actor, reason: reason), to: record, at: clock.now())
            } catch {
                throw Refusal(.conflict, error.message)
            }
        }
        // Stop the driving task first, so no step runs after the rollback has begun.
        if let task = drivers.removeValue(forKey: id) {
            task.cancel()
            await task.value
        }
        approvalSignals.removeValue(forKey: id)?.finish()
        record = try await existing(id)
        let next = try await transition(record, .abortRequested(by: actor, reason: reason), actor: actor,
                                        message: "rollback started: aborted by \(actor)", reason: reason)
        startDriving(id)
        return next
    }

    public func rollout(id: String) async throws -> RolloutRecord { try await existing(id) }
    public func rollouts(limit: Int = 50) async throws -> [RolloutRecord] { try await store.rollouts(limit: limit) }
    public func history(subject: String?, limit: Int = 200) async throws -> [AuditEvent] { try await store.events(subject: subject, limit: limit) }

    /// Waits until the rollout reaches a terminal phase, or until it waits for a person.
    /// Also returns when nothing drives the rollout any more (it stalled on an unexpected error).
    public func settle(id: String) async throws -> RolloutRecord {
        while true {
            let record = try await existing(id)
            if record.phase.isTerminal || record.phase == .awaitingApproval || drivers[id] == nil { return record }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Changes to rollouts as they happen.
    public func watch() -> AsyncStream<RolloutRecord> {
        let (stream, continuation) = AsyncStream<RolloutRecord>.makeStream(bufferingPolicy: .bufferingNewest(64))
        let id = UUID()
        watchers[id] = continuation
        continuation.onTermination = { [weak self] _ in Task { await self?.removeWatcher(id) } }
        return stream
    }

    func removeWatcher(_ id: UUID) { watchers[id] = nil }

    func existing(_ id: String) async throws -> RolloutRecord {
        guard let record = try await store.rollout(id: id) else { throw Refusal(.notFound, "no rollout '\(id)'") }
        return record
    }

    // MARK: - Fleet

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

    /// Rolls back what is in flight, then stops every instance and router Railyard started.
    public func down(actor: String) async throws {
        for record in try await store.activeRollouts() where record.phase != .rollingBack && record.phase != .finishing {
            _ = try? await abort(id: record.id, actor: actor, reason: "railyard down stops the fleet")
        }
        for id in Array(drivers.keys) { _ = try? await settle(id: id) }
        for instance in try await store.instances(includeStopped: false) {
            try await fleet.stop(instance, actor: actor, why: "railyard down")
        }
        for var router in try await store.routers() where router.running {
            if let pid = router.pid { await fleet.driver.stop(LaunchedProcess(pid: pid, startTime: router.pidStart), grace: .seconds(5)) }
            router.running = false
            try await store.save(router)
            try await store.append(AuditEvent(at: clock.now(), actor: actor, kind: "router.stopped", subject: router.target,
                                              message: "stopped the router of \(router.target)", reason: "railyard down"))
        }
    }

    public func status() async throws -> FleetStatus {
        let stable = try await store.stableVersions()
        let instances = try await store.instances(includeStopped: false)
        var targets: [FleetStatus.Target] = []
        for target in config.targets {
            let routerRecord = try await fleet.routerRecord(for: target.name)
            let alive = routerRecord.map { fleet.driver.isAlive(LaunchedProcess(pid: $0.pid ?? -1, startTime: $0.pidStart)) } ?? false
            var snapshot: RouterSnapshot?
            if alive, let routerRecord {
                snapshot = try? await RouterFactory.make(kind: .builtin, adminURL: routerRecord.adminURL, httpClient: httpClient).snapshot()
            }
            var services: [FleetStatus.Service] = []
            for service in config.services where service.instanceCount(in: target.name) > 0 || snapshot?.services[service.name] != nil {
                let groups = (snapshot?.services[service.name] ?? []).map { group in
                    FleetStatus.Group(name: group.name, version: group.version, weight: group.weight, requests: group.requests, errors: group.errors,
                                      instances: instances.filter { $0.service == service.name && $0.target == target.name && $0.version == group.version }
                                          .map { FleetStatus.Instance(address: $0.address, pid: $0.pid, alive: fleetAlive($0)) })
                }
                services.append(FleetStatus.Service(name: service.name, stableVersion: stable[service.name]?[target.name], groups: groups))
            }
            targets.append(FleetStatus.Target(name: target.name, environment: target.environment, router: routerRecord?.trafficURL,
                                              routerAlive: alive, services: services))
        }
        return FleetStatus(targets: targets, activeRollouts: try await store.activeRollouts().map(\.id))
    }

    nonisolated func fleetAlive(_ instance: InstanceRecord) -> Bool {
        guard let pid = instance.pid else { return false }
        return fleet.driver.isAlive(LaunchedProcess(pid: pid, startTime: instance.pidStart))
    }

    // MARK: - Transitions

    @discardableResult
    func transition(_ record: RolloutRecord, _ event: RolloutEvent, actor: String, message: String, reason: String? = nil) async throws -> RolloutRecord {
        let next: RolloutRecord
        do {
            next = try machine.apply(event, to: record, at: clock.now())
        } catch {
            throw Refusal(.conflict, error.message)
        }
        try await store.save(next, events: [AuditEvent(at: next.updatedAt, actor: actor, kind: "rollout.\(event.name)", subject: record.id,
                                                       message: message, reason: reason)])
        publish(next)
        return next
    }

    func publish(_ record: RolloutRecord) {
        for watcher in watchers.values { watcher.yield(record) }
    }

    func startDriving(_ id: String) {
        drivers[id] = Task { await self.drive(id) }
    }
}

