import Foundation
import RailyardCore
import RailyardPorts

/// What the API and the CLI ask of the nightly: start a run (by hand, or for a merged ticket), read
/// runs and their report, and quarantine a test.
public struct NightlyRequests: Sendable {
    let config: RailyardConfig
    let store: any RailyardStore
    let clock: any WallClock
    let controller: NightlyController
    let trains: TrainRequests

    /// A run by hand of `train` (nil: the train in development, if any, else the fleet as it runs).
    public func start(train trainID: String?, actor: String) async throws -> NightlyRunRecord {
        let train: TrainRecord? = if let trainID { try await trains.train(id: trainID) } else { try await controller.trainInDevelopment() }
        return try await controller.start(trigger: .manual(by: actor), train: train, actor: actor)
    }

    /// Records a ticket of the train as merged now, then runs only the suites of the services it touches.
    public func merged(train trainID: String, ticket ticketID: String, actor: String) async throws -> NightlyRunRecord {
        // A merge is a fact CI reports, not a decision: stored on the train as it is now, read again if it changed meanwhile.
        let (saved, ticket) = try await retryingStale { () async throws -> (TrainRecord, Ticket) in
            let train = try await trains.train(id: trainID)
            try controller.checkConfigured()
            let stored = try await store.tickets(train: trainID)
            guard var ticket = stored.first(where: { $0.id == ticketID }) else {
                throw Refusal(.notFound, "train \(trainID) has no ticket \(ticketID)", field: "ticket")
            }
            ticket.mergedAt = clock.now()
            var saved = train
            saved.updatedAt = clock.now()
            try await store.save(tickets: [ticket], of: saved, replacing: train, read: stored,
                                 event: AuditEvent(at: clock.now(), actor: actor, kind: "ticket.merged", subject: trainID,
                                                   message: "\(ticketID) merged (\(ticket.services.joined(separator: ", ")))"))
            return (saved, ticket)
        }
        return try await controller.start(trigger: .change(ticket: ticketID, services: ticket.services), train: saved, actor: actor)
    }

    public func runs(train: String?, limit: Int) async throws -> [NightlyRunRecord] {
        try await store.nightlyRuns(train: train, limit: max(1, min(limit, 500)))
    }

    public func run(id: String) async throws -> NightlyRunRecord {
        guard let run = try await store.nightlyRun(id: id) else { throw Refusal(.notFound, "no nightly run \(id)", field: "run") }
        return run
    }

    /// A run's report (the newest run when `id` is nil) with the trend over the train's last runs.
    public func report(id: String?) async throws -> NightlyReport {
        let run: NightlyRunRecord
        if let id {
            run = try await self.run(id: id)
        } else {
            guard let newest = try await store.nightlyRuns(train: nil, limit: 1).first else {
                throw Refusal(.notFound, "no nightly run yet: start one with `railyard nightly run`", field: "run")
            }
            run = newest
        }
        let history = try await store.nightlyRuns(train: run.train, limit: 50).reversed()
        let tickets = if let train = run.train { try await store.tickets(train: train) } else { [Ticket]() }
        return NightlyReport.make(run: run, history: Array(history), tickets: tickets, quarantine: try await store.quarantine(),
                                  nightly: config.nightly, now: clock.now())
    }

    /// Sets a test aside until `expires`, with the reason and its owner (who must fix it).
    public func quarantine(test: String, reason: String, owner: String, expires: Date, actor: String) async throws -> QuarantineEntry {
        guard !test.trimmingCharacters(in: .whitespaces).isEmpty else { throw Refusal(.badRequest, "the test id is empty", field: "test") }
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw Refusal(.badRequest, "a quarantine needs a reason (what is flaky, and what is being done about it)", field: "reason")
        }
        guard !owner.trimmingCharacters(in: .whitespaces).isEmpty else { throw Refusal(.badRequest, "a quarantine needs an owner", field: "owner") }
        let now = clock.now()
        guard expires > now else { throw Refusal(.badRequest, "the expiry \(expires.formatted(.iso8601)) is not in the future", field: "expires") }
        guard expires <= now.addingTimeInterval(90 * 86_400) else {
            throw Refusal(.badRequest, "a quarantine lasts at most 90 days: renew it when it expires", field: "expires")
        }
        let entry = QuarantineEntry(test: test, reason: reason, owner: owner, expires: expires, by: actor, at: now)
        try await store.save(quarantine: entry, event: AuditEvent(at: now, actor: actor, kind: "test.quarantined", subject: test,
                                                                  message: "\(test) quarantined until \(expires.formatted(.iso8601)), owner \(owner)",
                                                                  reason: reason))
        return entry
    }

    public func quarantine() async throws -> [QuarantineEntry] { try await store.quarantine() }
}
