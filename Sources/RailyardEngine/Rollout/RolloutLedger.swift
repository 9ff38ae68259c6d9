import Foundation
import RailyardCore
import RailyardPorts

/// Where a rollout's transitions are written: each one is stored with its audit event in one
/// transaction *before* the side effect it announces, then published to listeners.
public struct RolloutLedger: Sendable {
    public static let controllerActor = "railyard"
    let machine: RolloutMachine
    let store: any RailyardStore
    let clock: any WallClock
    let feed: RolloutFeed

    @discardableResult
    func transition(_ record: RolloutRecord, _ event: RolloutEvent, actor: String = Self.controllerActor, message: String,
                    reason: String? = nil) async throws -> RolloutRecord {
        let next: RolloutRecord
        do {
            next = try machine.apply(event, to: record, at: clock.now())
        } catch {
            throw Refusal(.conflict, error.message)
        }
        try await store.save(next, events: [AuditEvent(at: next.updatedAt, actor: actor, kind: "rollout.\(event.name)", subject: record.id,
                                                       message: message, reason: reason, before: machine.position(of: record),
                                                       after: machine.position(of: next))])
        feed.publish(next)
        return next
    }

    func audit(actor: String = Self.controllerActor, kind: String, subject: String, message: String, reason: String? = nil) async throws {
        try await store.append(AuditEvent(at: clock.now(), actor: actor, kind: kind, subject: subject, message: message, reason: reason))
    }

    func existing(_ id: String) async throws -> RolloutRecord {
        guard let record = try await store.rollout(id: id) else { throw Refusal(.notFound, "no rollout '\(id)'") }
        return record
    }
}
