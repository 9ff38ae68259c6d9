/// One named way of scoring a ticket's risk, in the spirit of Digital.ai Release's risk profiles:
/// each says what it scored and why, so the review shows the reasons, not only a number.
public struct RiskFinding: Codable, Sendable, Equatable {
    public var assessor: String
    public var score: Int
    public var why: String
    public init(assessor: String, score: Int, why: String) {
        self.assessor = assessor
        self.score = score
        self.why = why
    }
}

public protocol RiskAssessor: Sendable {
    var name: String { get }
    func assess(_ ticket: Ticket) -> RiskFinding?
}

/// The assessors the review runs, one per answer and two more.
public enum RiskAssessors {
    public static let all: [any RiskAssessor] = [Scripts(), Rollback(), Compatibility(), Scope(), Unanswered(), Breadth()]

    struct Scripts: RiskAssessor {
        let name = "scripts"
        func assess(_ ticket: Ticket) -> RiskFinding? {
            ticket.answers.scripts == true ? RiskFinding(assessor: name, score: 3, why: "changes the database: pre-deployment scripts run first") : nil
        }
    }

    struct Rollback: RiskAssessor {
        let name = "rollback"
        func assess(_ ticket: Ticket) -> RiskFinding? {
            ticket.answers.rollbackable == false
                ? RiskFinding(assessor: name, score: 5, why: "cannot be rolled back by redeploying the previous version") : nil
        }
    }

    struct Compatibility: RiskAssessor {
        let name = "compatibility"
        func assess(_ ticket: Ticket) -> RiskFinding? {
            ticket.answers.backwardCompatible == false
                ? RiskFinding(assessor: name, score: 4, why: "not backward-compatible: the services must deploy in dependency order") : nil
        }
    }

    struct Scope: RiskAssessor {
        let name = "scope"
        func assess(_ ticket: Ticket) -> RiskFinding? {
            ticket.answers.scope == .wide ? RiskFinding(assessor: name, score: 3, why: "wide scope: much of the platform is touched") : nil
        }
    }

    /// An unanswered question counts as a risky answer until someone answers it.
    struct Unanswered: RiskAssessor {
        let name = "unanswered"
        func assess(_ ticket: Ticket) -> RiskFinding? {
            let missing = ticket.answers.missing
            return missing.isEmpty ? nil : RiskFinding(assessor: name, score: 2 * missing.count,
                                                       why: "not answered yet: \(missing.joined(separator: ", ")) (counted as risky)")
        }
    }

    struct Breadth: RiskAssessor {
        let name = "breadth"
        func assess(_ ticket: Ticket) -> RiskFinding? {
            ticket.services.count >= 3 ? RiskFinding(assessor: name, score: 1, why: "touches \(ticket.services.count) services") : nil
        }
    }
}
