import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import RailyardCore
import Testing

@Suite("Release figures: the seed's table, DORA's four keys as fourkeys computes them, quality per train")
struct ReleaseFiguresTests {
    let day: TimeInterval = 86_400
    func utc(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    /// A train released (or rolled back) at `live`, after `validation` days in testing.
    func train(_ id: String, live: Date, validation: Double, rolledBack: Bool = false, kind: TrainKind = .regular, fixes: String? = nil,
               createdAt: Date? = nil) -> TrainRecord {
        var train = TrainRecord(id: id, kind: kind, captain: "carol", services: ["payin": id], fixes: fixes, createdBy: "alice",
                                at: createdAt ?? live.addingTimeInterval(-30 * day))
        let testing = live.addingTimeInterval(-(validation + 10) * day)
        train.stages += [StageEntry(state: .testing, at: testing), StageEntry(state: .perf, at: testing.addingTimeInterval(validation * day)),
                         StageEntry(state: .production, at: live.addingTimeInterval(-3600))]
        var release = TrainRelease(batches: [["payin"]], parallel: 1, scriptsFirst: false, previous: [:], versions: [:], at: live.addingTimeInterval(-3600))
        release.endedAt = live
        if rolledBack {
            release.phase = .rolledBack
            release.failedAt = live.addingTimeInterval(-1800)
            train.state = .rolledBack
        } else {
            release.phase = .released
            train.state = .done
            train.productionAt = live
        }
        train.release = release
        return train
    }

    @Test func theSeedsTableAndTheFourKeysComeFromRecordedTrains() {
        let now = utc("2026-11-30T12:00:00Z")
        var trains = [train("2026.40", live: utc("2026-10-05T10:00:00Z"), validation: 4),
                      train("2026.42", live: utc("2026-10-19T10:00:00Z"), validation: 6),
                      train("2026.44", live: utc("2026-11-02T10:00:00Z"), validation: 8, rolledBack: true),
                      train("2026.46", live: utc("2026-11-16T10:00:00Z"), validation: 5)]
        trains.append(train("2026.46-hotfix.1", live: utc("2026-11-17T10:00:00Z"), validation: 0, kind: .hotfix, fixes: "2026.46",
                            createdAt: utc("2026-11-17T04:00:00Z")))
        let tickets = ["2026.42": [Ticket(id: "PAY-1", title: "t", type: "Story", owner: "dave", services: ["payin"], mergedAt: utc("2026-10-01T10:00:00Z"))],
                       "2026.46": [Ticket(id: "PAY-2", title: "t", type: "Story", owner: "dave", services: ["payin"], mergedAt: utc("2026-11-06T10:00:00Z")),
                                   Ticket(id: "PAY-3", title: "t", type: "Story", owner: "dave", services: ["payin"], mergedAt: nil)]]
        let figures = ReleaseFigures.compute(trains: trains, tickets: tickets, now: now)
        // Validation: the regular trains that went live (4, 6 and 5 days); the rolled-back one does not count.
        #expect(figures.seed.validationDaysPerTrain == 5)
        #expect(figures.seed.nonRegressionRunsPerDay == nil, "not measured until nightly suites run")
        // Three runs on 2026-11-27 and one on 2026-11-29: 4 runs over 3 calendar days; one from before the window does not count.
        let runs = [utc("2026-11-27T02:00:00Z"), utc("2026-11-27T13:00:00Z"), utc("2026-11-27T22:00:00Z"), utc("2026-11-29T02:00:00Z"),
                    utc("2026-01-02T02:00:00Z")]
        let measured = ReleaseFigures.compute(trains: trains, tickets: tickets, now: now, nightlyRuns: runs)
        #expect(measured.seed.nonRegressionRunsPerDay == 4.0 / 3.0, "\(String(describing: measured.seed.nonRegressionRunsPerDay))")
        // Time to market: 18 days and 10 days, median 14.
        #expect(figures.seed.timeToMarketDays == 14)
        // Four releases went live (the hotfix too) from 2026-10-05 to 2026-11-30: 8 weeks.
        #expect(abs(figures.seed.releasesPerWeek - 4.0 / (56.5 / 7)) < 0.01, "\(figures.seed.releasesPerWeek)")
        #expect(figures.dora.deployments == 5)
        #expect(figures.dora.changeFailureRate == 2.0 / 5.0, "2026.44 rolled back, 2026.46 needed a hotfix")
        // Restores: 30 minutes (the way back) and 6 hours (the hotfix): median 3.25 h.
        #expect(figures.dora.medianTimeToRestoreHours == 3.25 && figures.dora.timeToRestoreBucket == "One day")
        #expect(figures.dora.medianLeadTimeHours == 14 * 24 && figures.dora.leadTimeBucket == "One month")
        // Deploys in 5 of 9 weeks: most weeks have none, but the median month has one.
        #expect(figures.dora.deploymentFrequency == "Monthly")
        let quality = Dictionary(uniqueKeysWithValues: figures.quality.map { ($0.train, $0) })
        #expect(quality["2026.40"]?.score == 1)
        #expect(quality["2026.44"]?.score == 0.75, "a rollback and 8 validation days: tolerable, half a point each")
        #expect(quality["2026.46"]?.components.first { $0.name == "hotfixes" }?.score == 0.5)
        #expect(quality["2026.46-hotfix.1"] == nil, "hotfixes are counted against the train they fix")
        // Target ranges come from `trains: quality`: 8 validation days within a 10-day target score whole.
        var targets = TrainsSpec.defaultQuality
        targets[2] = TrainsSpec.QualityTarget("validation_days", target: 10, tolerable: 12)
        let relaxed = ReleaseFigures.compute(trains: trains, tickets: tickets, now: now, targets: targets)
        #expect(relaxed.quality.first { $0.train == "2026.44" }?.components.first { $0.name == "validation_days" }?.score == 1)
        #expect(relaxed.quality.first { $0.train == "2026.44" }?.score == 0.875)
    }

    @Test func deploymentFrequencyFollowsFourkeysBuckets() {
        let calendar = Calendar.utc
        let start = utc("2026-09-07T00:00:00Z"), end = utc("2026-11-29T23:00:00Z")
        func days(every step: Int, hour: Int = 10) -> [Date] {
            stride(from: 0, to: 84, by: step).map { start.addingTimeInterval(Double($0) * day + Double(hour) * 3600) }
        }
        #expect(ReleaseFigures.frequency(days(every: 1), from: start, to: end, calendar: calendar) == "Daily")
        #expect(ReleaseFigures.frequency(days(every: 2), from: start, to: end, calendar: calendar) == "Daily", "3 or 4 days a week")
        #expect(ReleaseFigures.frequency(days(every: 7), from: start, to: end, calendar: calendar) == "Weekly")
        #expect(ReleaseFigures.frequency(days(every: 14), from: start, to: end, calendar: calendar) == "Monthly")
        #expect(ReleaseFigures.frequency([start.addingTimeInterval(day)], from: start, to: end, calendar: calendar) == "Yearly")
    }

    @Test func theChartIsAnSVGWithOnePointPerTrain() {
        let trains = [train("2026.40", live: utc("2026-10-05T10:00:00Z"), validation: 4), train("2026.42", live: utc("2026-10-19T10:00:00Z"), validation: 12)]
        let svg = ReleaseFiguresChart.svg(ReleaseFigures.compute(trains: trains, tickets: [:], now: utc("2026-11-30T12:00:00Z")))
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.components(separatedBy: "<circle").count - 1 == 2 && svg.contains("<title>2026.40: 1.0</title>") && svg.contains("<title>2026.42: "))
        let parsed = XMLParser(data: Data(svg.utf8))
        #expect(parsed.parse(), "well-formed XML: \(String(describing: parsed.parserError))")
    }
}
