import Foundation
import RailyardCore
import RailyardPorts
import ServiceLifecycle

/// The train controller, a service of the server's ServiceGroup beside the rollout controller. It
/// drives each train's production release: it asks `TrainReleaseMachine` what comes next, stores
/// that intent on the train, then acts through the rollout requests (create, abort, approve a revert)
/// and waits for the rollouts' changes. Each rollout is an ordinary rollout; this controller only
/// orders them and, when one fails, takes the train's services back newest first.
public actor TrainController: Service {
    static let actor = "railyard"
    let config: RailyardConfig
    let store: any RailyardStore
    let rollouts: RolloutRequests
    let ledger: RolloutLedger
    let feed: RolloutFeed
    let runner: any ScriptRunner
    let paths: RailyardPaths
    let clock: any WallClock
    let machine = TrainMachine()

    let starts: AsyncStream<String>
    let startContinuation: AsyncStream<String>.Continuation
    var driving: Set<String> = []
    var prepared = false

    init(config: RailyardConfig, store: any RailyardStore, rollouts: RolloutRequests, ledger: RolloutLedger, feed: RolloutFeed,
         runner: any ScriptRunner, paths: RailyardPaths, clock: any WallClock) {
        self.config = config
        self.store = store
        self.rollouts = rollouts
        self.ledger = ledger
        self.feed = feed
        self.runner = runner
        self.paths = paths
        self.clock = clock
        (starts, startContinuation) = AsyncStream<String>.makeStream()
    }

    public func run() async throws {
        try await prepare()
        await withDiscardingTaskGroup { group in
            for await id in starts.cancelOnGracefulShutdown() {
                group.addTask {
                    await self.drive(id)
                    await self.stopped(id)
                }
            }
            group.cancelAll()
        }
        driving.removeAll()
    }

    /// Queues every train whose release is under way; `run()` drives them.
    public func prepare() async throws {
        guard !prepared else { return }
        prepared = true
        for train in try await store.trains() where train.release?.phase.isActive == true { startDriving(train.id) }
    }

    public func isDriving(_ id: String) -> Bool { driving.contains(id) }

    func startDriving(_ id: String) {
        guard driving.insert(id).inserted else { return }
        startContinuation.yield(id)
    }

    func stopped(_ id: String) { driving.remove(id) }

    /// Runs the release's next actions until it ends or the controller stops.
    func drive(_ id: String) async {
        var staleInARow = 0
        do {
            while !Task.isCancelled {
                do {
                    guard try await driveOnce(id) else { return }
                    staleInARow = 0
                } catch let stale as StaleWrite where staleInARow < RolloutController.staleRetries {
                    // A person (or a merge) stored the train while this ran: decide again on what they stored.
                    staleInARow += 1
                    try await store.append(AuditEvent(at: clock.now(), actor: Self.actor, kind: "train.write_conflict", subject: "train:\(id)",
                                                      message: "train \(id) changed while its release was being written: reading it again",
                                                      reason: stale.description))
                }
            }
        } catch is CancellationError {
            return
        } catch {
            guard !Task.isCancelled else { return }
            try? await store.append(AuditEvent(at: clock.now(), actor: Self.actor, kind: "train.release_stalled", subject: "train:\(id)",
                                               message: "the train controller stopped on an unexpected error; the release stays as stored until the server restarts",
                                               reason: "\(error)"))
        }
    }

    /// One of the release's next actions; false once the release has ended (or is not under way).
    func driveOnce(_ id: String) async throws -> Bool {
        // Listen before reading, so a change stored in between still wakes us.
        let changes = feed.changes()
        guard var train = try await store.train(id: id), let release = train.release, release.phase.isActive else { return false }
        // What is stored now: each write below replaces it, and is refused if a person changed the train meanwhile.
        var stored = train
        var statuses: [String: TrainReleaseMachine.RolloutStatus] = [:]
        for entry in release.entries {
            if let rollout = try await store.rollout(id: entry.rolloutID) {
                statuses[entry.rolloutID] = .init(phase: rollout.phase, reason: rollout.reason, scriptsDone: scriptsDone(rollout),
                                                  heldBefore: rollout.heldBefore)
            } else {
                // Stored as intent, not created yet (a restart between the two): create it now.
                train = try await create(entry, train: train)
                statuses[entry.rolloutID] = .init(phase: .running, scriptsDone: false)
            }
        }
        let override = train.kind == .hotfix && train.overrides.contains { $0.gate == .blackout }
        let freeze = override ? nil : Timetable(config.trains.timetable).freeze(at: clock.now())
        switch TrainReleaseMachine.nextAction(release, statuses: statuses, freeze: freeze) {
        case .none:
            return false
        case .start(let service, let version, let purpose):
            let entry = TrainRelease.Entry(service: service, version: version,
                                           rolloutID: RolloutRequests.newID(service: service, version: version), purpose: purpose)
            train.release!.entries.append(entry)
            if purpose == .deploy { train.release!.reason = nil }  // no longer waiting for a freeze
            train.updatedAt = clock.now()
            try await save(train, over: &stored, events: [event(train, kind: "train.release_rollout_planned",
                                                       message: purpose == .deploy
                                                           ? "train \(id): deploying \(service) \(version) as \(entry.rolloutID)"
                                                           : "train \(id): reverting \(service) to \(version) as \(entry.rolloutID)")])
            _ = try await create(entry, train: train)
        case .fail(let reason):
            train.release!.phase = .reverting
            train.release!.reason = reason
            train.release!.failedAt = clock.now()
            train.updatedAt = clock.now()
            try await save(train, over: &stored, events: [event(train, kind: "train.release_reverting",
                                                       message: "train \(id): release failed, taking its services back newest first",
                                                       reason: reason, before: "deploying", after: "reverting")])
        case .abort(let rolloutID, let reason):
            do {
                _ = try await rollouts.abort(id: rolloutID, actor: Self.actor, reason: reason)
            } catch let refusal as Refusal where refusal.kind == .conflict {
                // It ended or began its own rollback meanwhile: the next look sees it.
            }
        case .approveRevert(let rolloutID):
            try await ledger.onCurrent(rolloutID) { [ledger] record in
                guard record.phase == .awaitingApproval else { return }
                try await ledger.transition(record, .approved(by: Self.actor),
                                            message: "approved by train \(id)'s release: a revert goes back to the version that ran before")
            }
        case .releaseHolds(let rolloutIDs):
            for rolloutID in rolloutIDs {
                try await ledger.onCurrent(rolloutID) { [ledger] record in
                    guard record.phase == .awaitingApproval, let target = record.heldBefore else { return }
                    try await ledger.transition(record, .approved(by: Self.actor),
                                                message: "train \(id) lets \(record.service) go on to \(target): every service of its batch "
                                                    + "has finished the waves before (not backward-compatible: dc2 waits for dc1)")
                }
            }
        case .rollbackScripts:
            try await rollBackScripts(of: release, train: id)
            // They have run: marked on the train as it is now, read again if a person changed it meanwhile (not run again).
            try await onCurrent(id) { current in
                var done = current
                done.release?.scriptsRolledBack = true
                done.updatedAt = clock.now()
                try await store.save(done, replacing: current, events: [event(done, kind: "train.release_scripts_rolled_back",
                                                                              message: "train \(id): rollback scripts of its applied scripts done")])
            }
        case .finish(let phase, let reason):
            try await finish(train, over: stored, phase: phase, reason: reason)
            return false
        case .waitForFreeze(let until, let reason):
            if train.release!.reason != reason {
                train.release!.reason = reason
                train.updatedAt = clock.now()
                try await save(train, over: &stored, events: [event(train, kind: "train.release_waiting", message: "train \(id): release waits", reason: reason)])
            }
            try await clock.sleep(until: until)
        case .waitForRollouts:
            let ids = Set(train.release!.entries.map(\.rolloutID))
            for await change in changes where ids.contains(change.id) { break }
            try Task.checkCancellation()
        }
        return true
    }

    /// Whether the rollout is past every wave that runs scripts (or has ended).
    func scriptsDone(_ rollout: RolloutRecord) -> Bool {
        guard rollout.phase.isActive, rollout.phase != .finishing else { return true }
        let lastScriptsWave = config.deployment.waves.lastIndex { $0.steps.contains(.scripts) } ?? -1
        return rollout.cursor.wave > lastScriptsWave
    }

    /// Creates the rollout of a stored entry. A refusal (another rollout of the service runs, a router
    /// is down) is the rollout's failure: the entry is recorded as rolled back with the refusal as reason.
    func create(_ entry: TrainRelease.Entry, train: TrainRecord) async throws -> TrainRecord {
        do {
            _ = try await rollouts.deploy(service: entry.service, version: entry.version, actor: "train:\(train.id)", id: entry.rolloutID,
                                          train: train.id, adjustments: entry.purpose == .deploy ? train.release?.adjustments : nil)
            return train
        } catch let refusal as Refusal {
            var failed = RolloutRecord(id: entry.rolloutID, service: entry.service, version: entry.version, createdBy: "train:\(train.id)",
                                       at: clock.now())
            failed.train = train.id
            failed.phase = .rolledBack
            failed.reason = "refused before it started: \(refusal.reason)"
            try await store.save(failed, events: [AuditEvent(at: failed.createdAt, actor: Self.actor, kind: "rollout.refused", subject: failed.id,
                                                             message: "rollout of \(entry.service) \(entry.version) for train \(train.id) refused",
                                                             reason: refusal.reason)])
            feed.publish(failed)
            return train
        }
    }

    /// Runs the rollback script of every script the release's rollouts applied and that is still
    /// applied, newest first. A failed rollback script is raised for a person, and the rest still run.
    func rollBackScripts(of release: TrainRelease, train: String) async throws {
        let ours = Set(release.entries.filter { $0.purpose == .deploy }.map(\.rolloutID))
        let applied = try await store.scripts().filter { $0.state == .applied && ours.contains($0.rolloutID) }
        for script in config.scripts.reversed() {
            guard let record = applied.first(where: { $0.name == script.name }) else { continue }
            guard let rollback = script.rollback else {
                try await ledger.audit(kind: "script.kept", subject: record.rolloutID, message: "script \(script.name) stays applied after train \(train)'s release",
                                       reason: ScriptSpec.expandOnlyReason)
                continue
            }
            let result = try await runner.run(path: config.resolve(path: rollback),
                                              environment: ["RAILYARD_ROLLOUT": record.rolloutID, "RAILYARD_TRAIN": train],
                                              timeout: script.timeout, logPath: paths.scriptLog(record.rolloutID), owner: paths.root,
                                              label: "script:\(script.name):rollback")
            try Task.checkCancellation()
            if result.succeeded {
                try await store.save(ScriptRecord(name: script.name, checksum: record.checksum, state: .rolledBack, rolloutID: record.rolloutID,
                                                  at: clock.now()))
                try await ledger.audit(kind: "script.rolled_back", subject: record.rolloutID, message: "rollback script of \(script.name) ran for the train's release")
            } else {
                try await ledger.audit(kind: "alert.rollback_script_failed", subject: record.rolloutID,
                                       message: "rollback script of \(script.name) failed (exit \(result.exitCode)): a person must check it",
                                       reason: result.outputTail.suffix(3).joined(separator: " | "))
            }
        }
    }

    /// Runs `body` on the train as stored now, and again on a fresh read if another writer stored it first (`StaleWrite`).
    func onCurrent(_ id: String, _ body: (TrainRecord) async throws -> Void) async throws {
        try await retryingStale {
            guard let current = try await store.train(id: id) else { return }
            try await body(current)
        }
    }

    /// Saves `train` in place of `stored` (what the controller read or last wrote), then takes it as stored.
    func save(_ train: TrainRecord, over stored: inout TrainRecord, events: [AuditEvent]) async throws {
        try await store.save(train, replacing: stored, events: events)
        stored = train
    }

    func finish(_ start: TrainRecord, over stored: TrainRecord, phase: TrainRelease.Phase, reason: String?) async throws {
        var train = start
        let before = train.state
        train.release!.phase = phase
        train.release!.reason = reason ?? train.release!.reason
        train.release!.endedAt = clock.now()
        let trainEvent: TrainEvent = phase == .released ? .released(by: Self.actor) : .rolledBack(reason: reason ?? "the release failed")
        train = try machine.apply(trainEvent, to: train, at: clock.now())
        let message = switch phase {
        case .released: "train \(train.id) released: every service is live"
        case .stuck: "train \(train.id) release stuck: a revert failed, a person must restore it"
        default: "train \(train.id) rolled back: its services run what they ran before"
        }
        try await store.save(train, replacing: stored, events: [event(train, kind: "train.\(trainEvent.name)", message: message, reason: reason,
                                                   before: before.rawValue, after: train.state.rawValue)])
    }

    func event(_ train: TrainRecord, kind: String, message: String, reason: String? = nil, before: String? = nil, after: String? = nil) -> AuditEvent {
        AuditEvent(at: clock.now(), actor: Self.actor, kind: kind, subject: "train:\(train.id)", message: message, reason: reason,
                   before: before, after: after)
    }
}
