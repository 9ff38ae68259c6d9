import Foundation
import RailyardAdapters
import RailyardCore

extension RailyardEngine {
    /// At start: compares what the store says with what really runs (processes, routers' real
    /// weights), records every difference, then resumes or rolls back each active rollout.
    public func start() async throws {
        try await reconcile()
        if alertTask == nil { alertTask = Task { await alerts.run() } }
        for record in try await store.activeRollouts() where drivers[record.id] == nil {
            startDriving(record.id)
        }
    }

    public func reconcile() async throws {
        let actor = "railyard (restart)"
        for var router in try await store.routers() where router.running && !fleet.isAlive(router) {
            router.running = false
            try await store.save(router)
            try await fleet.audit(actor: actor, kind: "alert.router_down", subject: router.target,
                                  message: "the router of \(router.target) (pid \(router.pid ?? -1)) is not running: its traffic is down; `railyard up` starts it again")
        }
        var lost: [InstanceRecord] = []
        for instance in try await store.instances(includeStopped: false) where !fleet.isAlive(instance) {
            try await fleet.markGone(instance, actor: actor, why: "found dead when Railyard restarted")
            lost.append(instance)
        }
        for var record in try await store.activeRollouts() {
            let lostNew = lost.filter { $0.rolloutID == record.id && $0.version == record.version }
            if !lostNew.isEmpty, [.running, .paused, .awaitingApproval].contains(record.phase) {
                let names = lostNew.map { "\($0.target)/\($0.address)" }.joined(separator: ", ")
                record = try await transition(record, .stepFailed(reason: "new-version instance(s) \(names) died while Railyard was down"),
                                              actor: actor, message: "rolling back: the new version lost instances while Railyard was down")
            }
            guard record.phase != .rollingBack else { continue } // rollback actions re-run idempotently
            for (target, progress) in record.targets.sorted(by: { $0.key < $1.key }) {
                guard let routerRecord = try await fleet.routerRecord(for: target), routerRecord.running else { continue }
                let actual = (try? await fleet.actualCanaryWeight(service: record.service, target: target)) ?? nil
                let recorded = progress.canaryWeight
                if actual != recorded {
                    try await fleet.audit(actor: actor, kind: "router.reconciled", subject: record.id,
                                          message: "router of \(target) had \(actual.map { "\($0)%" } ?? "no canary") on \(record.version); the store says \(recorded)%: applying \(recorded)%")
                    try await fleet.route(service: record.service, target: target, stable: progress.stableVersion,
                                          canary: record.version, canaryWeight: recorded)
                } else {
                    try await fleet.audit(actor: actor, kind: "router.reconciled", subject: record.id,
                                          message: "router of \(target) at \(recorded)% on \(record.version), as stored")
                }
            }
        }
    }

    /// Stops driving every rollout (for a clean shutdown); their stored state is where a restart resumes.
    public func shutdown() async {
        alertTask?.cancel()
        await alertTask?.value
        alertTask = nil
        for (_, task) in drivers { task.cancel() }
        for (_, task) in drivers { await task.value }
        drivers.removeAll()
        for continuation in approvalSignals.values { continuation.finish() }
        approvalSignals.removeAll()
        for watcher in watchers.values { watcher.finish() }
        watchers.removeAll()
    }
}
