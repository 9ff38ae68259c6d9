import Foundation

/// The figures of the release process, computed from recorded trains only: the seed's before/after
/// table, the four DORA keys as the fourkeys project defines them, and a release quality score per
/// train in the spirit of Tramline's Reldex. A figure Railyard cannot measure yet is nil, never a guess.
public struct ReleaseFigures: Codable, Sendable, Equatable {
    /// The seed's table.
    public struct Seed: Codable, Sendable, Equatable {
        /// Mean days from entering testing to leaving it, over released regular trains.
        public var validationDaysPerTrain: Double?
        /// Releases that went live per week over the window.
        public var releasesPerWeek: Double
        /// Nightly runs per calendar day, over the days from the first run of the window to the last;
        /// nil while no run has finished.
        public var nonRegressionRunsPerDay: Double?
        /// Median days from a ticket merged to its train live in the last production datacenter.
        public var timeToMarketDays: Double?
    }

    /// DORA's four keys, with fourkeys' buckets.
    public struct Dora: Codable, Sendable, Equatable {
        public var deployments: Int
        /// Daily, Weekly, Monthly or Yearly, as fourkeys' dashboard decides it.
        public var deploymentFrequency: String
        public var medianLeadTimeHours: Double?
        /// One day, One week, One month, Six months or One year.
        public var leadTimeBucket: String?
        /// Failed releases (rolled back, or fixed by a hotfix) over all releases.
        public var changeFailureRate: Double?
        public var medianTimeToRestoreHours: Double?
        public var timeToRestoreBucket: String?
    }

    /// One train's quality, each component scored 1 inside its target, 0.5 inside its tolerance, 0 beyond.
    public struct Quality: Codable, Sendable, Equatable {
        public struct Component: Codable, Sendable, Equatable {
            public var name: String
            public var value: Double
            public var target: Double
            public var tolerable: Double
            public var score: Double
        }
        public var train: String
        public var state: TrainState
        public var score: Double
        public var components: [Component]
    }

    public var windowStart: Date
    public var windowEnd: Date
    public var seed: Seed
    public var dora: Dora
    public var quality: [Quality]

    /// Target (full score) and tolerable (half score) values of each quality component.
    /// - Parameters:
    ///   - trains: every train as stored.
    ///   - tickets: each train's tickets.
    ///   - now: the end of the window; fourkeys looks three months back.
    ///   - targets: the quality measures' target ranges (`trains: quality`).
    /// - Parameter nightlyRuns: the start of every finished nightly run (any trigger).
    public static func compute(trains: [TrainRecord], tickets: [String: [Ticket]], now: Date, calendar: Calendar = .utc,
                               targets: [TrainsSpec.QualityTarget] = TrainsSpec.defaultQuality, nightlyRuns: [Date] = []) -> ReleaseFigures {
        let windowStart = calendar.date(byAdding: .month, value: -3, to: now)!
        // Runs per calendar day from the first day with a run in the window to the last one, both counted.
        let runs = nightlyRuns.filter { $0 >= windowStart && $0 <= now }
        let runDays = runs.min().flatMap { first in runs.max().map { last in
            (calendar.dateComponents([.day], from: calendar.startOfDay(for: first), to: calendar.startOfDay(for: last)).day ?? 0) + 1 } }
        // A deployment: a production release that ended, regular or hotfix.
        let releases = trains.filter { $0.release?.endedAt != nil && ($0.state == .done || $0.state == .rolledBack) }
            .filter { $0.release!.endedAt! > windowStart && $0.release!.endedAt! <= now }
        let live = releases.filter { $0.state == .done }
        let hotfixesOf = Dictionary(grouping: trains.filter { $0.kind == .hotfix && $0.fixes != nil }, by: { $0.fixes! })

        func days(_ interval: TimeInterval) -> Double { interval / 86_400 }
        func validationDays(_ train: TrainRecord) -> Double? {
            guard let testing = train.entered(.testing), let next = train.entered(.perf) ?? train.entered(.ready) ?? train.entered(.production) else { return nil }
            return days(next.timeIntervalSince(testing))
        }

        let firstDay = calendar.startOfDay(for: max(windowStart, releases.compactMap { $0.release?.endedAt }.min() ?? now))
        let weeks = max(1, days(now.timeIntervalSince(firstDay)) / 7)
        let regularValidation = live.filter { $0.kind == .regular }.compactMap(validationDays)
        var leadTimes: [Double] = []
        for train in live {
            guard let at = train.productionAt else { continue }
            for ticket in tickets[train.id] ?? [] {
                if let merged = ticket.mergedAt, at > merged { leadTimes.append(at.timeIntervalSince(merged)) }
            }
        }
        let seed = Seed(validationDaysPerTrain: regularValidation.isEmpty ? nil : regularValidation.reduce(0, +) / Double(regularValidation.count),
                        releasesPerWeek: Double(live.count) / weeks,
                        nonRegressionRunsPerDay: runDays.map { Double(runs.count) / Double($0) },
                        timeToMarketDays: leadTimes.median.map(days))

        // Failures: rolled back, or a released train that needed a hotfix. Restores: the way back, or the hotfix.
        var failures = 0
        var restores: [Double] = []
        for train in releases {
            if train.state == .rolledBack {
                failures += 1
                if let failed = train.release?.failedAt, let ended = train.release?.endedAt { restores.append(ended.timeIntervalSince(failed)) }
            } else if let fixes = hotfixesOf[train.id], !fixes.isEmpty {
                failures += 1
                if let fix = fixes.compactMap({ hotfix in hotfix.productionAt.map { $0.timeIntervalSince(hotfix.createdAt) } }).min() { restores.append(fix) }
            }
        }
        let leadHours = leadTimes.median.map { $0 / 3600 }
        let restoreHours = restores.median.map { $0 / 3600 }
        let dora = Dora(deployments: releases.count, deploymentFrequency: frequency(releases.compactMap { $0.release?.endedAt }, from: firstDay, to: now,
                                                                                    calendar: calendar),
                        medianLeadTimeHours: leadHours, leadTimeBucket: leadHours.map(bucket),
                        changeFailureRate: releases.isEmpty ? nil : Double(failures) / Double(releases.count),
                        medianTimeToRestoreHours: restoreHours, timeToRestoreBucket: restoreHours.map(bucket))

        let quality = trains.filter { $0.kind == .regular && ($0.state == .done || $0.state == .rolledBack) }
            .sorted { ($0.productionAt ?? $0.updatedAt) < ($1.productionAt ?? $1.updatedAt) }
            .map { train -> Quality in
                let values: [String: Double] = [
                    "hotfixes": Double(hotfixesOf[train.id]?.count ?? 0),
                    "rollbacks": train.state == .rolledBack ? 1 : 0,
                    "validation_days": validationDays(train) ?? 0,
                    "soak_extensions": Double(train.soakChanges.filter { $0.kind == .extend }.count),
                ]
                let components = targets.map { target -> Quality.Component in
                    let value = values[target.name] ?? 0
                    return .init(name: target.name, value: value, target: target.target, tolerable: target.tolerable,
                                 score: value <= target.target ? 1 : value <= target.tolerable ? 0.5 : 0)
                }
                return Quality(train: train.id, state: train.state, score: components.reduce(0) { $0 + $1.score } / Double(components.count),
                               components: components)
            }
        return ReleaseFigures(windowStart: windowStart, windowEnd: now, seed: seed, dora: dora, quality: quality)
    }

