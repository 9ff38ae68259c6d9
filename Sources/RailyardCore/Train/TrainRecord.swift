import Foundation

/// One train as stored: the sprint's release, its captain, the service versions it carries and
/// where it stands.
public struct TrainRecord: Codable, Sendable, Equatable {
    public var id: String
    public var kind: TrainKind
    public var captain: String
    public var state: TrainState
    /// service → version, e.g. ["payin": "2026.48.1"].
    public var services: [String: String]
    /// For a hotfix train, the train it fixes.
    public var fixes: String?
    /// The stages a hotfix skipped, each with its reason.
    public var skipped: [Skip]
    /// Why it was cancelled or rolled back, when it was.
    public var reason: String?
    /// The release owner's signed risk review.
    public var review: Review?
    /// The production release: its rollouts in order, and the way back when one fails.
    public var release: TrainRelease?
    /// When the release ended with every service live.
    public var productionAt: Date?
    /// The release captain's checklist.
    public var approvals: [ApprovalItem]
    /// Gates an approver let the train pass, with the reasons.
    public var overrides: [GateOverride]
    /// Soaks ended early or extended.
    public var soakChanges: [SoakChange]
    /// Every stage the train entered, when: the measured durations behind forecasts and figures.
    public var stages: [StageEntry]
    /// The last change to the train's content (tickets imported or edited): a soak counts from it.
    public var lastChangeAt: Date?
    public var createdBy: String
    public var createdAt: Date
    public var updatedAt: Date

    /// Who signed the risk review, when, and the risk they signed for.
    public struct Review: Codable, Sendable, Equatable {
        public var by: String
        public var at: Date
        public var score: Int
        public var level: TrainPlan.Level
        public init(by: String, at: Date, score: Int, level: TrainPlan.Level) {
            self.by = by
            self.at = at
            self.score = score
            self.level = level
        }
    }

    public struct Skip: Codable, Sendable, Equatable {
        public var stage: TrainState
        public var reason: String
        public var by: String
        public init(stage: TrainState, reason: String, by: String) {
            self.stage = stage
            self.reason = reason
            self.by = by
        }
    }

    public init(id: String, kind: TrainKind = .regular, captain: String, services: [String: String] = [:], fixes: String? = nil,
                createdBy: String, at now: Date) {
        self.id = id
        self.kind = kind
        self.captain = captain
        self.state = .planned
        self.services = services
        self.fixes = fixes
        self.skipped = []
        self.reason = nil
        self.approvals = []
        self.overrides = []
        self.soakChanges = []
        self.stages = [StageEntry(state: .planned, at: now)]
        self.createdBy = createdBy
        self.createdAt = now
        self.updatedAt = now
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, captain, state, services, fixes, skipped, reason, review, release, productionAt, approvals, overrides, soakChanges
        case stages, lastChangeAt, createdBy, createdAt, updatedAt
    }

    /// Fields added after the first trains were stored read as empty when absent.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        kind = try c.decode(TrainKind.self, forKey: .kind)
        captain = try c.decode(String.self, forKey: .captain)
        state = try c.decode(TrainState.self, forKey: .state)
        services = try c.decode([String: String].self, forKey: .services)
        fixes = try c.decodeIfPresent(String.self, forKey: .fixes)
        skipped = try c.decodeIfPresent([Skip].self, forKey: .skipped) ?? []
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
        review = try c.decodeIfPresent(Review.self, forKey: .review)
        release = try c.decodeIfPresent(TrainRelease.self, forKey: .release)
        productionAt = try c.decodeIfPresent(Date.self, forKey: .productionAt)
        approvals = try c.decodeIfPresent([ApprovalItem].self, forKey: .approvals) ?? []
        overrides = try c.decodeIfPresent([GateOverride].self, forKey: .overrides) ?? []
        soakChanges = try c.decodeIfPresent([SoakChange].self, forKey: .soakChanges) ?? []
        createdBy = try c.decode(String.self, forKey: .createdBy)
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        updatedAt = try c.decode(Date.self, forKey: .updatedAt)
        stages = try c.decodeIfPresent([StageEntry].self, forKey: .stages) ?? [StageEntry(state: .planned, at: createdAt)]
        lastChangeAt = try c.decodeIfPresent(Date.self, forKey: .lastChangeAt)
    }

    /// When the train last entered `state`, if it did.
    public func entered(_ state: TrainState) -> Date? { stages.last { $0.state == state }?.at }

    /// Train ids: a sprint such as `2026.48`, or a hotfix such as `2026.48-hotfix.1`; 1-64 of letters,
    /// digits, '.', '_', '-', starting with a letter or digit.
    public static func isValidID(_ id: String) -> Bool { VersionName.isValid(id) && !id.contains("+") }
    public static let idRule = "1-64 characters: letters, digits, '.', '_', '-', starting with a letter or digit (e.g. 2026.48)"
}
