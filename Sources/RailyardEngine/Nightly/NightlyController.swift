import Foundation
import RailyardCore
import RailyardPorts
import ServiceLifecycle

/// The nightly controller, a service of the server's ServiceGroup. It runs a train's nightly: builds
/// the versions the train changes into artifacts, deploys the versions under test to the nightly
/// environment through the fleet (which checks each artifact's hash), runs the non-regression suites
/// against the nightly router, and stores the verdict the train's gate reads.
///
/// Each phase is saved before its work starts, and each finished suite as it finishes. A restart
/// stops what a killed server left running (builds and suites carry the owner's mark and a
/// `nightly:RUN:` label) and resumes the run at its phase; a run interrupted more than `maxResumes`
/// times ends broken, with the reason. A stored lease keeps two runs from ever going at once.
public actor NightlyController: Service {
    static let actor = "railyard:nightly"
    static let lease = "nightly"
    /// Restarts a run survives before it is marked broken.
    static let maxResumes = 3

    let config: RailyardConfig
    let store: any RailyardStore
    let fleet: Fleet
    let driver: any InstanceDriver
    let runner: any NightlyRunner
    let paths: RailyardPaths
    let clock: any WallClock

    let starts: AsyncStream<String>
    let startContinuation: AsyncStream<String>.Continuation
    var driving: Set<String> = []
    /// Each driven run's task, so `stopAll` can cancel it.
    var tasks: [String: Task<Void, Never>] = [:]
    var prepared = false

    init(config: RailyardConfig, store: any RailyardStore, fleet: Fleet, driver: any InstanceDriver, runner: any NightlyRunner,
         paths: RailyardPaths, clock: any WallClock) {
        self.config = config
        self.store = store
        self.fleet = fleet
        self.driver = driver
        self.runner = runner
        self.paths = paths
        self.clock = clock
        (starts, startContinuation) = AsyncStream<String>.makeStream()
    }

    public func run() async throws {
        try await prepare()
        for await id in starts.cancelOnGracefulShutdown() where tasks[id] == nil {
            tasks[id] = Task {
                await self.drive(id)
                await self.stopped(id)
            }
        }
        // A graceful stop cancels the runs: their processes are killed and the runs stay running,
        // to be resumed by the next start.
        let running = Array(tasks.values)
        for task in running { task.cancel() }
        for task in running { await task.value }
        tasks.removeAll()
        driving.removeAll()
    }

    /// Ends every running run broken with `reason` (`railyard down`): its build or suites are killed,
    /// and no restart resumes it.
    public func stopAll(reason: String) async throws {
        let running = Array(tasks.values)
        for task in running { task.cancel() }
        for task in running { await task.value }
        for var run in try await store.nightlyRuns(train: nil, limit: 50) where run.state == .running {
            try await end(&run, as: .broken, reason: reason, verdict: nil)
        }
    }

    /// Stops what a killed server left of each running run, then resumes it, or ends it broken when
    /// restarts keep interrupting it.
    public func prepare() async throws {
        guard !prepared else { return }
        prepared = true
        for var run in try await store.nightlyRuns(train: nil, limit: 50) where run.state == .running {
            let leftovers = driver.processes(ownedBy: fleet.owner).filter { $0.label.hasPrefix("nightly:\(run.id):") }
            for found in leftovers { await driver.stop(found.process, grace: fleet.stopGrace) }
            let stopped = leftovers.isEmpty ? "" : "; stopped \(leftovers.count) process(es) it left: "
                + leftovers.map { "\($0.label) (pid \($0.process.pid))" }.joined(separator: ", ")
            run.resumes += 1
            if run.resumes > Self.maxResumes {
                let reason = "interrupted by \(run.resumes) restarts of Railyard, the last while \(run.phase.rawValue)\(stopped)"
                try await end(&run, as: .broken, reason: reason, verdict: nil)
                continue
            }
            try await store.save(nightlyRun: run, events: [event(run, kind: "nightly.resumed",
                                                                  message: "nightly \(run.id) resumed while \(run.phase.rawValue) (restart \(run.resumes))",
                                                                  reason: "Railyard restarted during the run" + stopped)])
            startDriving(run.id)
        }
    }

    public func isDriving(_ id: String) -> Bool { driving.contains(id) }

    func startDriving(_ id: String) {
        guard driving.insert(id).inserted else { return }
        startContinuation.yield(id)
    }

    func stopped(_ id: String) {
        driving.remove(id)
        tasks[id] = nil
    }

    // MARK: Starting

    /// Starts a run: stored (running, building) with the lease taken, then driven. Refused while
    /// another run holds the lease.
    public func start(trigger: NightlyRunRecord.Trigger, train: TrainRecord?, actor: String) async throws -> NightlyRunRecord {
        try checkConfigured()
        let now = clock.now()
        // The next number after every run of this train (not only the newest: runs started at the same
        // instant, as on a simulated clock, sort by id, where n10 comes before n9).
        let prefix = "\(train?.id ?? "fleet")-n"
        let numbers = try await store.nightlyRuns(train: train?.id, limit: 100_000).compactMap { run in
            run.id.hasPrefix(prefix) ? Int(run.id.dropFirst(prefix.count)) : nil
        }
        let id = prefix + String((numbers.max() ?? 0) + 1)
        guard try await store.acquireLease(Self.lease, holder: id, until: now.addingTimeInterval(leaseSeconds), now: now) else {
            let running = try await store.nightlyRuns(train: nil, limit: 20).first { $0.state == .running }
            throw Refusal(.conflict, "a nightly run is already going" + (running.map { ": \($0.id), \($0.triggerText), since \($0.startedAt.formatted(.iso8601))" } ?? "")
                          + "; one run at a time")
        }
        var run = NightlyRunRecord(id: id, train: train?.id, trigger: trigger, startedAt: now,
                                   versions: try await versionsUnderTest(train: train), plannedSuites: suites(for: trigger).map(\.name))
        run.builds = (train?.services.keys.sorted() ?? []).filter { config.service(named: $0)?.build != nil }
        try await store.save(nightlyRun: run, events: [event(run, kind: "nightly.started",
                                                              message: "nightly \(id) of \(train.map { "train \($0.id)" } ?? "the fleet") (\(run.triggerText)): "
                                                                  + "builds \(run.builds.isEmpty ? "none" : run.builds.joined(separator: ", ")), suites "
                                                                  + run.plannedSuites.joined(separator: ", "))])
        startDriving(id)
        return run
    }

    /// The train a nightly tests when none is named: the newest in development (or nightly), if any.
    func trainInDevelopment() async throws -> TrainRecord? {
        try await store.trains().first { $0.state == .development || $0.state == .nightly }
    }

    /// Refuses, with what to add, when railyard.yml cannot run a nightly.
    public nonisolated func checkConfigured() throws {
        guard !config.nightly.suites.isEmpty else {
            throw Refusal(.badRequest, "railyard.yml has no nightly suites: add `nightly: suites:` to run the non-regression", field: "nightly")
        }
        let target = config.nightly.environment
        guard config.targets.contains(where: { $0.name == target }) else {
            throw Refusal(.badRequest, "the nightly environment '\(target)' is not a target of railyard.yml's environments", field: "nightly.environment")
        }
    }

    /// The suites a trigger runs: all, or for a change those mapped to a service it touches (a suite
    /// mapped to no service runs on every change).
    func suites(for trigger: NightlyRunRecord.Trigger) -> [SuiteSpec] {
        guard case .change(_, let services) = trigger else { return config.nightly.suites }
        return config.nightly.suites.filter { $0.services.isEmpty || !Set($0.services).isDisjoint(with: services) }
    }

    /// Every service of the nightly environment at the version to test: the train's, else the one
    /// running there (stable), else railyard.yml's.
    func versionsUnderTest(train: TrainRecord?) async throws -> [String: String] {
        let target = config.nightly.environment
        let stable = try await store.stableVersions()
        var versions: [String: String] = [:]
        for service in config.services where service.instanceCount(in: target) > 0 {
            versions[service.name] = train?.services[service.name] ?? stable[service.name]?[target] ?? service.initialVersion
        }
        return versions
    }

    /// Long enough for every build and suite (re-runs included) with an hour to spare; a run that
    /// outlives it (a server that never came back) frees the next one.
    var leaseSeconds: TimeInterval {
        let builds = config.services.compactMap { $0.build?.timeout.timeInterval }.reduce(0, +)
        let suites = config.nightly.suites.map { $0.timeout.timeInterval * Double(1 + config.nightly.reruns) }.reduce(0, +)
        return builds + suites + 3600
    }

    // MARK: Driving

    func drive(_ id: String) async {
        do {
            try await advance(id)
        } catch is CancellationError {
            // Stopped with the server: the run stays as stored and resumes at the next start.
        } catch {
            if Task.isCancelled { return }
            guard var run = try? await store.nightlyRun(id: id), run.state == .running else { return }
            try? await end(&run, as: .broken, reason: "\(error)", verdict: nil)
        }
    }

    func advance(_ id: String) async throws {
        guard var run = try await store.nightlyRun(id: id), run.state == .running else { return }
        if run.phase == .building {
            for service in run.builds {
                guard let version = run.versions[service], let spec = config.service(named: service) else { continue }
                if let refusal = try await build(spec, version: version, run: &run) {
                    return try await end(&run, as: .broken, reason: refusal, verdict: nil)
                }
            }
            run.phase = .deploying
            try await store.save(nightlyRun: run, events: [])
        }
        let target = config.nightly.environment
        if run.phase == .deploying {
            do {
                try await deploy(run, target: target)
            } catch let error as FleetError {
                return try await end(&run, as: .broken, reason: "deploying to \(target): \(error.description)", verdict: nil)
            }
            run.phase = .testing
            try await store.save(nightlyRun: run, events: [event(run, kind: "nightly.deployed", message: "nightly \(run.id): \(target) runs "
                                                                  + run.versions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))])
        }
        if run.phase == .testing {
            // Resumed after a restart: the instances under test may have died with the machine; bring them back first.
            if run.resumes > 0 { try await deploy(run, target: target) }
            guard let router = try await fleet.routerRecord(for: target) else { throw FleetError("no router for \(target)") }
            for name in run.remainingSuites {
                guard let suite = config.nightly.suites.first(where: { $0.name == name }) else {
                    run.suites.append(.init(name: name, tests: [], broken: "suite \(name) is no longer in railyard.yml"))
                    continue
                }
                try Task.checkCancellation()
                let started = ContinuousClock.now
                let outcome = try await runner.runSuite(suite, folder: paths.logs + "/nightly/\(run.id)", routerURL: router.trafficURL,
                                                        reruns: config.nightly.reruns, durations: try await store.durations(suite: name),
                                                        owner: fleet.owner, label: "nightly:\(run.id):suite:\(name)")
                try Task.checkCancellation()
                let report = TestRunReport(executions: outcome.executions)
                let result = NightlyRunRecord.SuiteResult(name: name, tests: report.tests, broken: outcome.broken,
                                                          seconds: (ContinuousClock.now - started).timeInterval)
                run.suites.append(result)
                if outcome.broken == nil, !outcome.durations.isEmpty { try await store.save(durations: outcome.durations, suite: name) }
                try await store.save(nightlyRun: run, events: [event(run, kind: "nightly.suite", message: "nightly \(run.id): suite \(name) "
                                                                      + Self.summary(report) + String(format: " in %.1f s", result.seconds),
                                                                      reason: outcome.broken)])
            }
            let verdict = NonRegressionVerdict.evaluate(report: TestRunReport(tests: run.tests), broken: run.brokenSuites,
                                                        quarantine: try await store.quarantine(), now: clock.now())
            let state: NightlyRunRecord.State = !run.brokenSuites.isEmpty ? .broken : (verdict.passes ? .passed : .failed)
            try await end(&run, as: state, reason: verdict.reason, verdict: verdict)
        }
    }

    /// Builds a version unless it was built before (by an earlier run, or this one before a restart),
    /// whose artifact must still hash as recorded. Returns why the run cannot go on, if it cannot.
    func build(_ spec: ServiceSpec, version: String, run: inout NightlyRunRecord) async throws -> String? {
        if let existing = try await store.artifact(service: spec.name, version: version) {
            if let refusal = existing.refusal(currentHash: try? runner.sha256(of: existing.path)) { return refusal }
            if !run.artifacts.contains(existing) {
                run.artifacts.append(existing)
                try await store.save(nightlyRun: run, events: [])
            }
            return nil
        }
        try Task.checkCancellation()
        let artifact: ArtifactRecord
        do {
            artifact = try await runner.build(spec, version: version, at: clock.now(), owner: fleet.owner, label: "nightly:\(run.id):build:\(spec.name)")
        } catch let failure as BuildFailure {
            return failure.description
        }
        try Task.checkCancellation()
        run.artifacts.append(artifact)
        try await store.save(artifact: artifact, event: event(run, kind: "artifact.built",
                                                              message: "built \(spec.name) \(version): \(artifact.path), sha256 \(artifact.sha256), "
                                                                  + "\(artifact.bytes) bytes in \(String(format: "%.1f", artifact.seconds)) s"))
        try await store.save(nightlyRun: run, events: [])
        return nil
    }

    /// The versions under test up in the nightly environment, each alone behind the router; the
    /// instances of other versions there are stopped. Idempotent, so a resumed run repeats it.
    func deploy(_ run: NightlyRunRecord, target: String) async throws {
        try await fleet.ensureRouter(target: target, actor: Self.actor)
        for (service, version) in run.versions.sorted(by: { $0.key < $1.key }) {
            guard let spec = config.service(named: service) else { continue }
            try await fleet.ensureInstances(service: spec, version: version, target: target, rolloutID: nil, actor: Self.actor)
            try await fleet.route(service: service, target: target, stable: version, canary: nil, canaryWeight: 0)
            try await store.setStableVersion(service: service, target: target, version: version)
            for other in Set(try await fleet.liveInstances(service: service, target: target).map(\.version)) where other != version {
                try await fleet.stopInstances(service: service, version: other, target: target, actor: Self.actor,
                                              why: "nightly \(run.id) tests \(service) \(version)")
            }
        }
    }

    func end(_ run: inout NightlyRunRecord, as state: NightlyRunRecord.State, reason: String, verdict: NonRegressionVerdict?) async throws {
        run.state = state
        run.phase = .finished
        run.reason = reason
        run.verdict = verdict
        run.endedAt = clock.now()
        try await store.save(nightlyRun: run, events: [event(run, kind: "nightly.\(state.rawValue)", message: "nightly \(run.id) \(state.rawValue)",
                                                              reason: reason)])
        try await store.releaseLease(Self.lease, holder: run.id)
    }

    static func summary(_ report: TestRunReport) -> String {
        "\(report.count(.passed)) passed, \(report.failing.count) failing, \(report.flaky.count) flaky, \(report.count(.skipped)) skipped"
    }

    func event(_ run: NightlyRunRecord, kind: String, message: String, reason: String? = nil) -> AuditEvent {
        AuditEvent(at: clock.now(), actor: Self.actor, kind: kind, subject: run.train ?? run.id, message: message, reason: reason)
    }
}
