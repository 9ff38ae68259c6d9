import Foundation
import RailyardCore
import RailyardPorts

/// What people ask of trains: create one, import and edit its tickets, move it along, cancel it.
/// Every change is checked, refused with its reason, or stored with its audit event (the value before
/// and after) before anything else happens.
public struct TrainRequests: Sendable {
    let config: RailyardConfig
    let store: any RailyardStore
    let clock: any WallClock
    let controller: TrainController
    let machine = TrainMachine()

    /// An import refused as a whole: every bad row, nothing stored.
    public struct ImportRefusal: Error, Sendable {
        public var diagnostics: [ImportDiagnostic]
    }

    /// What an import stored, and the rows `skipInvalid` left out.
    public struct ImportOutcome: Codable, Sendable {
        public var imported: Int
        public var skipped: [ImportDiagnostic]
    }

    public func create(id: String, captain: String, services: [String: String], kind: TrainKind = .regular, fixes: String? = nil,
                       actor: String) async throws -> TrainRecord {
        guard TrainRecord.isValidID(id) else { throw Refusal(.badRequest, "train id '\(id)' is not valid: \(TrainRecord.idRule)", field: "id") }
        guard TokenRecord.isValidName(captain) else {
            throw Refusal(.badRequest, "captain '\(captain)' is not a name: \(TokenRecord.nameRule)", field: "captain")
        }
        for (service, version) in services.sorted(by: { $0.key < $1.key }) {
            guard config.service(named: service) != nil else {
                throw Refusal(.badRequest, "no service '\(service)' in railyard.yml\(Suggestion.hint(for: service, among: config.services.map(\.name)))",
                              field: "services")
            }
            guard VersionName.isValid(version) else {
                throw Refusal(.badRequest, "version '\(version)' of \(service) is not valid: \(VersionName.rule)", field: "services")
            }
        }
        switch (kind, fixes) {
        case (.regular, .some): throw Refusal(.badRequest, "only a hotfix train fixes another train", field: "fixes")
        case (.hotfix, nil): throw Refusal(.badRequest, "a hotfix train names the train it fixes", field: "fixes")
        case (.hotfix, let fixed?):
            guard let target = try await store.train(id: fixed) else { throw Refusal(.notFound, "no train '\(fixed)' to fix", field: "fixes") }
            guard target.state == .production || target.state == .done else {
                throw Refusal(.conflict, "train \(fixed) is \(target.state.rawValue): a hotfix fixes a train already in production")
            }
        case (.regular, nil): break
        }
        if try await store.train(id: id) != nil { throw Refusal(.conflict, StoreConflict.trainExists(id).description) }
        var record = TrainRecord(id: id, kind: kind, captain: captain, services: services, fixes: fixes, createdBy: actor, at: clock.now())
        // The checklist is the previous train's, unapproved: the captain keeps the ritual from sprint to sprint.
        if let previous = try await store.trains().first(where: { $0.kind == kind && !$0.approvals.isEmpty }) {
            record.approvals = previous.approvals.map { ApprovalItem(id: $0.id, title: $0.title, assignee: $0.assignee) }
        }
        let carried = services.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let message = "\(kind.rawValue) train \(id) created, captain \(captain)"
            + (carried.isEmpty ? "" : ", carrying \(carried)")
            + (fixes.map { ", fixing \($0)" } ?? "")
            + (record.approvals.isEmpty ? "" : "; checklist of \(record.approvals.count) items copied from the previous train")
        // The check above answers most duplicates; the store's own check catches a create of the same id racing this one.
        do {
            try await store.create(record, events: [AuditEvent(at: record.createdAt, actor: actor, kind: "train.created", subject: "train:\(id)",
                                                               message: message, after: record.state.rawValue)])
        } catch let conflict as StoreConflict {
            throw Refusal(.conflict, conflict.description)
        }
        return record
    }

    public func trains() async throws -> [TrainRecord] { try await store.trains() }

    public func train(id: String) async throws -> TrainRecord {
        guard let record = try await store.train(id: id) else { throw Refusal(.notFound, "no train '\(id)'") }
        return record
    }

