import RailyardCore
import RailyardPorts

/// `pause: 30s`: stores the deadline; the controller then waits for it on the injected clock.
struct PauseStep: StepExecutor {
    let duration: Duration
    let clock: any WallClock
    let ledger: RolloutLedger

    func run(_ record: RolloutRecord, wave: WaveSpec) async throws -> StepOutcome {
        let until = clock.now().addingTimeInterval(duration.timeInterval)
        try await ledger.transition(record, .pauseStarted(until: until), message: "baking for \(DurationText.format(duration)) in wave '\(wave.name)'")
        return .waiting
    }
}
