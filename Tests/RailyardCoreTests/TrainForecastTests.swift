import Foundation
import RailyardCore
import Testing

@Suite("Train forecast: the timetable's plan, re-forecast from past trains' measured stages")
struct TrainForecastTests {
    let timetable = Timetable(TimetableSpec())
    let day: TimeInterval = 86_400
    func utc(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    /// A done train that spent `days[i]` days in each stage from development to ready.
    func past(_ id: String, start: Date, days: [Double]) -> TrainRecord {
        var train = TrainRecord(id: id, captain: "carol", createdBy: "alice", at: start)
        var at = start
        train.stages = [StageEntry(state: .planned, at: start)]
        for (stage, spent) in zip([TrainState.development, .nightly, .testing, .perf, .ready, .production], [0] + days) {
            at = at.addingTimeInterval(spent * day)
            train.stages.append(StageEntry(state: stage, at: at))
        }
        train.state = .done
        return train
    }

    @Test func withoutHistoryTheTimetableIsTheForecast() {
        let train = TrainRecord(id: "2026.48", captain: "carol", createdBy: "alice", at: utc("2026-11-20T09:00:00Z"))
        let forecast = TrainForecast.make(train, history: [], timetable: timetable)
        #expect(forecast.basedOn == 0)
        #expect(forecast.production?.planned == utc("2027-01-04T00:00:00Z") && forecast.production?.expected == utc("2027-01-04T00:00:00Z"))
        #expect(forecast.stages.first { $0.stage == .testing }?.expected == utc("2026-12-07T00:00:00Z"))
    }

    @Test func whatIsLeftIsReForecastFromTheMedianWithTheFastestAndSlowestAsTheRange() {
        // development, nightly, testing, perf, ready: days spent in each by three past trains.
        let history = [past("2026.42", start: utc("2026-10-12T00:00:00Z"), days: [1, 13, 12, 14, 1]),
                       past("2026.44", start: utc("2026-10-26T00:00:00Z"), days: [1, 13, 10, 14, 3]),
                       past("2026.46", start: utc("2026-11-09T00:00:00Z"), days: [1, 13, 16, 14, 2])]
        var train = TrainRecord(id: "2026.48", captain: "carol", createdBy: "alice", at: utc("2026-11-23T00:00:00Z"))
        let testing = utc("2026-12-08T09:00:00Z")
        train.stages += [StageEntry(state: .development, at: utc("2026-11-23T00:00:00Z")), StageEntry(state: .nightly, at: utc("2026-11-24T00:00:00Z")),
                         StageEntry(state: .testing, at: testing)]
        train.state = .testing
        let forecast = TrainForecast.make(train, history: history, timetable: timetable)
        #expect(forecast.basedOn == 3)
        let perf = forecast.stages.first { $0.stage == .perf }!
        #expect(perf.actual == nil && perf.expected == testing.addingTimeInterval(12 * day))
        #expect(perf.earliest == testing.addingTimeInterval(10 * day) && perf.latest == testing.addingTimeInterval(16 * day))
        let production = forecast.production!
        #expect(production.expected == testing.addingTimeInterval((12 + 14 + 2) * day))
        #expect(production.earliest == testing.addingTimeInterval((10 + 14 + 1) * day) && production.latest == testing.addingTimeInterval((16 + 14 + 3) * day))
        #expect(production.planned == utc("2027-01-04T00:00:00Z"))
        #expect(forecast.stages.first { $0.stage == .testing }?.actual == testing)
    }
}
