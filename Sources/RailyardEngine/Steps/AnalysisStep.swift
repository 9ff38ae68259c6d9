import Foundation
import RailyardCore
import RailyardPorts

/// `analysis`: reads baseline and canary at every interval of the injected clock and asks the judge.
/// Stores every look and the verdict. Fail throws (the rollback carries the judge's reason);
/// inconclusive at the deadline is handed to a person. Re-run after a restart, it starts a fresh window.
struct AnalysisStep: StepExecutor {
    let spec: AnalysisSpec
    let fleet: Fleet
    let store: any RailyardStore
    let metrics: any MetricSource
    let extractor: CountersExtractor
    let clock: any WallClock
    let feed: RolloutFeed
    let ledger: RolloutLedger
    let telemetry: EngineMetrics

    func run(_ start: RolloutRecord, wave: WaveSpec) async throws -> StepOutcome {
        var record = start
        let target = wave.target ?? ""
        if !record.stepStarted {
            record = try await ledger.transition(record, .stepStarted(.none),
                                                 message: "analysing \(record.version) against a baseline in \(target) (\(spec.judge.rawValue), α=\(spec.alpha))")
        }
        switch try await analyse(record, target: target) {
        case .passed:
            return .completed(record)
        case .inconclusive(let reason):
            try await ledger.transition(record, .analysisInconclusive(reason: reason),
                                        message: "analysis inconclusive: waiting for a person to approve or abort", reason: reason)
            return .waiting
        }
    }

    enum Outcome: Equatable {
        case passed
        case inconclusive(String)
    }

    func analyse(_ record: RolloutRecord, target: String) async throws -> Outcome {
        let service = try fleet.spec(of: record)
        let stable = record.targets[target]?.stableVersion ?? service.initialVersion
        let judge = JudgeFactory.make(spec)
        let startedAt = clock.now()
        var analysis = AnalysisRecord(id: "\(record.id)-\(target)-\(Int(startedAt.timeIntervalSince1970))", rolloutID: record.id,
                                      service: service.name, target: target, baselineVersion: stable, canaryVersion: record.version,
                                      spec: spec, startedAt: startedAt)
        try await store.save(analysis)
        try await ledger.audit(kind: "analysis.started", subject: record.id,
                               message: "analysis \(analysis.id): \(record.version) (canary) vs \(stable) (baseline) in \(target), every \(DurationText.format(spec.interval)) for up to \(DurationText.format(spec.maxDuration))")
        let first = try await readGroups(service: service, stable: stable, version: record.version, target: target)
        let interval = spec.interval.timeInterval, deadline = spec.maxDuration.timeInterval
        var looks: [AnalysisLook] = []
        var lastReading = first
        var step = 1
        while true {
            let elapsed = Double(step) * interval
            try await clock.sleep(until: startedAt.addingTimeInterval(elapsed))
            step += 1
            let isFinal = elapsed >= deadline
            let now: (baseline: GroupCounters, canary: GroupCounters)
            do {
                now = try await readGroups(service: service, stable: stable, version: record.version, target: target)
                lastReading = now
            } catch let error as CancellationError {
                throw error
            } catch {
                try await ledger.audit(kind: "analysis.read_failed", subject: record.id,
                                       message: "could not read metrics at \(Int(elapsed))s; this look is skipped", reason: "\(error)")
                if !isFinal { continue }
                now = lastReading
            }
            let look = AnalysisLook(elapsed: elapsed, baseline: now.baseline.since(first.baseline), canary: now.canary.since(first.canary))
            looks.append(look)
            var judgement = judge.judge(looks, final: isFinal)
            if isFinal, judgement.verdict == .inconclusive, look.baseline.requests == 0 || look.canary.requests == 0 {
                judgement = Judgement(verdict: .fail, reason: "no data after \(DurationText.format(spec.maxDuration)): baseline \(Int(look.baseline.requests)) requests, canary \(Int(look.canary.requests))",
                                      metrics: judgement.metrics)
            }
            try await store.appendLook(analysisID: analysis.id, seq: looks.count, look: look, judgement: judgement)
            // Asking the router is for display only: a look that decides does not wait for it.
            let decides = judgement.verdict != .inconclusive || isFinal
            let weights = decides ? feed.live(for: record.id)?.weights ?? [:] : await routedWeights(service: service.name, target: target)
            feed.setLive(LiveAnalysis(analysisID: analysis.id, target: target, look: look, judgement: judgement, weights: weights), for: record.id)
            feed.publish(record)
            if judgement.verdict == .inconclusive && !isFinal { continue }
            analysis.endedAt = clock.now()
            analysis.verdict = judgement.verdict
            analysis.reason = judgement.reason
            try await store.save(analysis)
            telemetry.analysisEnded(judgement.verdict)
            try await ledger.audit(kind: "analysis.\(judgement.verdict.rawValue)", subject: record.id,
                                   message: "analysis \(analysis.id): \(judgement.verdict.rawValue)", reason: judgement.reason)
            switch judgement.verdict {
            case .pass: return .passed
            case .fail: throw StepFailure("analysis failed: \(judgement.reason)")
            case .inconclusive: return .inconclusive("analysis inconclusive after \(DurationText.format(spec.maxDuration)): \(judgement.reason)")
            }
        }
    }

    /// Cumulative counters of the baseline and the canary groups, each summed over its instances.
    func readGroups(service: ServiceSpec, stable: String, version: String, target: String) async throws -> (baseline: GroupCounters, canary: GroupCounters) {
        let baseline = try await fleet.liveInstances(service: service.name, version: stable, target: target, role: .baseline).map(\.address)
        let canary = try await fleet.liveInstances(service: service.name, version: version, target: target).map(\.address)
        guard !baseline.isEmpty, !canary.isEmpty else {
            throw StepFailure("analysis needs baseline and canary instances in \(target): \(baseline.count) baseline, \(canary.count) canary running")
        }
        let extractor = extractor.ignoringProbes(of: service)
        async let b = metrics.read(instances: baseline, metricsPath: service.metricsPath, extractor: extractor)
        async let c = metrics.read(instances: canary, metricsPath: service.metricsPath, extractor: extractor)
        return (try await b, try await c)
    }

    /// What the router really does now, for the live view: a failed read shows no weights rather than
    /// stopping the analysis.
    func routedWeights(service: String, target: String) async -> [String: Int] {
        guard let groups = try? await fleet.router(for: target).snapshot().services[service] else { return [:] }
        return Dictionary(groups.map { ($0.name, $0.weight) }, uniquingKeysWith: +)
    }
}
