import Foundation
import RailyardCore
import RailyardPorts

/// Editing a train's content by hand: the versions it carries, one ticket at a time.
extension TrainRequests {
    /// Sets the service versions the train carries (the whole set), before production.
    public func setServices(train id: String, services: [String: String], actor: String) async throws -> TrainRecord {
        let read = try await train(id: id)
        var record = read
        guard !record.state.isFinal, record.state != .production else {
            throw Refusal(.conflict, "train \(id) is \(record.state.rawValue): the versions it carries can no longer change")
        }
        try checkServices(services)
        func describe(_ services: [String: String]) -> String {
            services.isEmpty ? "none" : services.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        let before = describe(record.services)
        record.services = services
        record.lastChangeAt = clock.now()
        record.updatedAt = clock.now()
        try await store.save(record, replacing: read, events: [AuditEvent(at: record.updatedAt, actor: actor, kind: "train.services_set", subject: "train:\(id)",
                                                         message: "train \(id) carries \(describe(services))", before: before, after: describe(services))])
        return record
    }

    func checkServices(_ services: [String: String]) throws {
        for (service, version) in services.sorted(by: { $0.key < $1.key }) {
            guard config.service(named: service) != nil else {
                throw Refusal(.badRequest, "no service '\(service)' in railyard.yml\(Suggestion.hint(for: service, among: config.services.map(\.name)))",
                              field: "services")
            }
            guard VersionName.isValid(version) else {
                throw Refusal(.badRequest, "version '\(version)' of \(service) is not valid: \(VersionName.rule)", field: "services")
            }
        }
    }

    /// Creates or edits one ticket by hand, checked as an imported row is; its answers are kept.
    public func putTicket(train id: String, ticket ticketID: String, title: String, type: String?, owner: String, services: [String],
                          mergedAt: String?, actor: String) async throws -> Ticket {
        let read = try await train(id: id)
        var record = read
        guard !record.state.isFinal, record.state != .production else {
            throw Refusal(.conflict, "train \(id) is \(record.state.rawValue): its content can no longer change")
        }
        let columns = config.tickets
        var values: [String: [String]] = [columns.id: [ticketID], columns.title: [title], columns.owner: [owner],
                                          columns.services: [services.joined(separator: ",")]]
        if let type { values[columns.type] = [type] }
        if let mergedAt { values[columns.mergedAt] = [mergedAt] }
        let result = TicketImport.read([TicketRow(line: 1, values: values)], columns: columns, services: config.services.map(\.name))
        if let problem = result.diagnostics.first {
            let field = [columns.id: "ticket", columns.title: "title", columns.owner: "owner", columns.services: "services", columns.mergedAt: "merged_at",
                         columns.type: "type"][problem.field] ?? problem.field
            throw Refusal(.badRequest, "\(field): \(problem.message)", field: field)
        }
        guard var ticket = result.tickets.first else { throw Refusal(.badRequest, "the ticket could not be read") }
        let stored = try await store.tickets(train: id)
        let existing = stored.first { $0.id == ticketID }
        ticket.answers = existing?.answers ?? RiskAnswers()
        record.lastChangeAt = clock.now()
        record.updatedAt = clock.now()
        try await store.save(tickets: [ticket], of: record, replacing: read, read: stored, event: AuditEvent(
            at: clock.now(), actor: actor, kind: existing == nil ? "train.ticket_created" : "train.ticket_edited", subject: "train:\(id)",
            message: "\(ticketID) \(existing == nil ? "added to" : "edited in") train \(id): \(ticket.title) [\(ticket.services.joined(separator: ", "))]",
            before: existing.map { "\($0.title) [\($0.services.joined(separator: ", "))] \($0.owner)" },
            after: "\(ticket.title) [\(ticket.services.joined(separator: ", "))] \(ticket.owner)"))
        return ticket
    }
}