    /// The release figures over the last three months, from every recorded train.
    public func figures() async throws -> ReleaseFigures {
        let trains = try await store.trains()
        var tickets: [String: [Ticket]] = [:]
        for train in trains where train.state == .done { tickets[train.id] = try await store.tickets(train: train.id) }
        let runs = try await store.nightlyRuns(train: nil, limit: 5000).filter { $0.state != .running }.map(\.startedAt)
        return ReleaseFigures.compute(trains: trains, tickets: tickets, now: clock.now(), targets: config.trains.quality, nightlyRuns: runs)
    }

    /// The train's timeline from the timetable, re-forecast from past trains' measured stages.
    public func forecast(train id: String) async throws -> TrainForecast {
        TrainForecast.make(try await train(id: id), history: try await store.trains(), timetable: Timetable(config.trains.timetable))
    }

    public func tickets(train id: String) async throws -> [Ticket] {
        _ = try await train(id: id)
        return try await store.tickets(train: id)
    }

    /// Imports the rows of a tracker's export into a train: all of them, or none when one is bad,
    /// unless `skipInvalid`. A ticket already in the train is replaced (an edit in the tracker).
    public func importTickets(train id: String, header: [String], rows: [TicketRow], fileProblems: [ImportDiagnostic], file: String,
                              skipInvalid: Bool, actor: String) async throws -> ImportOutcome {
        let record = try await train(id: id)
        guard !record.state.isFinal, record.state != .production else {
            throw Refusal(.conflict, "train \(id) is \(record.state.rawValue): its content can no longer change")
        }
        let headerProblems = fileProblems.isEmpty ? TicketImport.checkHeader(header, columns: config.tickets) : []
        guard fileProblems.isEmpty, headerProblems.isEmpty else { throw ImportRefusal(diagnostics: fileProblems + headerProblems) }
        let result = TicketImport.read(rows, columns: config.tickets, services: config.services.map(\.name))
        if !result.diagnostics.isEmpty, !skipInvalid { throw ImportRefusal(diagnostics: result.diagnostics) }
        guard !result.tickets.isEmpty else {
            throw Refusal(.badRequest, "\(file) holds no ticket to import" + (result.badLines.isEmpty ? "" : " (every row is bad)"))
        }
        let stored = try await store.tickets(train: id)
        let existing = stored.map(\.id)
        let before = existing.count
        let added = Set(result.tickets.map(\.id)).subtracting(existing).count
        let skipped = result.badLines.isEmpty ? "" : "; \(result.badLines.count) bad rows skipped (lines \(result.badLines.map(String.init).joined(separator: ", ")))"
        var changed = record
        changed.lastChangeAt = clock.now()
        changed.updatedAt = clock.now()
        try await store.save(tickets: result.tickets, of: changed, replacing: record, read: stored, event: AuditEvent(
            at: clock.now(), actor: actor, kind: "train.tickets_imported", subject: "train:\(id)",
            message: "\(result.tickets.count) tickets imported from \(file) into train \(id)\(skipped)",
            before: "\(before) tickets", after: "\(before + added) tickets"))
        return ImportOutcome(imported: result.tickets.count, skipped: result.diagnostics)
    }

    /// Records answers to the review's questions for one ticket; a nil field keeps the answer it had.
    public func answer(train id: String, ticket ticketID: String, answers: RiskAnswers, actor: String) async throws -> Ticket {
        let record = try await train(id: id)
        guard !record.state.isFinal, record.state != .production else {
            throw Refusal(.conflict, "train \(id) is \(record.state.rawValue): its review can no longer change")
        }
        let stored = try await store.tickets(train: id)
        guard var ticket = stored.first(where: { $0.id == ticketID }) else {
            throw Refusal(.notFound, "no ticket '\(ticketID)' in train \(id)")
        }
        let before = Self.describe(ticket.answers)
        ticket.answers.scripts = answers.scripts ?? ticket.answers.scripts
        ticket.answers.rollbackable = answers.rollbackable ?? ticket.answers.rollbackable
        ticket.answers.backwardCompatible = answers.backwardCompatible ?? ticket.answers.backwardCompatible
        ticket.answers.scope = answers.scope ?? ticket.answers.scope
        try await store.save(tickets: [ticket], of: record, replacing: record, read: stored, event: AuditEvent(
            at: clock.now(), actor: actor, kind: "train.ticket_answered", subject: "train:\(id)",
            message: "answers of \(ticket.id) recorded", before: before, after: Self.describe(ticket.answers)))
        return ticket
    }

