import Foundation
import RailyardCore
import RailyardPorts

/// What people ask of rollouts (deploy, approve, abort) and what they read. Each request is checked,
/// refused with its reason or stored, and handed to the controller; nothing here runs a step.
public struct RolloutRequests: Sendable {
    let config: RailyardConfig
    let store: any RailyardStore
    let fleet: Fleet
    let ledger: RolloutLedger
    let controller: RolloutController
    let feed: RolloutFeed
    let clock: any WallClock

    /// Starts a rollout of `version` of `service` through the deployment process.
    /// - Parameters:
    ///   - id: the rollout's id when the caller stored it first (a train's release); made up otherwise.
    ///   - train: the train whose release this rollout is part of.
    public func deploy(service: String, version: String, actor: String, id givenID: String? = nil, train: String? = nil,
                       adjustments: RolloutAdjustments? = nil) async throws -> RolloutRecord {
        guard let spec = config.service(named: service) else {
            let hint = Suggestion.hint(for: service, among: config.services.map(\.name))
            throw Refusal(.notFound, "no service '\(service)' in railyard.yml\(hint)", field: "service")
        }
        guard VersionName.isValid(version) else {
            throw Refusal(.badRequest, "version '\(version)' is not valid: \(VersionName.rule)", field: "version")
        }
        if let running = try await store.activeRollouts().first(where: { $0.service == service }) {
            throw Refusal(.conflict, StoreConflict.rolloutInProgress(running).description)
        }
        let stable = try await store.stableVersions()[service] ?? [:]
        let waveTargets = config.deployment.waves.compactMap(\.target)
        if !waveTargets.isEmpty, waveTargets.allSatisfy({ (stable[$0] ?? spec.initialVersion) == version }) {
            throw Refusal(.conflict, "\(service) \(version) is already the stable version in \(waveTargets.joined(separator: ", "))")
        }
        for target in Set(waveTargets).sorted() {
            guard let router = try await fleet.routerRecord(for: target), router.running, fleet.isAlive(router) else {
                throw Refusal(.conflict, "the router of \(target) is not running: run `railyard up` first")
            }
        }
        let id = givenID ?? Self.newID(service: service, version: version)
        var record = RolloutRecord(id: id, service: service, version: version, createdBy: actor, at: clock.now())
        record.train = train
        record.adjustments = adjustments.flatMap { $0.isNone ? nil : $0 }
        let created = AuditEvent(at: record.createdAt, actor: actor, kind: "rollout.created", subject: id,
                                 message: "rollout of \(service) \(version) created by \(actor)" + (train.map { " for train \($0)" } ?? ""),
                                 reason: record.adjustments.map { "steps adjusted by the train's plan: " + $0.reasons.joined(separator: "; ") })
        // The check above answers most; the store's own, in the write, stops a deploy of the service racing this one.
        do {
            try await store.create(record, events: [created])
        } catch let conflict as StoreConflict {
            throw Refusal(.conflict, conflict.description)
        }
        feed.publish(record)
        await controller.startDriving(id)
        return record
    }

    public static func newID(service: String, version: String) -> String {
        "\(service)-\(version)-\(String(UInt32.random(in: 0...0xFFFF), radix: 16).leftPadded(to: 4))"
    }

    /// Records `actor`'s approval. A production change needs four eyes: its deployer cannot approve it.
    public func approve(id: String, actor: String) async throws -> RolloutRecord {
        // Through the gate: a late watch's rollback, stored meanwhile, is read here (and the approval refused) rather
        // than overwritten by an approval read before it.
        let (record, next) = try await controller.watchGate.through(id) { () async throws -> (RolloutRecord, RolloutRecord) in
            try await ledger.onCurrent(id) { record in
                if let refusal = FourEyes.refusal(approver: actor, of: record, reachesProduction: config.deploymentReachesProduction) {
                    throw Refusal(.forbidden, refusal)
                }
                return (record, try await ledger.transition(record, .approved(by: actor), actor: actor,
                                                            message: "approved by \(actor) at wave '\(ledger.machine.wave(of: record).name)'"))
            }
        }
        // Told on its own task: a notifier that hangs (up to its timeout) holds up neither the answer nor the rollout.
        Task { [controller] in await controller.waitEnded(record, how: "approved by \(actor)") }
        return next
    }

    /// Stops the rollout where it is and rolls it back: traffic to stable first, then instances, then scripts.
    public func abort(id: String, actor: String, reason: String) async throws -> RolloutRecord {
        var record = try await ledger.existing(id)
        guard record.phase.isActive else {
            throw Refusal(.conflict, "rollout \(id) has already ended (\(record.phase.rawValue))")
        }
        if record.phase == .rollingBack || record.phase == .finishing {
            do {
                _ = try ledger.machine.apply(.abortRequested(by: actor, reason: reason), to: record, at: clock.now())
            } catch {
                throw Refusal(.conflict, error.message)
            }
        }
        // Stop the driving task first, so no step runs after the rollback has begun.
        await controller.stopDriving(id)
        let next: RolloutRecord
        do {
            next = try await ledger.onCurrent(id) { [ledger] current in
                record = current
                return try await ledger.transition(current, .abortRequested(by: actor, reason: reason), actor: actor,
                                                   message: "rollback started: aborted by \(actor)", reason: reason)
            }
        } catch {
            // Refused (it began to finish meanwhile): driven again from where it is, not left without a driver.
            await controller.startDriving(id)
            throw error
        }
        await controller.startDriving(id)
        Task { [controller] in await controller.waitEnded(record, how: "aborted by \(actor): \(reason)") }
        return next
    }

    public func rollout(id: String) async throws -> RolloutRecord { try await ledger.existing(id) }
    public func rollouts(limit: Int = 50) async throws -> [RolloutRecord] { try await store.rollouts(limit: limit) }
    public func history(subject: String?, limit: Int = 200) async throws -> [AuditEvent] { try await store.events(subject: subject, limit: limit) }

    /// Waits until the rollout reaches a terminal phase, or waits for a person, or nothing drives it any
    /// more (it stalled on an unexpected error). Listens to the changes as they are stored.
    public func settle(id: String) async throws -> RolloutRecord {
        let changes = feed.changes()
        func settled(_ record: RolloutRecord) async -> Bool {
            if record.phase.isTerminal || record.phase == .awaitingApproval { return true }
            return await !controller.isDriving(id)
        }
        let record = try await ledger.existing(id)
        if await settled(record) { return record }
        for await change in changes where change.id == id {
            let current = try await ledger.existing(id)
            if await settled(current) { return current }
        }
        try Task.checkCancellation()
        return try await ledger.existing(id)
    }

    public func liveAnalysis(rolloutID: String) -> LiveAnalysis? { feed.live(for: rolloutID) }

    /// A stored analysis with its looks, for `railyard analysis show`.
    public func analysisReport(id: String) async throws -> (record: AnalysisRecord, looks: [(look: AnalysisLook, judgement: Judgement)]) {
        guard let record = try await store.analysis(id: id) else { throw Refusal(.notFound, "no analysis '\(id)'") }
        return (record, try await store.looks(analysisID: id))
    }

    /// The analyses of a rollout, oldest first; refused as not found for an unknown rollout.
    public func analyses(rolloutID: String) async throws -> [AnalysisRecord] {
        _ = try await ledger.existing(rolloutID)
        return try await store.analyses(rolloutID: rolloutID)
    }
}
