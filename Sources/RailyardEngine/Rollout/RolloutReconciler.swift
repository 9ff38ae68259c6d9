import Foundation
import RailyardCore
import RailyardPorts

/// On start, after the processes are settled: rolls back a rollout whose new instances died while
/// Railyard was down, and puts each router back on the stored weight, recording what it found.
struct RolloutReconciler: Sendable {
    let fleet: Fleet
    let store: any RailyardStore
    let ledger: RolloutLedger

    func reconcile(lost: [InstanceRecord]) async throws {
        let actor = ProcessReconciler.actor
        for var record in try await store.activeRollouts() {
            let lostNew = lost.filter { $0.rolloutID == record.id && $0.version == record.version }
            if !lostNew.isEmpty, [.running, .paused, .awaitingApproval].contains(record.phase) {
                let names = lostNew.map { "\($0.target)/\($0.address)" }.joined(separator: ", ")
                record = try await ledger.onCurrent(record.id) { [ledger] current in
                    guard [.running, .paused, .awaitingApproval].contains(current.phase) else { return current }
                    return try await ledger.transition(current, .stepFailed(reason: "new-version instance(s) \(names) died while Railyard was down"),
                                                       actor: actor, message: "rolling back: the new version lost instances while Railyard was down")
                }
            }
            guard record.phase != .rollingBack else { continue } // rollback actions re-run idempotently
            for (target, progress) in record.targets.sorted(by: { $0.key < $1.key }) {
                guard let routerRecord = try await fleet.routerRecord(for: target), routerRecord.running else { continue }
                let actual = (try? await fleet.actualCanaryWeight(service: record.service, target: target)) ?? nil
                let recorded = progress.canaryWeight
                if actual != recorded {
                    try await ledger.audit(actor: actor, kind: "router.reconciled", subject: record.id,
                                           message: "router of \(target) had \(actual.map { "\($0)%" } ?? "no canary") on \(record.version); the store says \(recorded)%: applying \(recorded)%")
                    try await fleet.route(service: record.service, target: target, stable: progress.stableVersion,
                                          canary: record.version, canaryWeight: recorded)
                } else {
                    try await ledger.audit(actor: actor, kind: "router.reconciled", subject: record.id,
                                           message: "router of \(target) at \(recorded)% on \(record.version), as stored")
                }
            }
        }
    }
}
