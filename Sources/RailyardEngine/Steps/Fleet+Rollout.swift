import RailyardCore

extension Fleet {
    /// The version serving `target` now, as stored (the configured initial version before any rollout).
    func stableVersion(of spec: ServiceSpec, in target: String) async throws -> String {
        try await store.stableVersions()[spec.name]?[target] ?? spec.initialVersion
    }

    /// Sends `weight`% of the rollout's service in `target` to its new version; a router that cannot
    /// be set fails the step.
    func routeRollout(_ record: RolloutRecord, target: String, weight: Int) async throws {
        do {
            let stable = record.targets[target]?.stableVersion ?? config.service(named: record.service)?.initialVersion ?? ""
            try await route(service: record.service, target: target, stable: stable, canary: record.version, canaryWeight: weight)
        } catch {
            throw StepFailure("could not set \(target)'s router to \(weight)% on \(record.version): \(error)")
        }
    }

    func spec(of record: RolloutRecord) throws -> ServiceSpec {
        guard let spec = config.service(named: record.service) else { throw StepFailure("service \(record.service) is no longer in railyard.yml") }
        return spec
    }
}
