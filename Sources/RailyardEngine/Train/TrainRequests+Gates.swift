import Foundation
import RailyardCore
import RailyardPorts

/// Validation, soak, the captain's checklist and the gates: what a train must show before it moves.
extension TrainRequests {
    /// The gates of the train's next move (its next stage, or production for a skip), each with its reason.
    public func gates(train id: String, to stage: TrainState? = nil) async throws -> [GateResult] {
        let record = try await train(id: id)
        guard let target = stage ?? record.state.next else { return [] }
        return try await gates(of: record, to: target, skipping: stage != nil && stage != record.state.next)
    }

    func gates(of record: TrainRecord, to target: TrainState, skipping: Bool) async throws -> [GateResult] {
        let tickets = try await store.tickets(train: record.id)
        return TrainGates.evaluate(record, to: target, skipping: skipping, tickets: tickets, validations: try await store.validations(train: record.id),
                                   plan: TrainPlanner.plan(train: record, tickets: tickets, config: config), soak: config.trains.soak,
                                   freeze: Timetable(config.trains.timetable).freeze(at: clock.now()),
                                   nightly: try await newestFullNightly(train: record.id), now: clock.now())
    }

    /// The train's newest finished nightly run that ran every suite (not a change's partial run).
    func newestFullNightly(train id: String) async throws -> NightlyRunRecord? {
        try await store.nightlyRuns(train: id, limit: 50).first { run in
            guard run.state != .running else { return false }
            if case .change = run.trigger { return false }
            return true
        }
    }

    /// Refuses the move while a gate neither holds nor was overridden, naming every such gate.
    func checkGates(_ record: TrainRecord, to target: TrainState, skipping: Bool) async throws {
        let closed = try await gates(of: record, to: target, skipping: skipping).filter { !$0.passes && $0.gate.blocks }
        guard closed.isEmpty else {
            throw Refusal(.conflict, "train \(record.id) cannot go to \(target.rawValue): "
                          + closed.map { "\($0.gate.rawValue): \($0.reason)" }.joined(separator: "; "))
        }
    }

