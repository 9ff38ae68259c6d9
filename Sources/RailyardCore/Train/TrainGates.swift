import Foundation

/// Which gates a train's next move must pass, and whether each holds, with the reason. Pure: the
/// train requests read the stored data and refuse the move while a gate neither holds nor was
/// overridden by an approver.
public enum TrainGates {
    /// The gates of the move from `from` to `to`. Leaving testing by `advance` needs the tickets
    /// validated there; leaving a stage with a configured soak needs the soak done; entering
    /// production needs the review, the checklist, four eyes when a ticket is not rollbackable, the
    /// non-regression and the performance campaign. A hotfix's skip past testing is the approver's
    /// own decision, recorded with the skip, so it adds no validation gate.
    public static func gates(from: TrainState, to: TrainState, skipping: Bool, soak: [TrainState: Duration], fourEyes: Bool) -> [TrainGate] {
        var gates: [TrainGate] = []
        if from == .testing, !skipping { gates.append(.ticketsValidated) }
        if soak[from] != nil, !skipping { gates.append(.soak) }
        if to == .production {
            gates += [.riskReview, .approvals]
            if fourEyes { gates.append(.fourEyes) }
            gates += [.nonRegression, .performance, .blackout]
        }
        return gates
    }

    public static func evaluate(_ train: TrainRecord, to: TrainState, skipping: Bool = false, tickets: [Ticket], validations: [Validation],
                                plan: TrainPlan, soak: [TrainState: Duration], freeze: Timetable.Freeze? = nil, nightly: NightlyRunRecord? = nil,
                                now: Date) -> [GateResult] {
        gates(from: train.state, to: to, skipping: skipping, soak: soak, fourEyes: plan.fourEyes).map { gate in
            var result = check(gate, train: train, tickets: tickets, validations: validations, plan: plan, soak: soak, freeze: freeze,
                               nightly: nightly, now: now)
            if !result.holds { result.override = train.overrides.last { $0.gate == gate } }
            return result
        }
    }

    static func check(_ gate: TrainGate, train: TrainRecord, tickets: [Ticket], validations: [Validation], plan: TrainPlan,
                      soak: [TrainState: Duration], freeze: Timetable.Freeze?, nightly: NightlyRunRecord? = nil, now: Date) -> GateResult {
        switch gate {
        case .blackout:
            guard let freeze else { return GateResult(gate: gate, holds: true, reason: "no change freeze in force") }
            return GateResult(gate: gate, holds: false, reason: "production is frozen (\(freeze.name)) until \(freeze.until.formatted(.iso8601)): "
                              + (train.kind == .hotfix ? "the release waits for it to end unless an approver lets this hotfix through"
                                                       : "the release waits for it to end"))
        case .ticketsValidated:
            guard !tickets.isEmpty else { return GateResult(gate: gate, holds: false, reason: "the train carries no ticket: nothing was validated") }
            let standing = Validation.standing(validations, in: TrainState.testing.rawValue)
            let open = tickets.compactMap { ticket -> String? in
                guard let latest = standing[ticket.id] else { return "\(ticket.id) (not validated yet)" }
                return latest.verdict == .validated ? nil : "\(ticket.id) (rejected by \(latest.by): \(latest.comment))"
            }
            return open.isEmpty
                ? GateResult(gate: gate, holds: true, reason: "all \(tickets.count) tickets validated in testing")
                : GateResult(gate: gate, holds: false, reason: "\(open.count) of \(tickets.count) tickets not validated in testing: \(open.joined(separator: "; "))")
        case .soak:
            let status = SoakStatus(train: train, stage: train.state, required: soak[train.state] ?? .zero, now: now)
            return GateResult(gate: gate, holds: status.done, reason: status.description)
        case .riskReview:
            guard let review = train.review else {
                return GateResult(gate: gate, holds: false, reason: "the risk review is not signed: railyard train review \(train.id) --sign")
            }
            if let changed = train.lastChangeAt, changed > review.at {
                return GateResult(gate: gate, holds: false, reason: "tickets changed at \(changed.formatted(.iso8601)), after \(review.by) signed the review: sign it again")
            }
            return GateResult(gate: gate, holds: true, reason: "signed by \(review.by) at \(review.at.formatted(.iso8601)), risk \(review.score) (\(review.level.rawValue))")
        case .approvals:
            let open = train.approvals.filter { !$0.isApproved }
            if train.approvals.isEmpty { return GateResult(gate: gate, holds: true, reason: "the checklist is empty") }
            return open.isEmpty
                ? GateResult(gate: gate, holds: true, reason: "all \(train.approvals.count) checklist items approved")
                : GateResult(gate: gate, holds: false, reason: "\(open.count) of \(train.approvals.count) checklist items waiting: "
                             + open.map { "#\($0.id) \($0.title) (\($0.assignee))" }.joined(separator: "; "))
        case .fourEyes:
            let irreversible = plan.rules.first { $0.rule == "not-rollbackable" }?.tickets ?? []
            if let second = train.approvals.first(where: { $0.approverRole == .approver && $0.approvedBy != nil
                                                          && $0.approvedBy != train.captain && $0.approvedBy != train.createdBy }) {
                return GateResult(gate: gate, holds: true, reason: "\(second.approvedBy!) (approver) approved #\(second.id) \(second.title)")
            }
            return GateResult(gate: gate, holds: false,
                              reason: "\(irreversible.joined(separator: ", ")) not rollbackable: an approver other than \(train.captain) and "
                                  + "\(train.createdBy) must approve a checklist item assigned to them")
        case .nonRegression:
            return nonRegression(train: train, run: nightly)
        case .performance:
            return GateResult(gate: gate, holds: false, reason: "no performance result: Railyard does not run the performance campaign yet; "
                              + "an approver may override with the evidence they have")
        }
    }

