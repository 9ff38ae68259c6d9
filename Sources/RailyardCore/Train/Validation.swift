import Foundation

/// A tester's verdict on a ticket in one environment, with a comment. Validations are appended,
/// never edited: the latest one per ticket and environment is the ticket's standing there.
public struct Validation: Codable, Sendable, Equatable {
    public enum Verdict: String, Codable, Sendable, CaseIterable { case validated, rejected }
    public var ticket: String
    public var environment: String
    public var verdict: Verdict
    public var comment: String
    public var by: String
    public var at: Date

    public init(ticket: String, environment: String, verdict: Verdict, comment: String, by: String, at: Date) {
        self.ticket = ticket
        self.environment = environment
        self.verdict = verdict
        self.comment = comment
        self.by = by
        self.at = at
    }

    /// The latest verdict of each ticket in `environment`.
    public static func standing(_ validations: [Validation], in environment: String) -> [String: Validation] {
        var latest: [String: Validation] = [:]
        for validation in validations where validation.environment == environment { latest[validation.ticket] = validation }
        return latest
    }
}
