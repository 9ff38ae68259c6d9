import Foundation

/// The release evidence of one train (`railyard train record`), built only from what Railyard
/// holds. Its parts follow PCI DSS v4 requirement 6.5.1 for a change to production: the reason, the
/// security and risk impact, the approvals, the testing, the way back, and what happened; it carries
/// the audit chain's head so that it can be checked against the log later.
public struct ChangeRecord: Codable, Sendable, Equatable {
    public struct Summary: Codable, Sendable, Equatable {
        public var train: String
        public var kind: TrainKind
        public var state: TrainState
        public var captain: String
        public var createdBy: String
        public var services: [String: String]
        public var fixes: String?
        public var stages: [StageEntry]
        public var skipped: [TrainRecord.Skip]
        public var productionAt: Date?
    }

    /// 6.5.1: the reason for the change.
    public struct Reason: Codable, Sendable, Equatable {
        public var tickets: [Ticket]
    }

    /// 6.5.1: the documented security and risk impact.
    public struct Impact: Codable, Sendable, Equatable {
        public var score: Int
        public var level: TrainPlan.Level
        public var tickets: [TrainPlan.TicketRisk]
        public var rules: [TrainPlan.Rule]
        public var problems: [String]
    }

    /// 6.5.1: documented change approval by authorized parties.
    public struct Approvals: Codable, Sendable, Equatable {
        public var review: TrainRecord.Review?
        public var checklist: [ApprovalItem]
        public var gates: [GateResult]
        public var overrides: [GateOverride]
        public var skips: [TrainRecord.Skip]
    }

    /// 6.5.1: testing to verify the change does not adversely impact security.
    public struct Testing: Codable, Sendable, Equatable {
        public var validations: [Validation]
        public var soakChanges: [SoakChange]
        public var nonRegression: String
        public var performance: String
    }

    /// 6.5.1: procedures to address failures and return to a secure state.
    public struct WayBack: Codable, Sendable, Equatable {
        public struct Revert: Codable, Sendable, Equatable {
            public var service: String
            public var from: String
            public var to: String
        }
        public struct Script: Codable, Sendable, Equatable {
            public var name: String
            public var apply: String
            /// The script that undoes it; nil when it is expand-only (nothing to undo).
            public var rollback: String?
            /// Applied, rolled back… as the store has it now; nil when never run.
            public var state: String?
        }
        public var order: [[String]]
        public var reverts: [Revert]
        public var scripts: [Script]
        public var procedure: String
    }

    /// What happened in production: each rollout, its analyses and verdicts.
    public struct Production: Codable, Sendable, Equatable {
        public struct Rollout: Codable, Sendable, Equatable {
            public var id: String
            public var service: String
            public var version: String
            public var purpose: TrainRelease.Purpose
            public var phase: RolloutPhase
            public var reason: String?
            public var startedAt: Date
            public var endedAt: Date
            public var analyses: [Analysis]
        }
        public struct Analysis: Codable, Sendable, Equatable {
            public var id: String
            public var target: String
            public var verdict: VerdictKind?
            public var reason: String?
        }
        public var phase: TrainRelease.Phase?
        public var reason: String?
        public var rollouts: [Rollout]
    }

    public var generatedAt: Date
    public var summary: Summary
    public var reason: Reason
    public var impact: Impact
    public var approvals: Approvals
    public var testing: Testing
    public var wayBack: WayBack
    public var production: Production
    /// The train's own audit events, in order.
    public var events: [AuditEvent]
    public var auditHead: AuditHead?

    public init(generatedAt: Date, summary: Summary, reason: Reason, impact: Impact, approvals: Approvals, testing: Testing, wayBack: WayBack,
                production: Production, events: [AuditEvent], auditHead: AuditHead?) {
        self.generatedAt = generatedAt
        self.summary = summary
        self.reason = reason
        self.impact = impact
        self.approvals = approvals
        self.testing = testing
        self.wayBack = wayBack
        self.production = production
        self.events = events
        self.auditHead = auditHead
    }
}

extension ChangeRecord.Summary {
    public init(_ train: TrainRecord) {
        self.init(train: train.id, kind: train.kind, state: train.state, captain: train.captain, createdBy: train.createdBy,
                  services: train.services, fixes: train.fixes, stages: train.stages, skipped: train.skipped, productionAt: train.productionAt)
    }
}