    /// The train's newest full nightly run (not a change's partial one) must have passed on the versions
    /// the train carries now.
    static func nonRegression(train: TrainRecord, run: NightlyRunRecord?) -> GateResult {
        guard let run else {
            return GateResult(gate: .nonRegression, holds: false, reason: "no nightly run of train \(train.id) has finished: run "
                              + "`railyard nightly run --train \(train.id)`, or an approver may override with the evidence they have")
        }
        let untested = train.services.keys.sorted().filter { run.versions[$0] != train.services[$0] }
        if !untested.isEmpty {
            return GateResult(gate: .nonRegression, holds: false, reason: "nightly \(run.id) tested "
                              + untested.map { "\($0) \(run.versions[$0] ?? "(none)")" }.joined(separator: ", ") + " but the train now carries "
                              + untested.map { "\($0) \(train.services[$0]!)" }.joined(separator: ", ") + ": run the nightly again")
        }
        guard run.state == .passed else {
            return GateResult(gate: .nonRegression, holds: false, reason: "nightly \(run.id) \(run.state.rawValue): \(run.reason ?? "no reason recorded")")
        }
        return GateResult(gate: .nonRegression, holds: true, reason: "nightly \(run.id) passed"
                          + (run.endedAt.map { " at \($0.formatted(.iso8601))" } ?? "") + ": \(run.reason ?? "")")
    }
}

/// Where a train's soak in one stage stands: it counts from entering the stage or the last change to
/// the train's content, whichever is later, lasts the configured time plus extensions, and can be
/// ended early. Every extension and early end carries its reason.
public struct SoakStatus: Sendable, Equatable, CustomStringConvertible {
    public var stage: TrainState
    public var since: Date
    public var until: Date
    public var endedEarly: SoakChange?
    public var now: Date

    public init(train: TrainRecord, stage: TrainState, required: Duration, now: Date) {
        self.stage = stage
        self.now = now
        let entered = train.entered(stage) ?? train.createdAt
        since = max(entered, train.lastChangeAt ?? entered)
        let changes = train.soakChanges.filter { $0.environment == stage.rawValue && $0.at >= entered && $0.at <= now }
        let extra = changes.filter { $0.kind == .extend }.reduce(0) { $0 + ($1.seconds ?? 0) }
        until = since.addingTimeInterval(required.timeInterval + extra)
        endedEarly = changes.last { $0.kind == .end && $0.at >= since }
    }

    public var done: Bool { endedEarly != nil || now >= until }

    public var description: String {
        let total = DurationText.format(.seconds(until.timeIntervalSince(since)))
        if let ended = endedEarly { return "soak in \(stage.rawValue) ended early by \(ended.by): \(ended.reason)" }
        if now >= until { return "soaked \(total) in \(stage.rawValue) since \(since.formatted(.iso8601))" }
        let left = DurationText.format(.seconds(until.timeIntervalSince(now).rounded(.up)))
        return "soaking in \(stage.rawValue): \(left) left of \(total) since \(since.formatted(.iso8601)) (ends \(until.formatted(.iso8601)))"
    }
}
