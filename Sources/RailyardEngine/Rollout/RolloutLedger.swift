import Foundation
import RailyardCore
import RailyardPorts

/// Where a rollout's transitions are written: each one is stored with its audit event in one
/// transaction *before* the side effect it announces, then published to listeners. A transition is
/// stored only in place of the record it was decided on: if another writer stored the rollout
/// meanwhile, it throws `StaleWrite` and writes nothing, so no change overwrites one it never read.
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
        try await store.save(next, replacing: record, events: [AuditEvent(at: next.updatedAt, actor: actor, kind: "rollout.\(event.name)", subject: record.id,
                                                       message: message, reason: reason, before: machine.position(of: record),
                                                       after: machine.position(of: next))])
        feed.publish(next)
        return next
    }

    /// Runs `body` on the rollout as stored now; if another writer stored it before `body`'s transition could
    /// (`StaleWrite`), reads it again and runs `body` again, which decides anew (the machine may now refuse).
    /// For changes that hold whatever the rollout did meanwhile: a person's approval or abort, a failure to roll back.
    func onCurrent<T: Sendable>(_ id: String, _ body: (RolloutRecord) async throws -> T) async throws -> T {
        try await retryingStale { try await body(try await existing(id)) }
    }

    func audit(actor: String = Self.controllerActor, kind: String, subject: String, message: String, reason: String? = nil) async throws {
        try await store.append(event(actor: actor, kind: kind, subject: subject, message: message, reason: reason))
    }

    /// An audit event of now, to be stored with the change it announces (`RailyardStore.save(_:events:)`).
    func event(actor: String = Self.controllerActor, kind: String, subject: String, message: String, reason: String? = nil) -> AuditEvent {
        AuditEvent(at: clock.now(), actor: actor, kind: kind, subject: subject, message: message, reason: reason)
    }

    func existing(_ id: String) async throws -> RolloutRecord {
        guard let record = try await store.rollout(id: id) else { throw Refusal(.notFound, "no rollout '\(id)'") }
        return record
    }
}
