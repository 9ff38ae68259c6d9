import Foundation

/// A ticket a train carries: what changed, for whom, in which services, and the answers to the
/// release owner's four questions.
public struct Ticket: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    public var type: String
    public var owner: String
    /// The services it touches, by their names in railyard.yml.
    public var services: [String]
    /// When it was merged, for lead time; nil while it is not.
    public var mergedAt: Date?
    public var answers: RiskAnswers

    public init(id: String, title: String, type: String, owner: String, services: [String], mergedAt: Date? = nil,
                answers: RiskAnswers = RiskAnswers()) {
        self.id = id
        self.title = title
        self.type = type
        self.owner = owner
        self.services = services
        self.mergedAt = mergedAt
        self.answers = answers
    }

    /// Ticket keys as trackers write them (`PAY-1234`, `ENG-42`): 1-64 of letters, digits, '.', '_', '-'.
    public static func isValidID(_ id: String) -> Bool {
        (1...64).contains(id.count) && id.first.map { $0.isASCII && ($0.isLetter || $0.isNumber) } == true
            && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }
}

/// The seed's four questions, asked for every ticket at the release owner's review. nil: not answered yet.
public struct RiskAnswers: Codable, Sendable, Equatable {
    /// Does it need pre-deployment scripts (database changes)?
    public var scripts: Bool?
    /// Can it be rolled back by redeploying the previous version?
    public var rollbackable: Bool?
    /// Does the new version work with the other services' current versions?
    public var backwardCompatible: Bool?
    /// How much of the platform it touches.
    public var scope: Scope?

    public enum Scope: String, Codable, Sendable, CaseIterable {
        case narrow, wide
    }

    public init(scripts: Bool? = nil, rollbackable: Bool? = nil, backwardCompatible: Bool? = nil, scope: Scope? = nil) {
        self.scripts = scripts
        self.rollbackable = rollbackable
        self.backwardCompatible = backwardCompatible
        self.scope = scope
    }

    /// The questions still unanswered, in the ceremony's order.
    public var missing: [String] {
        [scripts == nil ? "scripts" : nil, rollbackable == nil ? "rollbackable" : nil,
         backwardCompatible == nil ? "backward_compatible" : nil, scope == nil ? "scope" : nil].compactMap { $0 }
    }
}