    static func describe(_ answers: RiskAnswers) -> String {
        func text(_ value: Bool?) -> String { value.map { $0 ? "yes" : "no" } ?? "?" }
        return "scripts=\(text(answers.scripts)) rollbackable=\(text(answers.rollbackable)) backward_compatible=\(text(answers.backwardCompatible)) "
            + "scope=\(answers.scope?.rawValue ?? "?")"
    }

    /// The deployment the answers call for, with each rule's reason.
    public func plan(train id: String) async throws -> TrainPlan {
        TrainPlanner.plan(train: try await train(id: id), tickets: try await store.tickets(train: id), config: config)
    }

    /// The release owner signs the review once every ticket is answered.
    public func signReview(train id: String, actor: String) async throws -> TrainRecord {
        let read = try await train(id: id)
        var record = read
        guard !record.state.isFinal, record.state != .production else {
            throw Refusal(.conflict, "train \(id) is \(record.state.rawValue): its review can no longer be signed")
        }
        let tickets = try await store.tickets(train: id)
        guard !tickets.isEmpty else { throw Refusal(.conflict, "train \(id) has no ticket to review") }
        let open = tickets.filter { !$0.answers.missing.isEmpty }
        guard open.isEmpty else {
            throw Refusal(.conflict, "\(open.count) ticket(s) still have unanswered questions: "
                          + open.map { "\($0.id) (\($0.answers.missing.joined(separator: ", ")))" }.joined(separator: "; "))
        }
        let plan = TrainPlanner.plan(train: record, tickets: tickets, config: config)
        let before = record.review.map { "signed by \($0.by), risk \($0.score)" } ?? "not signed"
        record.review = TrainRecord.Review(by: actor, at: clock.now(), score: plan.score, level: plan.level)
        record.updatedAt = clock.now()
        try await store.save(record, replacing: read, events: [AuditEvent(at: record.updatedAt, actor: actor, kind: "train.review_signed", subject: "train:\(id)",
                                                         message: "risk review of train \(id) signed: risk \(plan.score) (\(plan.level.rawValue)), "
                                                            + "\(tickets.count) tickets", before: before,
                                                         after: "signed by \(actor), risk \(plan.score)")])
        return record
    }

    /// Moves a train to its next stage.
    public func advance(id: String, actor: String) async throws -> TrainRecord {
        let record = try await train(id: id)
        if let next = record.state.next, !record.state.isFinal { try await checkGates(record, to: next, skipping: false) }
        return try await apply(.advanced(by: actor), to: id, actor: actor, reason: nil, checked: record)
    }

    public func cancel(id: String, actor: String, reason: String) async throws -> TrainRecord {
        try await apply(.cancelled(by: actor, reason: reason), to: id, actor: actor, reason: reason)
    }

    /// A hotfix skips ahead to `stage`; every stage skipped is recorded with the reason. Skipping
    /// validation (past testing, or leaving it early) takes an approver who did not create the hotfix.
    public func skip(id: String, to stage: TrainState, actor: String, isApprover: Bool, reason: String) async throws -> TrainRecord {
        let record = try await train(id: id)
        do {
            _ = try machine.apply(.skipped(to: stage, by: actor, reason: reason), to: record, at: clock.now())
        } catch {
            throw Refusal(.conflict, error.description)
        }
        if let from = TrainState.order.firstIndex(of: record.state), let to = TrainState.order.firstIndex(of: stage),
           let testing = TrainState.order.firstIndex(of: .testing), from <= testing, to > testing {
            guard isApprover else {
                throw Refusal(.forbidden, "skipping validation (testing) needs an approver; \(actor) may skip only up to testing")
            }
            guard actor != record.createdBy else {
                throw Refusal(.forbidden, "four-eyes: \(actor) created hotfix \(id); skipping its validation needs another approver")
            }
        }
        try await checkGates(record, to: stage, skipping: true)
        return try await apply(.skipped(to: stage, by: actor, reason: reason), to: id, actor: actor, reason: reason, checked: record)
    }

