import Foundation
import RailyardCore
import RailyardPorts

/// After an analysis passed, until its wave promotes: reads the canary and its baseline at every
/// analysis interval and feeds the stored `LateWatchState`, saving it before anything is done about it.
/// Runs beside the rollout's steps (the controller's `driveAndWatch`); returns the reason when the
/// watch shows a late regression, for the controller to roll back.
struct LateRegressionWatcher {
    let analysisStep: AnalysisStep
    let machine: RolloutMachine
    let store: any RailyardStore
    let clock: any WallClock
    let feed: RolloutFeed
    let ledger: RolloutLedger
    let gate: WatchGate

    /// The alarm's reason, or nil when cancelled.
    func run(_ id: String) async -> String? {
        while !Task.isCancelled {
            do {
                let changes = feed.changes()
                guard let (analysis, state) = try await watched(id) else {
                    // Nothing to watch: wait until the rollout moves (a pass, a new wave).
                    for await change in changes where change.id == id { break }
                    continue
                }
                if state.alarmed { return state.alarmReason }  // decided before a restart, not yet acted on
                let interval = analysis.spec.interval.timeInterval
                try await clock.sleep(until: state.lastLookAt.addingTimeInterval(interval))
                // Through the gate: a promote about to run waits for this look to be saved, or has moved the rollout on.
                if let alarm = try await gate.through(id, { try await look(id, analysis: analysis.id) }) { return alarm }
            } catch is CancellationError {
                return nil
            } catch {
                guard !Task.isCancelled else { return nil }
                try? await ledger.audit(kind: "analysis.watch_stalled", subject: id,
                                        message: "the late-regression watch stopped on an unexpected error; it starts again with the rollout", reason: "\(error)")
                try? await clock.sleep(until: clock.now().addingTimeInterval(5))
            }
        }
        return nil
    }

    /// One look of the watch on `analysisID`, if it is still the one watched: the counters read, the state saved,
    /// then audited. The alarm's reason, or nil.
    func look(_ id: String, analysis analysisID: String) async throws -> String? {
        // The rollout may have moved on while the watch slept: only a wave still before its promote is watched.
        guard var (analysis, state) = try await watched(id), analysis.id == analysisID else { return nil }
        let record = try await ledger.existing(id)
        let service = try analysisStep.fleet.spec(of: record)
        let stable = record.targets[analysis.target]?.stableVersion ?? service.initialVersion
        let now: AnalysisStep.Reading
        do {
            // The metrics' own histograms too: the tail's watch may read one.
            now = try await analysisStep.readGroups(service: service, stable: stable, version: record.version, target: analysis.target,
                                                    counters: analysis.spec.namedCounters, histograms: analysis.spec.namedHistograms)
        } catch let error as CancellationError {
            throw error
        } catch {
            // A look that cannot be read is skipped: the watch goes on from the counters it has.
            state.lastLookAt = clock.now()
            analysis.lateWatch = state
            try await store.save(analysis, events: [ledger.event(kind: "analysis.watch_read_failed", subject: id,
                                                                 message: "late-regression watch of analysis \(analysis.id): could not read metrics; this look is skipped",
                                                                 reason: "\(error)")])
            return nil
        }
        let carrierBefore = state.shift?.carrier
        state.look(baseline: now.baseline, canary: now.canary, at: clock.now())
        if state.spent { state.ended = "watched \(state.watch.maxLooks) looks after the pass without an alarm" + state.heldNote }
        analysis.lateWatch = state
        // The look's state and what it found, in one write: a kill cannot keep the one without the other.
        var events: [AuditEvent] = []
        if let held = state.heldReason, state.shift?.carrier != carrierBefore {
            events.append(ledger.event(kind: "analysis.watch_held", subject: id,
                                       message: "late-regression watch of analysis \(analysis.id): an alarm held, carried by one canary instance", reason: held))
        }
        if state.alarmed {
            events.append(ledger.event(kind: "analysis.late_regression", subject: id, message: "analysis \(analysis.id): a regression after the pass",
                                       reason: state.alarmReason))
        } else if let ended = state.ended {
            events.append(ledger.event(kind: "analysis.watch_ended", subject: id, message: "late-regression watch of analysis \(analysis.id): \(ended)"))
        }
        try await store.save(analysis, events: events)
        return state.alarmed ? state.alarmReason : nil
    }

    /// The analysis whose watch is on for the rollout's current wave, with its state. A watch whose wave
    /// has moved on to its promote (or whose rollout left the running phases) is ended here, with why.
    func watched(_ id: String) async throws -> (analysis: AnalysisRecord, state: LateWatchState)? {
        let record = try await ledger.existing(id)
        var chosen: (analysis: AnalysisRecord, state: LateWatchState)?
        // Newest first: a later pass in the same wave takes over the watch.
        for var analysis in try await store.analyses(rolloutID: id).reversed() {
            guard var state = analysis.lateWatch, state.ended == nil, let cursor = analysis.cursor else { continue }
            let wave = machine.deployment.waves[cursor.wave]
            let promote = wave.steps.firstIndex { if case .promote = $0 { return true } else { return false } } ?? wave.steps.count
            var why: String?
            if record.phase == .rollingBack || record.phase == .rolledBack {
                why = state.alarmed ? "the rollout is \(record.phase.rawValue) after the late regression" : "the rollout is \(record.phase.rawValue)"
            } else if record.phase == .finishing || record.phase == .promoted || record.cursor.wave != cursor.wave || record.cursor.step > promote
                        || (record.cursor.step == promote && record.stepStarted) {
                // Watched up to the promote's start, also while a held promote waits for a person: a slowness that
                // spreads to the whole canary still rolls back, and the person decides on numbers still read.
                why = "wave '\(wave.name)' reached its promote" + state.heldNote
            } else if let chosen {
                why = "a later pass in the same wave (analysis \(chosen.analysis.id)) is watched instead"
            }
            if let why {
                state.ended = why
                analysis.lateWatch = state
                try await store.save(analysis, events: [ledger.event(kind: "analysis.watch_ended", subject: id,
                                                                     message: "late-regression watch of analysis \(analysis.id): \(why)")])
                continue
            }
            chosen = (analysis, state)
        }
        return chosen
    }
}
