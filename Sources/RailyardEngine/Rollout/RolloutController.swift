import Foundation
import RailyardCore
import RailyardPorts
import ServiceLifecycle

/// The rollout controller, run as a service of the server's ServiceGroup. On start it settles every
/// process Railyard ever started (adopt or stop) and reconciles the rollouts with the routers; then
/// it drives each active rollout: it asks `RolloutMachine.nextAction` what comes next and hands it to
/// the executor of that kind. Every driving task is a child of `run()`; graceful shutdown cancels
/// them and their stored state is where the next start resumes.
public actor RolloutController: Service {
    let config: RailyardConfig
    let machine: RolloutMachine
    let ports: EnginePorts
    let fleet: Fleet
    let ledger: RolloutLedger
    let feed: RolloutFeed
    let alerts: AlertEvaluator
    let extractor: CountersExtractor
    /// A late watch's look and a promote's check of it, and a person's approval and the watch's rollback, one at a time per rollout.
    let watchGate = WatchGate()

    /// Rollouts to drive, consumed by `run()`; buffered, so a request made before `run()` starts is kept.
    let starts: AsyncStream<String>
    let startContinuation: AsyncStream<String>.Continuation

    /// One slot per rollout being driven: the signal that stops it, and who waits for it to stop.
    struct Slot {
        let stop: AsyncStream<Void>.Continuation
        let stopSignal: AsyncStream<Void>
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    var slots: [String: Slot] = [:]
    var running = false
    var prepared = false

    init(config: RailyardConfig, ports: EnginePorts, fleet: Fleet, ledger: RolloutLedger, feed: RolloutFeed, alerts: AlertEvaluator,
         extractor: CountersExtractor) {
        self.config = config
        self.machine = ledger.machine
        self.ports = ports
        self.fleet = fleet
        self.ledger = ledger
        self.feed = feed
        self.alerts = alerts
        self.extractor = extractor
        (starts, startContinuation) = AsyncStream<String>.makeStream()
    }

    public func run() async throws {
        running = true
        defer { running = false }
        try await prepare()
        await withDiscardingTaskGroup { group in
            for await id in starts.cancelOnGracefulShutdown() {
                group.addTask { await self.driveUntilStopped(id) }
            }
            group.cancelAll()
        }
        for slot in slots.values { for waiter in slot.waiters { waiter.resume() } }
        slots.removeAll()
    }

    /// Reconciles once, then queues every active rollout to be driven as soon as `run()` starts;
    /// `run()` does it if the server did not.
    public func prepare() async throws {
        guard !prepared else { return }
        try await reconcile()
        for record in try await ports.store.activeRollouts() { startDriving(record.id) }
        prepared = true
    }

    /// Settles the processes, then the rollouts; what it found is in the audit log.
    func reconcile() async throws {
        let processes = ProcessReconciler(fleet: fleet, store: ports.store, driver: ports.driver, config: config)
        let findings = try await processes.reconcile()
        ports.telemetry.reconciled("adopted", count: findings.adopted.count)
        ports.telemetry.reconciled("stopped", count: findings.stopped.count)
        ports.telemetry.reconciled("lost", count: findings.lost.count)
        try await RolloutReconciler(fleet: fleet, store: ports.store, ledger: ledger).reconcile(lost: findings.lost)
    }

    // MARK: Driving

    /// Whether a task drives the rollout, or will as soon as `run()` takes it.
    public func isDriving(_ id: String) -> Bool { slots[id] != nil }

    func startDriving(_ id: String) {
        guard slots[id] == nil else { return }
        let (signal, stop) = AsyncStream<Void>.makeStream()
        slots[id] = Slot(stop: stop, stopSignal: signal)
        startContinuation.yield(id)
    }

    /// Stops driving `id` and returns once its task has ended, so nothing of it runs after this.
    func stopDriving(_ id: String) async {
        guard let slot = slots[id] else { return }
        guard running else { slots[id] = nil; return }
        slot.stop.yield(())
        await withCheckedContinuation { waiter in slots[id]?.waiters.append(waiter) }
    }

    /// How one round of driving a rollout ended.
    enum DriveEnd: Sendable {
        case done
        /// The late-regression watch showed a regression after a pass: roll back, then drive on.
        case lateRegression(String)
    }

    func driveUntilStopped(_ id: String) async {
        guard let signal = slots[id]?.stopSignal else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.driveAndWatch(id) }
            group.addTask { for await _ in signal { return } }
            await group.next()
            group.cancelAll()
        }
        for waiter in slots.removeValue(forKey: id)?.waiters ?? [] { waiter.resume() }
        // Listeners (`settle`) learn that nothing drives this rollout any more.
        if let record = try? await ports.store.rollout(id: id) { feed.publish(record) }
    }

    /// Drives the rollout beside its late-regression watch; when the watch shows a regression after a
    /// pass, the steps are stopped, the failure stored, and the rollout driven on (its rollback).
    func driveAndWatch(_ id: String) async {
        let watcher = lateWatcher
        while !Task.isCancelled {
            let end = await withTaskGroup(of: DriveEnd.self) { group -> DriveEnd in
                group.addTask { await self.drive(id); return .done }
                group.addTask {
                    // Ends on its own only with an alarm: the first child to end stops the other.
                    if let reason = await watcher.run(id) { return .lateRegression(reason) }
                    while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                    return .done
                }
                let first = await group.next() ?? .done
                group.cancelAll()
                return first
            }
            guard !Task.isCancelled else { return }
            guard case .lateRegression(let reason) = end else {
                // The rollout ended: a watch still on is ended with why (its wave promoted, or the rollout rolled back).
                _ = try? await watcher.watched(id)
                return
            }
            // The steps have stopped (the group waited for them): the failure is stored, then the rollback runs. Through
            // the gate: a person's approval of a held promote, landing now, is stored before this reads or after it.
            do {
                let ledger = self.ledger
                try await watchGate.through(id) { @Sendable in
                    try await ledger.onCurrent(id) { current in
                        try await ledger.transition(current, .stepFailed(reason: reason), message: "a late regression after the analysis passed: rolling back",
                                                    reason: reason)
                    }
                }
            } catch {
                try? await ledger.audit(kind: "rollout.stalled", subject: id, message: "could not roll back after a late regression", reason: "\(error)")
                return
            }
        }
    }

    /// Runs the rollout's next actions until it ends, waits for a person, or is cancelled (abort, shutdown).
    func drive(_ id: String) async {
        var staleInARow = 0
        do {
            while !Task.isCancelled {
                let record = try await ledger.existing(id)
                do {
                    switch machine.nextAction(for: record) {
                    case .none:
                        return
                    case .runStep(let step, let wave, let resuming):
                        try await runStep(step, wave: wave, record: record, resuming: resuming)
                    case .waitUntil(let deadline):
                        try await ports.clock.sleep(until: deadline)
                        try await ledger.transition(record, .pauseElapsed, message: "pause of wave '\(machine.wave(of: record).name)' elapsed")
                    case .waitForApproval:
                        await askAPerson(id, wave: machine.wave(of: record))
                        try await waitWhileAwaitingApproval(id)
                    case .rollback(let action):
                        try await rollbackExecutor.run(action, record: record)
                    case .retireOldVersion:
                        try await RetireExecutor(fleet: fleet, store: ports.store, ledger: ledger).run(record)
                    }
                    staleInARow = 0
                } catch let stale as StaleWrite where staleInARow < Self.staleRetries {
                    // Another writer stored the rollout while this step ran: decide again from what it stored (a step
                    // re-run is idempotent, as after a restart), rather than overwrite it.
                    staleInARow += 1
                    try await ledger.audit(kind: "rollout.write_conflict", subject: id,
                                           message: "the rollout changed while '\(machine.position(of: record))' ran: reading it again", reason: stale.description)
                }
            }
        } catch is CancellationError {
            return
        } catch {
            guard !Task.isCancelled else { return }
            try? await ledger.audit(kind: "rollout.stalled", subject: id,
                                    message: "the controller stopped on an unexpected error; the rollout stays as stored until it is resumed or aborted",
                                    reason: "\(error)")
        }
    }

    /// Stale writes in a row the drive loop decides again on before it stops as stalled (each one means another
    /// writer stored the rollout meanwhile; more than a few in a row is a fault, not a race).
    static let staleRetries = 3

    func runStep(_ step: StepSpec, wave: WaveSpec, record: RolloutRecord, resuming: Bool) async throws {
        if resuming {
            try await ledger.audit(kind: "rollout.step_resumed", subject: record.id,
                                   message: "re-running '\(step)' of wave '\(wave.name)' after a restart (steps are idempotent)")
        }
        let started = ContinuousClock.now
        do {
            switch try await executor(for: step).run(record, wave: wave) {
            case .completed(let current):
                try Task.checkCancellation()
                try await ledger.transition(current, .stepCompleted, message: "'\(step)' of wave '\(wave.name)' done")
                ports.telemetry.stepFinished(step, after: ContinuousClock.now - started, outcome: "completed")
            case .waiting:
                ports.telemetry.stepFinished(step, after: ContinuousClock.now - started, outcome: "waiting")
            }
        } catch let failure as StepFailure {
            ports.telemetry.stepFinished(step, after: ContinuousClock.now - started, outcome: "failed")
            try Task.checkCancellation()
            try await ledger.onCurrent(record.id) { [ledger] current in
                try await ledger.transition(current, .stepFailed(reason: failure.reason),
                                            message: "'\(step)' of wave '\(wave.name)' failed: rolling back", reason: failure.reason)
            }
        }
    }

    /// A rollout that waits for a person (an approval step, an analysis undecided at its deadline, a promote its
    /// late watch held) tells the notifiers, with why: as the controller begins to wait, so once per wait and again
    /// after a restart (a kill just after the wait was stored loses no notice; receivers that group by labels, as
    /// Alertmanager does, see one alert). Not for waits no person lifts: a train's hold, a train's revert (the train
    /// approves both).
    func askAPerson(_ id: String, wave: WaveSpec) async {
        guard let current = try? await ledger.existing(id), await waitsForAPerson(current) else { return }
        await alerts.raise(name: Self.waitAlert, severity: "warning",
                           summary: "\(current.service) \(current.version) waits for a person at wave '\(wave.name)' (\(id)): railyard rollout approve|abort \(id)",
                           reason: current.reason ?? "waiting for approval", labels: waitLabels(current))
    }

    /// The person's answer ends the wait's alert, for receivers that hold it open (Alertmanager).
    func waitEnded(_ record: RolloutRecord, how: String) async {
        guard await waitsForAPerson(record) else { return }
        await alerts.resolve(name: Self.waitAlert, severity: "warning",
                             summary: "\(record.service) \(record.version) no longer waits at wave '\(machine.wave(of: record).name)' (\(record.id)): \(how)",
                             reason: how, labels: waitLabels(record))
    }

    static let waitAlert = "RolloutWaitsForAPerson"

    func waitsForAPerson(_ record: RolloutRecord) async -> Bool {
        guard record.phase == .awaitingApproval, record.heldBefore == nil else { return false }
        guard let train = record.train, let release = try? await ports.store.train(id: train)?.release else { return true }
        return !release.entries.contains { $0.rolloutID == record.id && $0.purpose == .revert }
    }

    /// One wait's identity: two waits of a rollout (an approval step, then its promote held) are two alerts.
    func waitLabels(_ record: RolloutRecord) -> [String: String] {
        ["service": record.service, "version": record.version, "rollout": record.id, "wave": machine.wave(of: record).name,
         "step": String(record.cursor.step + 1)]
    }

    /// Returns once the rollout has left `awaiting_approval` (approved; an abort cancels this task).
    func waitWhileAwaitingApproval(_ id: String) async throws {
        let changes = feed.changes()
        // The approval may have landed between reading the record and listening.
        guard try await ledger.existing(id).phase == .awaitingApproval else { return }
        for await change in changes where change.id == id && change.phase != .awaitingApproval { return }
        // The feed ends only as the server shuts down (its streams close first): stop waiting as if cancelled, rather than
        // read the rollout again and announce the same wait a second time.
        throw CancellationError()
    }

    // MARK: Executors

    /// The executor of a step kind, holding only the ports that kind needs.
    func executor(for step: StepSpec) -> any StepExecutor {
        switch step {
        case .scripts:
            ScriptsStep(config: config, store: ports.store, runner: ports.scripts, files: ports.scriptFiles, paths: ports.paths,
                        clock: ports.clock, ledger: ledger)
        case .deploy:
            DeployStep(fleet: fleet, ledger: ledger)
        case .smoke:
            SmokeStep(fleet: fleet, probe: ports.probe, ledger: ledger)
        case .setWeight(let weight):
            SetWeightStep(weight: weight, fleet: fleet, ledger: ledger)
        case .pause(let duration):
            PauseStep(duration: duration, clock: ports.clock, ledger: ledger)
        case .approval:
            ApprovalStep(ledger: ledger)
        case .analysis(let spec):
            AnalysisStep(spec: spec, fleet: fleet, store: ports.store, metrics: ports.metrics, extractor: extractor, clock: ports.clock,
                         feed: feed, ledger: ledger, telemetry: ports.telemetry)
        case .promote:
            PromoteStep(fleet: fleet, store: ports.store, ledger: ledger, gate: watchGate)
        }
    }

    var lateWatcher: LateRegressionWatcher {
        let step = AnalysisStep(spec: .default, fleet: fleet, store: ports.store, metrics: ports.metrics, extractor: extractor, clock: ports.clock,
                                feed: feed, ledger: ledger, telemetry: ports.telemetry)
        return LateRegressionWatcher(analysisStep: step, machine: machine, store: ports.store, clock: ports.clock, feed: feed, ledger: ledger,
                                     gate: watchGate)
    }

    var rollbackExecutor: RollbackExecutor {
        RollbackExecutor(config: config, fleet: fleet, store: ports.store, runner: ports.scripts, paths: ports.paths, clock: ports.clock,
                         alerts: alerts, ledger: ledger)
    }
}
