import Foundation

/// One line of the append-only audit log: who did what, when, and why.
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

    public init(id: Int64? = nil, at: Date, actor: String, kind: String, subject: String, message: String, reason: String? = nil) {
        self.id = id
        self.at = at
        self.actor = actor
        self.kind = kind
        self.subject = subject
        self.message = message
        self.reason = reason
    }
}
