import RailyardCore
import RailyardPorts

/// `scripts`: applies the pre-deployment scripts of railyard.yml in order, each once. An applied
/// script whose file changed since is refused: production would no longer match what was reviewed.
struct ScriptsStep: StepExecutor {
    let config: RailyardConfig
    let store: any RailyardStore
    let runner: any ScriptRunner
    let files: any ScriptFiles
    let paths: RailyardPaths
    let clock: any WallClock
    let ledger: RolloutLedger

    func run(_ start: RolloutRecord, wave: WaveSpec) async throws -> StepOutcome {
        var record = start
        if !record.stepStarted { record = try await ledger.transition(record, .stepStarted(.none), message: "running pre-deployment scripts") }
        let applied = Dictionary(try await store.scripts().map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        var checksums: [String: String] = [:]
        for script in config.scripts {
            let path = config.resolve(path: script.apply)
            do {
                checksums[script.name] = try files.sha256(ofFileAt: path)
            } catch {
                throw StepFailure("script \(script.name): \(error)")
            }
            if let previous = applied[script.name], previous.state == .applied, previous.checksum != checksums[script.name] {
                throw StepFailure("script \(script.name) changed since rollout \(previous.rolloutID) applied it " +
                                  "(recorded sha256 \(previous.checksum.prefix(12)), file now \(checksums[script.name]!.prefix(12))); refusing to go on")
            }
        }
        for script in config.scripts {
            let checksum = checksums[script.name]!
            if let previous = applied[script.name], previous.state == .applied {
                if previous.rolloutID != record.id || record.appliedScripts.contains(script.name) { continue }
            }
            record = try await ledger.transition(record, .scriptStarted(name: script.name), message: "applying script \(script.name)")
            try await store.save(ScriptRecord(name: script.name, checksum: checksum, state: .applying, rolloutID: record.id, at: clock.now()))
            let result = try await runner.run(path: config.resolve(path: script.apply), environment: Self.environment(record),
                                              timeout: script.timeout, logPath: paths.scriptLog(record.id),
                                              owner: paths.root, label: "script:\(script.name)")
            try Task.checkCancellation()
            guard result.succeeded else {
                try await store.save(ScriptRecord(name: script.name, checksum: checksum, state: .failed, rolloutID: record.id, at: clock.now()))
                let why = result.timedOut ? "timed out after \(DurationText.format(script.timeout))" : "exited \(result.exitCode)"
                throw StepFailure("script \(script.name) \(why): \(result.outputTail.suffix(3).joined(separator: " | "))")
            }
            try await store.save(ScriptRecord(name: script.name, checksum: checksum, state: .applied, rolloutID: record.id, at: clock.now()))
            try await ledger.audit(kind: "script.applied", subject: record.id, message: "script \(script.name) applied (sha256 \(checksum.prefix(12)))")
        }
        return .completed(record)
    }

    static func environment(_ record: RolloutRecord) -> [String: String] {
        ["RAILYARD_ROLLOUT": record.id, "RAILYARD_SERVICE": record.service, "RAILYARD_VERSION": record.version]
    }
}