    /// A tester's verdict on a ticket in an environment, appended to its history.
    public func validate(train id: String, ticket ticketID: String, environment: String, verdict: Validation.Verdict, comment: String,
                         actor: String) async throws -> Validation {
        let record = try await train(id: id)
        guard !record.state.isFinal else { throw Refusal(.conflict, "train \(id) is \(record.state.rawValue): validation is over") }
        guard try await store.tickets(train: id).contains(where: { $0.id == ticketID }) else {
            throw Refusal(.notFound, "no ticket '\(ticketID)' in train \(id)")
        }
        // The train's own validation stages count even where railyard.yml deploys nothing to them.
        var environments = [TrainState.nightly, .testing, .perf].map(\.rawValue)
        for name in config.environments.map(\.name) + config.targets.map(\.name) where !environments.contains(name) { environments.append(name) }
        guard environments.contains(environment) else {
            throw Refusal(.badRequest, "no environment '\(environment)' in railyard.yml\(Suggestion.hint(for: environment, among: environments))",
                          field: "environment")
        }
        let trimmed = comment.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...2000).contains(trimmed.count) else {
            throw Refusal(.badRequest, "comment must say what was checked, in 1 to 2000 characters", field: "comment")
        }
        let previous = Validation.standing(try await store.validations(train: id), in: environment)[ticketID]
        let validation = Validation(ticket: ticketID, environment: environment, verdict: verdict, comment: trimmed, by: actor, at: clock.now())
        try await store.save(validation, train: id, event: AuditEvent(
            at: validation.at, actor: actor, kind: "train.ticket_\(verdict.rawValue)", subject: "train:\(id)",
            message: "\(ticketID) \(verdict.rawValue) in \(environment) by \(actor): \(trimmed)",
            before: previous.map { "\($0.verdict.rawValue) by \($0.by)" } ?? "not validated", after: "\(verdict.rawValue) by \(actor)"))
        return validation
    }

    /// Ends the soak of the train's current stage early, or extends it, with the reason.
    public func changeSoak(train id: String, kind: SoakChange.Kind, by extra: Duration?, reason: String, actor: String) async throws -> TrainRecord {
        let read = try await train(id: id)
        var record = read
        guard let required = config.trains.soak[record.state] else {
            throw Refusal(.conflict, "train \(id) is in \(record.state.rawValue), where railyard.yml sets no soak (trains: soak)")
        }
        let before = SoakStatus(train: record, stage: record.state, required: required, now: clock.now())
        guard !before.done else { throw Refusal(.conflict, "the soak of train \(id) in \(record.state.rawValue) is already over: \(before)") }
        if kind == .extend {
            guard let extra, extra > .zero else { throw Refusal(.badRequest, "extending a soak needs a duration, e.g. 12h", field: "duration") }
        }
        record.soakChanges.append(SoakChange(kind: kind, environment: record.state.rawValue, seconds: kind == .extend ? extra!.timeInterval : nil,
                                             by: actor, at: clock.now(), reason: reason))
        record.updatedAt = clock.now()
        let after = SoakStatus(train: record, stage: record.state, required: required, now: clock.now())
        try await store.save(record, replacing: read, events: [AuditEvent(at: record.updatedAt, actor: actor, kind: "train.soak_\(kind == .end ? "ended" : "extended")",
                                                         subject: "train:\(id)", message: "train \(id): \(after)", reason: reason,
                                                         before: before.description, after: after.description)])
        return record
    }

    /// Adds an item to the captain's checklist, assigned to one person.
    public func addApproval(train id: String, title: String, assignee: String, actor: String) async throws -> TrainRecord {
        let read = try await train(id: id)
        var record = read
        guard !record.state.isFinal, record.state != .production else {
            throw Refusal(.conflict, "train \(id) is \(record.state.rawValue): its checklist can no longer change")
        }
        let trimmed = title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(trimmed.count) else { throw Refusal(.badRequest, "title must be 1 to 200 characters", field: "title") }
        guard TokenRecord.isValidName(assignee) else {
            throw Refusal(.badRequest, "assignee '\(assignee)' is not a name: \(TokenRecord.nameRule)", field: "assignee")
        }
        let item = ApprovalItem(id: (record.approvals.map(\.id).max() ?? 0) + 1, title: trimmed, assignee: assignee)
        record.approvals.append(item)
        record.updatedAt = clock.now()
        try await store.save(record, replacing: read, events: [AuditEvent(at: record.updatedAt, actor: actor, kind: "train.approval_added", subject: "train:\(id)",
                                                         message: "train \(id): checklist item #\(item.id) \(trimmed), assigned to \(assignee)")])
        return record
    }

    /// The assignee approves their checklist item.
    public func approve(train id: String, item itemID: Int, actor: String, role: Role) async throws -> TrainRecord {
        let read = try await train(id: id)
        var record = read
        guard !record.state.isFinal else { throw Refusal(.conflict, "train \(id) is \(record.state.rawValue)") }
        guard let index = record.approvals.firstIndex(where: { $0.id == itemID }) else {
            throw Refusal(.notFound, "no checklist item #\(itemID) in train \(id)")
        }
        let item = record.approvals[index]
        guard item.assignee == actor else {
            throw Refusal(.forbidden, "checklist item #\(itemID) (\(item.title)) is assigned to \(item.assignee): only they approve it")
        }
        guard !item.isApproved else { throw Refusal(.conflict, "checklist item #\(itemID) was already approved by \(item.approvedBy!)") }
        record.approvals[index].approvedBy = actor
        record.approvals[index].approverRole = role
        record.approvals[index].approvedAt = clock.now()
        record.updatedAt = clock.now()
        try await store.save(record, replacing: read, events: [AuditEvent(at: record.updatedAt, actor: actor, kind: "train.approval_given", subject: "train:\(id)",
                                                         message: "train \(id): #\(itemID) \(item.title) approved by \(actor) (\(role.rawValue))",
                                                         before: "waiting", after: "approved")])
        return record
    }

    /// An approver lets the train pass a gate that does not hold, with the reason; recorded.
    public func override(train id: String, gate: TrainGate, reason: String, actor: String) async throws -> TrainRecord {
        let read = try await train(id: id)
        var record = read
        guard !record.state.isFinal, record.state != .production else {
            throw Refusal(.conflict, "train \(id) is \(record.state.rawValue): no gate is left to override")
        }
        if gate == .blackout, record.kind != .hotfix {
            throw Refusal(.forbidden, "train \(id) is a regular train: it waits for the change freeze to end; only a hotfix may be let through")
        }
        let current = try await gates(of: record, to: .production, skipping: false) + (try await gates(train: id))
        if let standing = current.first(where: { $0.gate == gate }), standing.holds {
            throw Refusal(.conflict, "gate \(gate.rawValue) of train \(id) holds (\(standing.reason)): nothing to override")
        }
        record.overrides.append(GateOverride(gate: gate, by: actor, at: clock.now(), reason: reason))
        record.updatedAt = clock.now()
        try await store.save(record, replacing: read, events: [AuditEvent(at: record.updatedAt, actor: actor, kind: "train.gate_overridden", subject: "train:\(id)",
                                                         message: "train \(id): gate \(gate.rawValue) overridden by \(actor)", reason: reason,
                                                         before: "closed", after: "overridden")])
        return record
    }
}
