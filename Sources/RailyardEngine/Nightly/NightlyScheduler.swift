import Foundation
import RailyardCore
import RailyardPorts
import ServiceLifecycle

/// Starts the nightly on its cron schedules (`nightly: schedule`, in its time zone), for the train in
/// development. After a restart, runs missed while Railyard was down are caught up as configured
/// (`catch_up: one` runs the newest once, `none` skips them), and each skipped one is said in the
/// audit log. The last scheduled time handled is stored, so a restart never runs a slot twice; the
/// controller's lease keeps a slot that comes while a run still goes from starting a second one.
public actor NightlyScheduler: Service {
    static let actor = "railyard:schedule"
    static let lastKey = "nightly.last_scheduled"
    let config: RailyardConfig
    let store: any RailyardStore
    let clock: any WallClock
    let controller: NightlyController
    let calendar: NightlyCalendar

    init(config: RailyardConfig, store: any RailyardStore, clock: any WallClock, controller: NightlyController) {
        self.config = config
        self.store = store
        self.clock = clock
        self.controller = controller
        self.calendar = NightlyCalendar(schedules: config.nightly.schedule, catchUp: config.nightly.catchUp)
    }

    public func run() async throws {
        guard !config.nightly.schedule.isEmpty, !config.nightly.suites.isEmpty else {
            try? await gracefulShutdown()
            return
        }
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    let next = try await self.tick()
                    try await self.clock.sleep(until: next ?? self.clock.now().addingTimeInterval(3600))
                }
            }
        } catch is CancellationError {
            return
        }
    }

    /// Starts the run that is due, if one is; says which were skipped; returns the next scheduled time.
    @discardableResult
    public func tick() async throws -> Date? {
        let now = clock.now()
        guard let stored = try await store.setting(Self.lastKey), let last = Double(stored).map(Date.init(timeIntervalSince1970:)) else {
            // The very first start: nothing before now counts as missed.
            try await remember(now, event: AuditEvent(at: now, actor: Self.actor, kind: "nightly.schedule_started", subject: "nightly",
                                                       message: "nightly schedule started; next run at "
                                                           + (calendar.next(after: now)?.formatted(.iso8601) ?? "never")))
            return calendar.next(after: now)
        }
        let decision = calendar.decide(last: last, now: now)
        guard let handled = decision.run ?? decision.skipped.last else { return decision.next }
        let skipped = decision.skipped.map { $0.formatted(.iso8601) }.joined(separator: ", ")
        let train = try await controller.trainInDevelopment()
        var message: String
        var reason: String?
        if let slot = decision.run {
            do {
                let run = try await controller.start(trigger: .scheduled(slot), train: train, actor: Self.actor)
                message = "started nightly \(run.id) for \(slot.formatted(.iso8601))"
            } catch let refusal as Refusal {
                message = "did not start the nightly of \(slot.formatted(.iso8601))"
                reason = refusal.reason
            }
            if !skipped.isEmpty { reason = [reason, "missed while Railyard was down, not run (catch_up: one runs the newest): \(skipped)"].compactMap { $0 }.joined(separator: "; ") }
        } else {
            message = "skipped the nightly runs missed while Railyard was down"
            reason = "catch_up: none; missed: \(skipped)"
        }
        // Stored after the start: a crash in between leaves the run, and the lease refuses its twin.
        try await remember(handled, event: AuditEvent(at: now, actor: Self.actor, kind: "nightly.scheduled", subject: train?.id ?? "nightly",
                                                       message: message, reason: reason))
        return decision.next
    }

    func remember(_ date: Date, event: AuditEvent) async throws {
        try await store.save(setting: Self.lastKey, value: String(date.timeIntervalSince1970), event: event)
    }
}
