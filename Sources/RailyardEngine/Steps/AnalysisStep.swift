import Foundation
import RailyardCore
import RailyardPorts

/// `analysis`: reads baseline and canary at every interval of the injected clock and asks the judge.
/// Stores every look and the verdict. Fail throws (the rollback carries the judge's reason); undecided
/// at `max_duration` it watches on for up to `max_extension`, then hands the decision to a person, never
/// passing for want of a fail. Re-run after a restart, it resumes the analysis it had begun, from its
/// stored start counters and looks.
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
        var analysis: AnalysisRecord
        var looks: [AnalysisLook]
        let first: Reading
        let earlier = try await store.analyses(rolloutID: record.id).last { $0.cursor == record.cursor && $0.target == target }
        if let earlier, let verdict = earlier.verdict {
            // Decided before a kill, not yet acted on: the verdict stands.
            try await ledger.audit(kind: "analysis.resumed", subject: record.id,
                                   message: "analysis \(earlier.id) had ended \(verdict.rawValue) before a restart: its verdict stands", reason: earlier.reason)
            return try outcome(verdict, reason: earlier.reason ?? "", spec: earlier.spec, extended: false)
        }
        if let resumed = earlier, let baseline = resumed.baselineStart, let canary = resumed.canaryStart,
           resumed.canaryVersion == record.version, resumed.baselineVersion == stable {
            // The same sequential test goes on from its stored looks: its evidence is kept, its α not spent again.
            (analysis, looks, first) = (resumed, try await store.looks(analysisID: resumed.id).map(\.look), (baseline, canary, resumed.stableStart))
            try await ledger.audit(kind: "analysis.resumed", subject: record.id,
                                   message: "analysis \(analysis.id) resumed after a restart with its \(looks.count) looks: its evidence is kept and its α is not spent again")
        } else {
            first = try await readGroups(service: service, stable: stable, version: record.version, target: target, withStable: spec.stableAsControl,
                                         counters: spec.namedCounters, histograms: spec.namedHistograms)
            let startedAt = clock.now()
            analysis = AnalysisRecord(id: "\(record.id)-\(target)-\(Int(startedAt.timeIntervalSince1970))", rolloutID: record.id,
                                      service: service.name, target: target, baselineVersion: stable, canaryVersion: record.version,
                                      spec: spec, startedAt: startedAt)
            analysis.baselineStart = first.baseline
            analysis.canaryStart = first.canary
            analysis.stableStart = first.stable
            analysis.cursor = record.cursor
            looks = []
            try await store.save(analysis, events: [ledger.event(kind: "analysis.started", subject: record.id,
                                                                 message: "analysis \(analysis.id): \(record.version) (canary) vs \(stable) (baseline) in \(target), every \(DurationText.format(spec.interval)) for up to \(DurationText.format(spec.maxDuration))")])
        }
        // The settings it began with: a resumed analysis is judged as it started, whatever the config says now.
        let spec = analysis.spec
        let judge = JudgeFactory.make(spec)
        let startedAt = analysis.startedAt
        let interval = spec.interval.timeInterval, deadline = spec.maxDuration.timeInterval
        let extendedDeadline = deadline + spec.maxExtension.timeInterval
        var extended = (looks.last?.elapsed ?? 0) >= deadline
        var lastReading = first
        // The next look on the analysis' own schedule; looks missed while the server was down are not made up.
        var step = max(looks.count + 1, Int((clock.now().timeIntervalSince(startedAt) / interval).rounded(.up)))
        while true {
            let elapsed = Double(step) * interval
            try await clock.sleep(until: startedAt.addingTimeInterval(elapsed))
            step += 1
            let isFinal = elapsed >= deadline
            let lastLook = elapsed >= extendedDeadline
            let now: Reading
            do {
                now = try await readGroups(service: service, stable: stable, version: record.version, target: target, withStable: spec.stableAsControl,
                                           counters: spec.namedCounters, histograms: spec.namedHistograms)
                lastReading = now
            } catch let error as CancellationError {
                throw error
            } catch {
                try await ledger.audit(kind: "analysis.read_failed", subject: record.id,
                                       message: "could not read metrics at \(Int(elapsed))s; this look is skipped", reason: "\(error)")
                if !lastLook { continue }
                now = lastReading
            }
            // Each group counted since the start, instance by instance from the previous look where the source reads
            // instances apart (a restart does not send its totals back). The stable group counts from its own start;
            // with none at the start (or none now) it sits this look out.
            func counted(_ now: GroupCounters, _ start: GroupCounters, _ previous: GroupCounters?) -> GroupCounters {
                now.accumulated(onto: previous ?? start.since(start), start: start)
            }
            let stableSince = now.stable.flatMap { current in first.stable.map { counted(current, $0, looks.last?.stable) } }
            let look = AnalysisLook(elapsed: elapsed, baseline: counted(now.baseline, first.baseline, looks.last?.baseline),
                                    canary: counted(now.canary, first.canary, looks.last?.canary), stable: stableSince)
            looks.append(look)
            var judgement = judge.judge(looks, final: isFinal)
            if isFinal, judgement.verdict == .inconclusive, look.baseline.requests == 0 || look.canary.requests == 0 {
                judgement = Judgement(verdict: .fail, reason: "no data after \(DurationText.format(spec.maxDuration)): baseline \(Int(look.baseline.requests)) requests, canary \(Int(look.canary.requests))",
                                      metrics: judgement.metrics)
            }
            try await store.appendLook(analysisID: analysis.id, seq: looks.count, look: look, judgement: judgement)
            let undecidedAtDeadline = isFinal && judgement.verdict == .inconclusive
            if undecidedAtDeadline && !lastLook && !extended {
                extended = true
                try await ledger.audit(kind: "analysis.extended", subject: record.id,
                                       message: "analysis \(analysis.id): undecided after \(DurationText.format(spec.maxDuration)); watching up to \(DurationText.format(spec.maxExtension)) more",
                                       reason: judgement.reason)
            }
            // Asking the router is for display only: a look that decides does not wait for it.
            let decides = judgement.verdict != .inconclusive || lastLook
            let weights = decides ? feed.live(for: record.id)?.weights ?? [:] : await routedWeights(service: service.name, target: target)
            feed.setLive(LiveAnalysis(analysisID: analysis.id, target: target, look: look, judgement: judgement, weights: weights), for: record.id)
            feed.publish(record)
            if judgement.verdict == .inconclusive && !lastLook { continue }
            analysis.endedAt = clock.now()
            analysis.verdict = judgement.verdict
            analysis.reason = judgement.reason
            if judgement.verdict == .pass {
                // A pass ends the analysis, not the looking: the canary stays watched until its wave promotes.
                analysis.lateWatch = LateWatchState.start(for: spec, baseline: now.baseline, canary: now.canary, at: clock.now())
            }
            // The verdict and its audit event in one write: a kill cannot keep the one without the other.
            try await store.save(analysis, events: [ledger.event(kind: "analysis.\(judgement.verdict.rawValue)", subject: record.id,
                                   message: "analysis \(analysis.id): \(judgement.verdict.rawValue)"
                                       + (analysis.lateWatch.map { "; \($0.watchedText) stay\($0.tail == nil && $0.shift == nil ? "s" : "") watched against the baseline until the wave promotes (at most \(DurationText.format(spec.watchAfterPass)), \($0.watch.maxLooks) looks)" } ?? ""),
                                   reason: judgement.reason)])
            telemetry.analysisEnded(judgement.verdict)
            return try outcome(judgement.verdict, reason: judgement.reason, spec: spec, extended: extended)
        }
    }

    func outcome(_ verdict: VerdictKind, reason: String, spec: AnalysisSpec, extended: Bool) throws -> Outcome {
        switch verdict {
        case .pass: return .passed
        case .fail: throw StepFailure("analysis failed: \(reason)")
        case .inconclusive:
            let watched = DurationText.format(spec.maxDuration) + (extended ? " and \(DurationText.format(spec.maxExtension)) more" : "")
            return .inconclusive("analysis inconclusive after \(watched): \(reason)")
        }
    }

    /// One reading of the groups an analysis compares.
    typealias Reading = (baseline: GroupCounters, canary: GroupCounters, stable: GroupCounters?)

    /// Cumulative counters of the baseline and the canary groups, each summed over its instances, and of the
    /// stable group `withStable` (nil when none of its instances runs); with the service's own `counters` too.
    func readGroups(service: ServiceSpec, stable: String, version: String, target: String, withStable: Bool = false,
                    counters: [String] = [], histograms: [String] = []) async throws -> Reading {
        let baseline = try await fleet.liveInstances(service: service.name, version: stable, target: target, role: .baseline).map(\.address)
        let canary = try await fleet.liveInstances(service: service.name, version: version, target: target).map(\.address)
        guard !baseline.isEmpty, !canary.isEmpty else {
            throw StepFailure("analysis needs baseline and canary instances in \(target): \(baseline.count) baseline, \(canary.count) canary running")
        }
        let stableGroup = withStable ? try await fleet.liveInstances(service: service.name, version: stable, target: target).map(\.address) : []
        let extractor = extractor.ignoringProbes(of: service).reading(counters: counters).reading(histograms: histograms)
        async let b = metrics.read(instances: baseline, metricsPath: service.metricsPath, extractor: extractor)
        async let c = metrics.read(instances: canary, metricsPath: service.metricsPath, extractor: extractor)
        let s = stableGroup.isEmpty ? nil : try await metrics.read(instances: stableGroup, metricsPath: service.metricsPath, extractor: extractor)
        return (try await b, try await c, s)
    }

    /// What the router really does now, for the live view: a failed read shows no weights rather than
    /// stopping the analysis.
    func routedWeights(service: String, target: String) async -> [String: Int] {
        guard let groups = try? await fleet.router(for: target).snapshot().services[service] else { return [:] }
        return Dictionary(groups.map { ($0.name, $0.weight) }, uniquingKeysWith: +)
    }
}
