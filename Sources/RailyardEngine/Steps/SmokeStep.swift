import RailyardCore
import RailyardPorts

/// `smoke`: every new instance in the target answers its health path and each smoke path with 2xx.
struct SmokeStep: StepExecutor {
    let fleet: Fleet
    let probe: any HTTPProbe
    let ledger: RolloutLedger

    func run(_ start: RolloutRecord, wave: WaveSpec) async throws -> StepOutcome {
        var record = start
        let spec = try fleet.spec(of: record), target = wave.target ?? ""
        if !record.stepStarted { record = try await ledger.transition(record, .stepStarted(.none), message: "smoke tests in \(target)") }
        let instances = try await fleet.liveInstances(service: spec.name, version: record.version, target: target)
        guard !instances.isEmpty else { throw StepFailure("smoke: no instance of \(spec.name) \(record.version) runs in \(target)") }
        for instance in instances {
            for path in [spec.healthPath] + spec.smokePaths {
                let url = "http://\(instance.address)\(path)"
                let status: Int
                do {
                    status = try await probe.get(url, timeout: .seconds(5))
                } catch let error as CancellationError {
                    throw error
                } catch {
                    throw StepFailure("smoke: GET \(url) failed: \(error)")
                }
                guard (200..<300).contains(status) else { throw StepFailure("smoke: GET \(url) answered \(status)") }
            }
        }
        return .completed(record)
    }
}