    /// - Parameter checked: the train as read when its gates were checked: it is saved only in place of that, so a
    ///   change stored since (an item added to the checklist, a soak extended) is not passed by gates that did not see it.
    func apply(_ event: TrainEvent, to id: String, actor: String, reason: String?, checked: TrainRecord? = nil) async throws -> TrainRecord {
        let record: TrainRecord
        if let checked { record = checked } else { record = try await train(id: id) }
        var next: TrainRecord
        do {
            next = try machine.apply(event, to: record, at: clock.now())
        } catch {
            throw Refusal(.conflict, error.description)
        }
        var message = "train \(id): \(record.state.rawValue) → \(next.state.rawValue)"
        if next.state == .production {
            next.release = try await release(for: next)
            message += ": release of " + next.release!.batches.map { $0.map { "\($0) \(next.services[$0]!)" }.joined(separator: " + ") }
                .joined(separator: " → ")
        }
        try await store.save(next, replacing: record, events: [AuditEvent(at: next.updatedAt, actor: actor, kind: "train.\(event.name)", subject: "train:\(id)",
                                                       message: message, reason: reason, before: record.state.rawValue, after: next.state.rawValue)])
        if next.release != nil { await controller.startDriving(id) }
        return next
    }

    /// The production release of a train entering production, or the reason it cannot start: it
    /// carries no service, its services depend on each other in a cycle, one of them already has a
    /// rollout under way, or (for a regular train) a hotfix is being released.
    func release(for train: TrainRecord) async throws -> TrainRelease {
        guard !train.services.isEmpty else {
            throw Refusal(.conflict, "train \(train.id) carries no service version: nothing to release")
        }
        let tickets = try await store.tickets(train: train.id)
        let plan = TrainPlanner.plan(train: train, tickets: tickets, config: config)
        if let cycle = plan.problems.first(where: { $0.contains("cycle") }) { throw Refusal(.conflict, "train \(train.id) cannot be released: \(cycle)") }
        // A hotfix under way (past planning, not ended) holds the regular train's production wave.
        if train.kind == .regular,
           let hotfix = try await store.trains().first(where: { $0.kind == .hotfix && !$0.state.isFinal && $0.state != .planned }) {
            throw Refusal(.conflict, "hotfix \(hotfix.id) is under way (\(hotfix.state.rawValue)): the regular train \(train.id) waits for it "
                          + "to be released or cancelled")
        }
        let busy = try await store.activeRollouts().filter { train.services[$0.service] != nil }
        guard busy.isEmpty else {
            throw Refusal(.conflict, "train \(train.id) cannot be released while \(busy.map { "\($0.id) (\($0.phase.rawValue))" }.joined(separator: ", ")) "
                          + "is under way: wait for it or abort it")
        }
        let stable = try await store.stableVersions()
        let lastTarget = config.deployment.waves.compactMap(\.target).last
        var previous: [String: String] = [:]
        for service in train.services.keys.sorted() {
            guard let spec = config.service(named: service) else {
                throw Refusal(.conflict, "train \(train.id) carries \(service), which railyard.yml no longer declares")
            }
            let running = lastTarget.flatMap { stable[service]?[$0] } ?? spec.initialVersion
            if running == train.services[service] {
                throw Refusal(.conflict, "\(service) \(running) already runs in production: take it out of train \(train.id)")
            }
            previous[service] = running
        }
        let scriptsFirst = !config.scripts.isEmpty && config.deployment.waves.contains { $0.steps.contains(.scripts) }
        return TrainRelease(batches: plan.order, parallel: config.trains.parallel, scriptsFirst: scriptsFirst, previous: previous,
                            versions: train.services, adjustments: plan.adjustments, at: clock.now())
    }
}
