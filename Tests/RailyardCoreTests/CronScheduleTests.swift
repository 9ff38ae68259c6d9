import Foundation
import RailyardCore
import Testing

/// Cron in a time zone, checked against instants written in UTC: daylight-saving changes in both
/// directions, month ends, a year end, and Vixie cron's day-of-month OR day-of-week.
@Suite("Cron schedule: fields, names, steps, daylight saving, month and year ends")
struct CronScheduleTests {
    let paris = TimeZone(identifier: "Europe/Paris")!
    func utc(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }
    func cron(_ text: String, _ zone: TimeZone? = nil) throws -> CronSchedule { try CronSchedule(text, timeZone: zone ?? paris) }

    @Test func threeRunsADayInParis() throws {
        let schedule = try cron("0 2,10,18 * * MON-FRI")
        // Friday 2026-11-27 19:00 Paris (UTC+1) → Monday 02:00.
        #expect(schedule.next(after: utc("2026-11-27T18:00:00Z")) == utc("2026-11-30T01:00:00Z"))
        #expect(schedule.runs(after: utc("2026-11-30T00:00:00Z"), through: utc("2026-11-30T23:00:00Z"))
                == [utc("2026-11-30T01:00:00Z"), utc("2026-11-30T09:00:00Z"), utc("2026-11-30T17:00:00Z")])
    }

    @Test func theNightTheClocksJumpForwardTheRunHappensAtTheJumpOnce() throws {
        // 2027-03-28: at 02:00 Paris the clocks go to 03:00 (01:00 UTC); 02:30 does not exist.
        let schedule = try cron("30 2 * * *")
        let runs = schedule.runs(after: utc("2027-03-26T12:00:00Z"), through: utc("2027-03-29T12:00:00Z"))
        #expect(runs == [utc("2027-03-27T01:30:00Z"), utc("2027-03-28T01:00:00Z"), utc("2027-03-29T00:30:00Z")], "\(runs)")
        // Several times inside the gap still run once, at the jump.
        let quarter = try cron("*/15 2 28 3 *")
        #expect(quarter.runs(after: utc("2027-03-27T12:00:00Z"), through: utc("2027-03-28T12:00:00Z")) == [utc("2027-03-28T01:00:00Z")])
    }

    @Test func theNightTheClocksGoBackTheRepeatedHourRunsOnce() throws {
        // 2026-10-25: at 03:00 CEST (01:00 UTC) the clocks go back to 02:00; 02:30 happens twice.
        let schedule = try cron("30 2 * * *")
        let runs = schedule.runs(after: utc("2026-10-23T12:00:00Z"), through: utc("2026-10-26T12:00:00Z"))
        #expect(runs == [utc("2026-10-24T00:30:00Z"), utc("2026-10-25T00:30:00Z"), utc("2026-10-26T01:30:00Z")], "\(runs)")
        let hourly = try cron("0 * 25 10 *")
        let night = hourly.runs(after: utc("2026-10-24T21:30:00Z"), through: utc("2026-10-25T03:30:00Z"))
        // 00:00, 01:00, 02:00 (once, CEST), 03:00, 04:00 local.
        #expect(night == ["2026-10-24T22:00:00Z", "2026-10-24T23:00:00Z", "2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z", "2026-10-25T03:00:00Z"].map(utc))
    }

    @Test func monthEndsSkipMonthsWithoutTheDay() throws {
        let schedule = try cron("0 3 31 * *", TimeZone(identifier: "UTC")!)
        #expect(schedule.runs(after: utc("2026-11-15T00:00:00Z"), through: utc("2027-05-31T23:00:00Z"))
                == ["2026-12-31T03:00:00Z", "2027-01-31T03:00:00Z", "2027-03-31T03:00:00Z", "2027-05-31T03:00:00Z"].map(utc))
        // 29 February: the next one is in 2028.
        #expect(try cron("0 0 29 2 *", TimeZone(identifier: "UTC")!).next(after: utc("2026-03-01T00:00:00Z")) == utc("2028-02-29T00:00:00Z"))
        #expect(try cron("0 0 31 2 *").next(after: utc("2026-01-01T00:00:00Z")) == nil, "31 February never comes")
    }

    @Test func aYearEndInParis() throws {
        let schedule = try cron("0 0 1 1 *")
        #expect(schedule.next(after: utc("2026-12-31T22:59:00Z")) == utc("2026-12-31T23:00:00Z"), "midnight of 1 January in Paris is 23:00 UTC")
        #expect(try cron("59 23 31 12 *").next(after: utc("2026-06-01T00:00:00Z")) == utc("2026-12-31T22:59:00Z"))
        #expect(try cron("@yearly").next(after: utc("2026-12-31T22:59:00Z")) == utc("2026-12-31T23:00:00Z"))
    }

    @Test func eitherDayFieldSufficesWhenBothAreRestricted() throws {
        // The 13th, or any Friday; 2026-11: Fri 6, Fri 13, Fri 20, Fri 27, and 13 is both.
        let schedule = try cron("0 6 13 * FRI", TimeZone(identifier: "UTC")!)
        let runs = schedule.runs(after: utc("2026-11-01T00:00:00Z"), through: utc("2026-12-14T00:00:00Z"))
        #expect(runs.map { Calendar.utc.component(.day, from: $0) } == [6, 13, 20, 27, 4, 11, 13])
        // Only one restricted: both must hold (Sundays only, 7 is Sunday too).
        #expect(try cron("0 6 * * 7", TimeZone(identifier: "UTC")!).next(after: utc("2026-11-30T00:00:00Z")) == utc("2026-12-06T06:00:00Z"))
        #expect(try cron("*/20 9-10 * jan,Dec *", TimeZone(identifier: "UTC")!).runs(after: utc("2026-12-01T00:00:00Z"), through: utc("2026-12-01T23:00:00Z")).count == 6)
        #expect(try cron("5/20 * * * *", TimeZone(identifier: "UTC")!).runs(after: utc("2026-12-01T00:00:00Z"), through: utc("2026-12-01T01:00:00Z"))
                == ["2026-12-01T00:05:00Z", "2026-12-01T00:25:00Z", "2026-12-01T00:45:00Z"].map(utc))
    }

    @Test func aBadExpressionNamesItsField() {
        func error(_ text: String) -> String {
            do { _ = try CronSchedule(text, timeZone: paris); return "accepted" } catch { return error.description }
        }
        #expect(error("61 * * * *") == "minute: 61 is outside 0-59")
        #expect(error("0 2 * *") == "expression: '0 2 * *' has 4 field(s); cron takes 5: minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\"")
        #expect(error("*/0 * * * *") == "minute: step '0' must be a whole number from 1 to 59")
        #expect(error("0 2 * FOO *") == "month: 'FOO' is not a number from 1 to 12 nor one of JAN, FEB, MAR, APR, MAY, JUN, JUL, AUG, SEP, OCT, NOV, DEC")
        #expect(error("0 5-2 * * *") == "hour: range 5-2 goes backwards")
        #expect(error("0 2 0 * *") == "day-of-month: 0 is outside 1-31")
        #expect(error("@nightly").hasPrefix("expression: unknown '@nightly'"))
        #expect(error("0 2,,3 * * *") == "hour: '' is not a value, a range or a step")
    }
}
