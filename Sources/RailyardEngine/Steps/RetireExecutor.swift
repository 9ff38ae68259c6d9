import RailyardCore
import RailyardPorts

/// Every wave passed: the new version becomes stable where it was promoted and the old instances stop.
struct RetireExecutor: Sendable {
    let fleet: Fleet
    let store: any RailyardStore
    let ledger: RolloutLedger

    func run(_ record: RolloutRecord) async throws {
        for (target, progress) in record.targets.sorted(by: { $0.key < $1.key }) where progress.promoted {
            try await store.setStableVersion(service: record.service, target: target, version: record.version)
            try await fleet.route(service: record.service, target: target, stable: record.version, canary: nil, canaryWeight: 0)
            if progress.stableVersion != record.version {
                try await fleet.stopInstances(service: record.service, version: progress.stableVersion, target: target,
                                              actor: RolloutLedger.controllerActor, why: "\(record.version) promoted by \(record.id)", role: nil)
            }
        }
        try await ledger.transition(record, .finished, message: "\(record.service) \(record.version) promoted everywhere")
    }
}
