import Foundation

/// One line of the append-only, hash-chained audit log: who did what, when, why, and the value
/// before and after.
public struct AuditEvent: Codable, Sendable, Equatable {
    public var id: Int64?
    public var at: Date
    public var actor: String
    /// e.g. `rollout.step_started`, `instance.started`, `router.reconciled`.
    public var kind: String
    /// What it is about: a rollout id, a service, a target.
    public var subject: String
    public var message: String
    public var reason: String?
    /// The value the action changed, before and after it (a rollout's phase and step, a token's state).
    public var before: String?
    public var after: String?

    public init(id: Int64? = nil, at: Date, actor: String, kind: String, subject: String, message: String, reason: String? = nil,
                before: String? = nil, after: String? = nil) {
        self.before = before
        self.after = after
        self.id = id
        self.at = at
        self.actor = actor
        self.kind = kind
        self.subject = subject
        self.message = message
        self.reason = reason
    }
}
