import Foundation
import RailyardCore
import RailyardPorts

/// The change record of a train, from what the store holds.
extension TrainRequests {
    public func record(train id: String) async throws -> ChangeRecord {
        let train = try await train(id: id)
        var rollouts: [(entry: TrainRelease.Entry, rollout: RolloutRecord, analyses: [AnalysisRecord])] = []
        for entry in train.release?.entries ?? [] {
            guard let rollout = try await store.rollout(id: entry.rolloutID) else { continue }
            rollouts.append((entry, rollout, try await store.analyses(rolloutID: rollout.id)))
        }
        let beforeProduction = !train.state.isFinal && train.state != .production
        let sources = ChangeRecord.Sources(
            train: train, tickets: try await store.tickets(train: id), validations: try await store.validations(train: id),
            gates: beforeProduction ? try await gates(of: train, to: .production, skipping: false) : [],
            scripts: try await store.scripts().map { ChangeRecord.ScriptState(name: $0.name, state: $0.state.rawValue) },
            stable: try await store.stableVersions(), rollouts: rollouts,
            events: try await store.events(subject: "train:\(id)", limit: 5000), auditHead: try await store.auditHead(),
            nightly: try await newestFullNightly(train: id))
        return ChangeRecord.build(sources, config: config, now: clock.now())
    }
}
