import Foundation
import RailyardCore
import Testing

/// Due runs and catch-up after a restart, on an injected clock, three runs a day in Paris.
@Suite("Nightly calendar: due runs and the runs missed while down")
struct NightlyCalendarTests {
    let paris = TimeZone(identifier: "Europe/Paris")!
    func utc(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }
    func calendar(_ catchUp: NightlySpec.CatchUp) throws -> NightlyCalendar {
        NightlyCalendar(schedules: [try CronSchedule("0 2 * * *", timeZone: paris), try CronSchedule("0 12,18 * * MON-FRI", timeZone: paris)],
                        catchUp: catchUp)
    }

    @Test func aRunIsDueAtItsTimeAndTheNextIsTheNearestOfTheSchedules() throws {
        let nightly = try calendar(.one)
        // Monday 2026-11-30, 01:00 UTC is 02:00 in Paris.
        let decision = nightly.decide(last: utc("2026-11-29T17:00:00Z"), now: utc("2026-11-30T01:00:20Z"))
        #expect(decision.run == utc("2026-11-30T01:00:00Z") && decision.skipped.isEmpty)
        #expect(decision.next == utc("2026-11-30T11:00:00Z"), "noon in Paris")
        #expect(nightly.decide(last: utc("2026-11-30T01:00:00Z"), now: utc("2026-11-30T05:00:00Z")).run == nil, "nothing due between runs")
        #expect(nightly.decide(last: nil, now: utc("2026-11-30T05:00:00Z")).run == nil, "the first start counts nothing as missed")
    }

    @Test func downOverTheWeekendOneRunOnRestartOrNone() throws {
        // Down from Friday 20:00 to Monday 09:00 Paris: Saturday, Sunday and Monday 02:00 were missed.
        let last = utc("2026-11-27T17:00:00Z"), now = utc("2026-11-30T08:00:00Z")
        let one = try calendar(.one).decide(last: last, now: now)
        #expect(one.run == utc("2026-11-30T01:00:00Z"), "the newest missed run, once")
        #expect(one.skipped == [utc("2026-11-28T01:00:00Z"), utc("2026-11-29T01:00:00Z")])
        let none = try calendar(.none).decide(last: last, now: now)
        #expect(none.run == nil && none.skipped.count == 3 && none.next == utc("2026-11-30T11:00:00Z"))
        // With catch_up none, a run only a few seconds late still runs.
        #expect(try calendar(.none).decide(last: last, now: utc("2026-11-28T01:00:30Z")).run == utc("2026-11-28T01:00:00Z"))
    }

    @Test func acrossTheNightTheClocksGoBackTheTwoOClockRunHappensOnce() throws {
        let nightly = NightlyCalendar(schedules: [try CronSchedule("30 2 * * *", timeZone: paris)], catchUp: .one)
        let first = nightly.decide(last: utc("2026-10-24T00:30:00Z"), now: utc("2026-10-25T00:30:05Z"))
        #expect(first.run == utc("2026-10-25T00:30:00Z"))
        // An hour later the clocks have gone back and it is 02:30 again: not due twice.
        let again = nightly.decide(last: utc("2026-10-25T00:30:00Z"), now: utc("2026-10-25T01:30:05Z"))
        #expect(again.run == nil && again.next == utc("2026-10-26T01:30:00Z"))
    }
}