    /// fourkeys: Daily when the median week has deployments on 3 days or more; Weekly when most weeks
    /// have one; Monthly when the median month has one; Yearly otherwise.
    public static func frequency(_ deployments: [Date], from start: Date, to end: Date, calendar: Calendar) -> String {
        guard start < end else { return "Yearly" }
        var weeks: [Date: (deployed: Int, days: Set<Date>)] = [:]
        var day = calendar.startOfDay(for: start)
        while day <= end {
            let week = calendar.dateInterval(of: .weekOfYear, for: day)!.start
            weeks[week, default: (0, [])] = weeks[week] ?? (0, [])
            day = calendar.date(byAdding: .day, value: 1, to: day)!
        }
        for deployment in deployments {
            let week = calendar.dateInterval(of: .weekOfYear, for: deployment)!.start
            guard weeks[week] != nil else { continue }
            weeks[week]!.deployed = 1
            weeks[week]!.days.insert(calendar.startOfDay(for: deployment))
        }
        func median(_ values: [Double]) -> Double { values.median ?? 0 }
        let ordered = weeks.sorted { $0.key < $1.key }
        if median(ordered.map { Double($0.value.days.count) }) >= 3 { return "Daily" }
        if median(ordered.map { Double($0.value.deployed) }) >= 1 { return "Weekly" }
        // Each week carries the deployed weeks of its month, as fourkeys' window function does.
        let monthOf = { (week: Date) in calendar.dateInterval(of: .month, for: week)!.start }
        var perMonth: [Date: Int] = [:]
        for (week, value) in ordered { perMonth[monthOf(week), default: 0] += value.deployed }
        if median(ordered.map { Double(perMonth[monthOf($0.key)] ?? 0) }) >= 1 { return "Monthly" }
        return "Yearly"
    }

    /// fourkeys' buckets for a median duration.
    static func bucket(hours: Double) -> String {
        hours < 24 ? "One day" : hours < 168 ? "One week" : hours < 730 ? "One month" : hours < 730 * 6 ? "Six months" : "One year"
    }
}

extension Calendar {
    /// Gregorian in UTC, weeks starting on Monday.
    public static var utc: Calendar {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }
}
