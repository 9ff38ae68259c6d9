import Foundation
import RailyardCore
import Testing

@Suite("Timetable: sprints, lanes and freezes on the calendar of a time zone")
struct TimetableTests {
    func utc(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    @Test func theDefaultLanesStaggerFourTrains() {
        let timetable = Timetable(TimetableSpec())
        let index = timetable.sprint(containing: utc("2026-11-25T15:00:00Z"))
        #expect(timetable.trainID(ofSprint: index) == "2026.48" && timetable.start(ofSprint: index) == utc("2026-11-23T00:00:00Z"))
        #expect(timetable.sprint(ofTrain: "2026.48") == index && timetable.sprint(ofTrain: "2026.47") == nil, "2026.47 starts no sprint")
        let rows = timetable.rows(from: utc("2026-11-23T08:00:00Z"), weeks: 6)
        #expect(rows.map(\.sprint) == ["2026.48", "2026.50", "2026.52"])
        #expect(rows[0].lanes == ["development": "2026.48", "nightly": "2026.48", "testing": "2026.46", "perf": "2026.44", "production": "2026.42"])
        #expect(rows.map { "\($0.firstDay)..\($0.lastDay)" } == ["2026-11-23..2026-12-06", "2026-12-07..2026-12-20", "2026-12-21..2027-01-03"])
        let planned = timetable.plannedStages(ofSprint: index).map { "\($0.stage.rawValue) \(timetable.localDay($0.at))" }
        #expect(planned == ["development 2026-11-23", "nightly 2026-11-23", "testing 2026-12-07", "perf 2026-12-21", "production 2027-01-04"])
    }

    @Test func sprintIDsFollowISOWeeksAcrossTheYearEnd() {
        let timetable = Timetable(TimetableSpec())
        let december = timetable.sprint(containing: utc("2026-12-31T23:59:59Z"))
        #expect(timetable.trainID(ofSprint: december) == "2026.52")
        #expect(timetable.trainID(ofSprint: december + 1) == "2027.01" && timetable.start(ofSprint: december + 1) == utc("2027-01-04T00:00:00Z"))
        #expect(timetable.sprint(ofTrain: "2027.01") == december + 1)
        // 2026 has 53 ISO weeks: a weekly sprint starting 2026-12-28 is 2026.53, then 2027.01.
        let weekly = Timetable(TimetableSpec(sprintDays: 7))
        let last = weekly.sprint(containing: utc("2026-12-30T00:00:00Z"))
        #expect([weekly.trainID(ofSprint: last), weekly.trainID(ofSprint: last + 1)] == ["2026.53", "2027.01"])
        #expect(weekly.rows(from: utc("2026-12-28T00:00:00Z"), weeks: 2).map(\.lastDay) == ["2027-01-03", "2027-01-10"])
    }

    @Test func sprintsStartAtLocalMidnightAcrossDaylightSavingChanges() throws {
        let paris = try #require(TimeZone(identifier: "Europe/Paris"))
        let timetable = Timetable(TimetableSpec(sprintDays: 7, sprintStart: DateComponents(year: 2026, month: 3, day: 23), timeZone: paris))
        // Summer time starts on Sunday 2026-03-29: the sprint before starts at 23:00Z, the one after at 22:00Z.
        #expect(timetable.start(ofSprint: 0) == utc("2026-03-22T23:00:00Z"))
        #expect(timetable.start(ofSprint: 1) == utc("2026-03-29T22:00:00Z"))
        #expect(timetable.sprint(containing: utc("2026-03-29T22:30:00Z")) == 1, "00:30 on Monday in Paris is the new sprint")
        #expect(timetable.sprint(containing: utc("2026-03-29T21:30:00Z")) == 0, "23:30 on Sunday in Paris is still the old one")
        // Winter time comes back on Sunday 2026-10-25.
        let october = timetable.sprint(containing: utc("2026-10-26T12:00:00Z"))
        #expect(timetable.start(ofSprint: october) == utc("2026-10-25T23:00:00Z") && timetable.start(ofSprint: october - 1) == utc("2026-10-18T22:00:00Z"))
        #expect(timetable.rows(from: utc("2026-10-19T08:00:00Z"), weeks: 2).map(\.firstDay) == ["2026-10-19", "2026-10-26"])
    }

    @Test func freezesFallOnMonthEndsAndNamedWindowsInLocalTime() throws {
        let paris = try #require(TimeZone(identifier: "Europe/Paris"))
        let spec = TimetableSpec(timeZone: paris, blackouts: [
            .init(name: "month-end", window: .monthEnd(days: 2)),
            .init(name: "black-friday", window: .once(from: DateComponents(year: 2026, month: 11, day: 27, hour: 0, minute: 0),
                                                      to: DateComponents(year: 2026, month: 11, day: 30, hour: 6, minute: 0))),
        ])
        let timetable = Timetable(spec)
        let november = try #require(timetable.freeze(at: utc("2026-11-29T12:00:00Z")))
        #expect(november.name == "month-end" && november.from == utc("2026-11-28T23:00:00Z") && november.until == utc("2026-11-30T23:00:00Z"))
        #expect(timetable.freeze(at: utc("2026-11-27T10:00:00Z"))?.name == "black-friday")
        #expect(timetable.freeze(at: utc("2026-11-30T23:00:00Z")) == nil, "the freeze ends at local midnight")
        let february = try #require(timetable.freeze(at: utc("2027-02-27T00:30:00Z")))
        #expect(february.from == utc("2027-02-26T23:00:00Z") && february.until == utc("2027-02-28T23:00:00Z"))
        // Across the year end and in summer time.
        #expect(timetable.freeze(at: utc("2026-12-31T22:59:00Z"))?.until == utc("2026-12-31T23:00:00Z"))
        #expect(timetable.freeze(at: utc("2026-07-30T22:00:00Z"))?.from == utc("2026-07-29T22:00:00Z"))
        #expect(timetable.freeze(at: utc("2026-07-15T12:00:00Z")) == nil)
    }
}
