import Foundation

extension ChangeRecord {
    /// A pre-deployment script's state in the store (applied, rolled back…).
    public struct ScriptState: Sendable {
        public var name: String
        public var state: String
        public init(name: String, state: String) {
            self.name = name
            self.state = state
        }
    }

    /// What the store holds about a train, gathered by the engine for its change record.
    public struct Sources: Sendable {
        public var train: TrainRecord
        public var tickets: [Ticket]
        public var validations: [Validation]
        /// The production gates as they stand, for a train not in production yet.
        public var gates: [GateResult]
        public var scripts: [ScriptState]
        /// service → target → version, as the store has it now.
        public var stable: [String: [String: String]]
        /// The release's rollouts with the analyses of each.
        public var rollouts: [(entry: TrainRelease.Entry, rollout: RolloutRecord, analyses: [AnalysisRecord])]
        public var events: [AuditEvent]
        public var auditHead: AuditHead?
        /// The train's newest finished full nightly run.
        public var nightly: NightlyRunRecord?
        public init(train: TrainRecord, tickets: [Ticket], validations: [Validation], gates: [GateResult], scripts: [ScriptState],
                    stable: [String: [String: String]], rollouts: [(entry: TrainRelease.Entry, rollout: RolloutRecord, analyses: [AnalysisRecord])],
                    events: [AuditEvent], auditHead: AuditHead?, nightly: NightlyRunRecord? = nil) {
            self.nightly = nightly
            self.train = train
            self.tickets = tickets
            self.validations = validations
            self.gates = gates
            self.scripts = scripts
            self.stable = stable
            self.rollouts = rollouts
            self.events = events
            self.auditHead = auditHead
        }
    }

    public static let backOutProcedure = "Each rollout rolls itself back on a failed step or an abort: traffic to the stable version first, then "
        + "its new instances stopped, then the rollback scripts of what it applied, newest first. If one rollout of the train fails, the "
        + "train aborts the rollouts still in flight, then reverts the services already out, newest first (a rollout of the version that "
        + "ran before), then runs the rollback scripts of the scripts its rollouts applied."

    public static func build(_ sources: Sources, config: RailyardConfig, now: Date) -> ChangeRecord {
        let train = sources.train
        let plan = TrainPlanner.plan(train: train, tickets: sources.tickets, config: config)
        func gateText(_ gate: TrainGate, _ missing: String) -> String {
            guard let o = train.overrides.last(where: { $0.gate == gate }) else { return missing }
            return "\(missing); overridden by \(o.by) at \(o.at.formatted(.iso8601)): \(o.reason)"
        }
        let applied = Dictionary(sources.scripts.map { ($0.name, $0.state) }, uniquingKeysWith: { $1 })
        let lastTarget = config.deployment.waves.compactMap(\.target).last
        let reverts = train.services.sorted { $0.key < $1.key }.map { service, version in
            WayBack.Revert(service: service, from: version, to: train.release?.previous[service]
                           ?? lastTarget.flatMap { sources.stable[service]?[$0] } ?? config.service(named: service)?.initialVersion ?? "?")
        }
        let rollouts = sources.rollouts.map { item in
            Production.Rollout(id: item.rollout.id, service: item.rollout.service, version: item.rollout.version, purpose: item.entry.purpose,
                               phase: item.rollout.phase, reason: item.rollout.reason, startedAt: item.rollout.createdAt, endedAt: item.rollout.updatedAt,
                               analyses: item.analyses.map { Production.Analysis(id: $0.id, target: $0.target, verdict: $0.verdict, reason: $0.reason) })
        }
        return ChangeRecord(
            generatedAt: now, summary: Summary(train),
            reason: Reason(tickets: sources.tickets),
            impact: Impact(score: plan.score, level: plan.level, tickets: plan.tickets, rules: plan.rules, problems: plan.problems),
            approvals: Approvals(review: train.review, checklist: train.approvals, gates: sources.gates, overrides: train.overrides, skips: train.skipped),
            testing: Testing(validations: sources.validations, soakChanges: train.soakChanges,
                             nonRegression: sources.nightly.map { TrainGates.nonRegression(train: train, run: $0).reason }
                                 ?? gateText(.nonRegression, "no nightly run of this train finished"),
                             performance: gateText(.performance, "not run by Railyard (the performance campaign is not built yet)")),
            wayBack: WayBack(order: train.release?.batches ?? plan.order, reverts: reverts,
                             scripts: config.scripts.map { WayBack.Script(name: $0.name, apply: $0.apply, rollback: $0.rollback, state: applied[$0.name]) },
                             procedure: backOutProcedure),
            production: Production(phase: train.release?.phase, reason: train.release?.reason ?? (train.state == .rolledBack ? train.reason : nil),
                                   rollouts: rollouts),
            events: sources.events, auditHead: sources.auditHead)
    }
}
