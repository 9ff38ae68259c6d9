import Foundation

/// One analysis of a canary against its baseline: its settings and, once decided, its verdict.
/// Its looks (samples and the judgement at each) are stored beside it.
public struct AnalysisRecord: Codable, Sendable, Equatable {
    public var id: String
    public var rolloutID: String
    public var service: String
    public var target: String
    public var baselineVersion: String
    public var canaryVersion: String
    public var spec: AnalysisSpec
    public var startedAt: Date
    public var endedAt: Date?
    public var verdict: VerdictKind?
    public var reason: String?
    /// Each group's counters when the analysis began: every look counts from them. Stored with the record
    /// so that a restarted server resumes the analysis, its evidence and its α, instead of starting over.
    public var baselineStart: GroupCounters?
    public var canaryStart: GroupCounters?
    /// The stable group's, when it is counted as an extra control.
    public var stableStart: GroupCounters?
    /// The rollout step that runs it: a restart at that step resumes this analysis, or keeps its verdict.
    public var cursor: StepCursor?
    /// After a pass, the canary still watched until its wave promotes.
    public var lateWatch: LateWatchState?

    /// Spelt so that snake_case JSON (`rollout_id`) round-trips.
    enum CodingKeys: String, CodingKey {
        case id, rolloutID = "rolloutId", service, target, baselineVersion, canaryVersion, spec, startedAt, endedAt, verdict, reason,
             baselineStart, canaryStart, stableStart, cursor, lateWatch
    }

    public init(id: String, rolloutID: String, service: String, target: String, baselineVersion: String, canaryVersion: String,
                spec: AnalysisSpec, startedAt: Date) {
        self.id = id
        self.rolloutID = rolloutID
        self.service = service
        self.target = target
        self.baselineVersion = baselineVersion
        self.canaryVersion = canaryVersion
        self.spec = spec
        self.startedAt = startedAt
    }
}
