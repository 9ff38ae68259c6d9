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
        self.createdBy = createdBy
        self.createdAt = now
        self.updatedAt = now
    }

    /// Train ids: a sprint such as `2026.48`, or a hotfix such as `2026.48-hotfix.1`; 1-64 of letters,
    /// digits, '.', '_', '-', starting with a letter or digit.
    public static func isValidID(_ id: String) -> Bool { VersionName.isValid(id) && !id.contains("+") }
    public static let idRule = "1-64 characters: letters, digits, '.', '_', '-', starting with a letter or digit (e.g. 2026.48)"
}
