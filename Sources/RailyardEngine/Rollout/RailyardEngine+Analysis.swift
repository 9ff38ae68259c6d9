import Foundation
import RailyardAdapters
import RailyardCore

/// The latest look of a running analysis, for `rollout watch` and the dashboard.
public struct LiveAnalysis: Codable, Sendable, Equatable {
    public var analysisID: String
    public var target: String
    public var look: AnalysisLook
    public var judgement: Judgement
    /// The router's weight of each group (stable, canary, baseline) in `target` at this look, as the
    /// router reported it; empty when it could not be read.
    public var weights: [String: Int]

    /// Spelt so that snake_case JSON (`analysis_id`) round-trips.
    enum CodingKeys: String, CodingKey { case analysisID = "analysisId", target, look, judgement, weights }

    public init(analysisID: String, target: String, look: AnalysisLook, judgement: Judgement, weights: [String: Int] = [:]) {
        self.analysisID = analysisID
        self.target = target
        self.look = look
        self.judgement = judgement
        self.weights = weights
    }

    /// A server older than `weights` sends none: read as empty.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(analysisID: try c.decode(String.self, forKey: .analysisID), target: try c.decode(String.self, forKey: .target),
                  look: try c.decode(AnalysisLook.self, forKey: .look), judgement: try c.decode(Judgement.self, forKey: .judgement),
                  weights: try c.decodeIfPresent([String: Int].self, forKey: .weights) ?? [:])
    }
}

enum AnalysisOutcome: Equatable {
    case passed
    case inconclusive(String)
}

extension RailyardEngine {
    /// Reads baseline and canary at every interval of the injected clock and asks the judge. Stores
    /// every look and the verdict. Fail throws (the rollback carries the judge's reason); inconclusive
    /// at the deadline is handed to a person. Re-run after a restart, it starts a fresh window.
    func runAnalysis(_ spec: AnalysisSpec, record: RolloutRecord, target: String) async throws -> AnalysisOutcome {
        guard let service = config.service(named: record.service) else { throw StepFailure("service \(record.service) is gone from railyard.yml") }
        let stable = record.targets[target]?.stableVersion ?? service.initialVersion
        let judge = JudgeFactory.make(spec)
        let startedAt = clock.now()
        var analysis = AnalysisRecord(id: "\(record.id)-\(target)-\(Int(startedAt.timeIntervalSince1970))", rolloutID: record.id,
                                      service: service.name, target: target, baselineVersion: stable, canaryVersion: record.version,
                                      spec: spec, startedAt: startedAt)
        try await store.save(analysis)
        try await fleet.audit(actor: Self.actor, kind: "analysis.started", subject: record.id,
                              message: "analysis \(analysis.id): \(record.version) (canary) vs \(stable) (baseline) in \(target), every \(DurationText.format(spec.interval)) for up to \(DurationText.format(spec.maxDuration))")
        let start = try await readGroups(service: service, stable: stable, version: record.version, target: target)
        let interval = spec.interval.timeInterval, deadline = spec.maxDuration.timeInterval
        var looks: [AnalysisLook] = []
        var lastReading = start
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
            } catch {
                try await fleet.audit(actor: Self.actor, kind: "analysis.read_failed", subject: record.id,
                                      message: "could not read metrics at \(Int(elapsed))s; this look is skipped", reason: "\(error)")
                if !isFinal { continue }
                now = lastReading
            }
            let look = AnalysisLook(elapsed: elapsed, baseline: now.baseline.since(start.baseline), canary: now.canary.since(start.canary))
            looks.append(look)
            var judgement = judge.judge(looks, final: isFinal)
            if isFinal, judgement.verdict == .inconclusive, look.baseline.requests == 0 || look.canary.requests == 0 {
                judgement = Judgement(verdict: .fail, reason: "no data after \(DurationText.format(spec.maxDuration)): baseline \(Int(look.baseline.requests)) requests, canary \(Int(look.canary.requests))",
                                      metrics: judgement.metrics)
            }
            try await store.appendLook(analysisID: analysis.id, seq: looks.count, look: look, judgement: judgement)
            // Asking the router is for display only: a look that decides does not wait for it.
            let decides = judgement.verdict != .inconclusive || isFinal
            let weights = decides ? liveAnalyses[record.id]?.weights ?? [:] : await routedWeights(service: service.name, target: target)
            liveAnalyses[record.id] = LiveAnalysis(analysisID: analysis.id, target: target, look: look, judgement: judgement, weights: weights)
            publish(record)
            if judgement.verdict == .inconclusive && !isFinal { continue }
            analysis.endedAt = clock.now()
            analysis.verdict = judgement.verdict
            analysis.reason = judgement.reason
            try await store.save(analysis)
            try await fleet.audit(actor: Self.actor, kind: "analysis.\(judgement.verdict.rawValue)", subject: record.id,
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

    public func liveAnalysis(rolloutID: String) -> LiveAnalysis? { liveAnalyses[rolloutID] }

    /// A stored analysis with its looks, for `railyard analysis show`.
    public func analysisReport(id: String) async throws -> (record: AnalysisRecord, looks: [(look: AnalysisLook, judgement: Judgement)]) {
        guard let record = try await store.analysis(id: id) else { throw Refusal(.notFound, "no analysis '\(id)'") }
        return (record, try await store.looks(analysisID: id))
    }

    /// The analyses of a rollout, oldest first; refused as not found for an unknown rollout.
    public func analyses(rolloutID: String) async throws -> [AnalysisRecord] {
        _ = try await existing(rolloutID)
        return try await store.analyses(rolloutID: rolloutID)
    }
}
