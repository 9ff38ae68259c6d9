import Foundation

/// When the nightly runs, from its cron schedules and the last scheduled time it ran: what is due
/// now, and what a restart does with the runs it missed while down (`catch_up: one` runs the newest
/// of them once, `none` skips them all). Pure: the clock is the caller's.
public struct NightlyCalendar: Sendable, Equatable {
    public let schedules: [CronSchedule]
    public let catchUp: NightlySpec.CatchUp

    public init(schedules: [CronSchedule], catchUp: NightlySpec.CatchUp) {
        self.schedules = schedules
        self.catchUp = catchUp
    }

    public struct Decision: Sendable, Equatable {
        /// The scheduled time to run for now, if one is due.
        public var run: Date?
        /// Scheduled times passed without a run and not run now (reported, with the reason).
        public var skipped: [Date]
        /// The next scheduled time after now.
        public var next: Date?
    }

    /// The next scheduled time of any schedule strictly after `date`.
    public func next(after date: Date) -> Date? { schedules.compactMap { $0.next(after: date) }.min() }

    /// - Parameters:
    ///   - last: the scheduled time of the last run made (or skipped); nil on the very first start,
    ///     where nothing before `now` counts as missed.
    ///   - now: the clock's time.
    ///   - grace: a scheduled time this close behind `now` is on time, not missed.
    public func decide(last: Date?, now: Date, grace: TimeInterval = 60) -> Decision {
        guard let last else { return Decision(run: nil, skipped: [], next: next(after: now)) }
        var passed: [Date] = []
        var cursor = last
        while let time = next(after: cursor), time <= now, passed.count < 10_000 {
            passed.append(time)
            cursor = time
        }
        guard let newest = passed.last else { return Decision(run: nil, skipped: [], next: next(after: now)) }
        let onTime = now.timeIntervalSince(newest) <= grace
        if onTime || catchUp == .one {
            return Decision(run: newest, skipped: Array(passed.dropLast()), next: next(after: now))
        }
        return Decision(run: nil, skipped: passed, next: next(after: now))
    }
}
