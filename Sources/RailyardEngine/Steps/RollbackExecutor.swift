import RailyardCore
import RailyardPorts

/// Runs one action of a rollback plan (traffic to stable, new instances stopped, a rollback script),
/// then records it done; the last one raises the rollback alert with its reason.
struct RollbackExecutor: Sendable {
    let config: RailyardConfig
    let fleet: Fleet
    let store: any RailyardStore
    let runner: any ScriptRunner
    let paths: RailyardPaths
    let clock: any WallClock
    let alerts: AlertEvaluator
    let ledger: RolloutLedger

    func run(_ action: RollbackAction, record: RolloutRecord) async throws {
        switch action {
        case .routeToStable(let target):
            let stable = record.targets[target]?.stableVersion ?? ""
            try await fleet.route(service: record.service, target: target, stable: stable, canary: nil, canaryWeight: 0)
        case .stopNewInstances(let target):
            let baselines = try await fleet.liveInstances(service: record.service, target: target, role: .baseline).filter { $0.rolloutID == record.id }
            let canaries = try await fleet.liveInstances(service: record.service, version: record.version, target: target)
            try await fleet.stop(canaries + baselines, actor: RolloutLedger.controllerActor, why: "rollback of \(record.id)")
        case .rollbackScript(let name):
            guard let script = config.scripts.first(where: { $0.name == name }) else { break }
            guard let rollback = script.rollback else {
                try await ledger.audit(kind: "script.kept", subject: record.id, message: "script \(name) stays applied", reason: ScriptSpec.expandOnlyReason)
                break
            }
            let result = try await runner.run(path: config.resolve(path: rollback), environment: ScriptsStep.environment(record),
                                              timeout: script.timeout, logPath: paths.scriptLog(record.id),
                                              owner: paths.root, label: "script:\(name):rollback")
            let checksum = try await store.scripts().first { $0.name == name }?.checksum ?? ""
            if result.succeeded {
                try await store.save(ScriptRecord(name: name, checksum: checksum, state: .rolledBack, rolloutID: record.id, at: clock.now()))
            } else {
                try await ledger.audit(kind: "alert.rollback_script_failed", subject: record.id,
                                       message: "rollback script of \(name) failed (exit \(result.exitCode)): a person must check it",
                                       reason: result.outputTail.suffix(3).joined(separator: " | "))
            }
        }
        let next = try await ledger.transition(record, .rollbackActionDone, message: "rollback: \(action)")
        if next.phase == .rolledBack {
            await alerts.raise(name: "RolloutRolledBack", summary: "\(record.service) \(record.version) rolled back (\(record.id))",
                               reason: record.reason ?? "no reason recorded",
                               labels: ["service": record.service, "version": record.version, "rollout": record.id])
        }
    }
}
