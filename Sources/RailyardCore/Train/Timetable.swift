import Foundation

/// The staggered release calendar, pure: which sprint a day belongs to, each sprint's train id
/// (`YYYY.WW`, the ISO week its sprint starts in), which train is in which lane, and the freezes.
/// Every date is computed with the calendar of the configured time zone, so sprints start at local
/// midnight across daylight-saving changes, month ends and year ends.
public struct Timetable: Sendable {
    public let spec: TimetableSpec
    let calendar: Calendar
    let iso: Calendar
    /// Local midnight of the configured sprint start.
    let anchor: Date

    public init(_ spec: TimetableSpec) {
        self.spec = spec
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = spec.timeZone
        self.calendar = calendar
        var iso = Calendar(identifier: .iso8601)
        iso.timeZone = spec.timeZone
        self.iso = iso
        var start = spec.sprintStart
        start.hour = 0
        start.minute = 0
        start.second = 0
        anchor = calendar.date(from: start) ?? Date(timeIntervalSince1970: 0)
    }

    /// Local midnight starting sprint `index` (0 is the configured start; negative is before it).
    public func start(ofSprint index: Int) -> Date {
        calendar.date(byAdding: .day, value: index * spec.sprintDays, to: anchor)!
    }

    /// When the scheduled train of sprint `index` is created: its first day at `hour:minute` local time.
    public func creation(ofSprint index: Int, hour: Int, minute: Int) -> Date {
        calendar.date(bySettingHour: hour, minute: minute, second: 0, of: start(ofSprint: index))!
    }

    /// The sprint a moment falls in.
    public func sprint(containing date: Date) -> Int {
        let days = calendar.dateComponents([.day], from: anchor, to: calendar.startOfDay(for: date)).day!
        return Int((Double(days) / Double(spec.sprintDays)).rounded(.down))
    }

    /// `YYYY.WW`: the ISO week-year and week the sprint starts in.
    public func trainID(ofSprint index: Int) -> String {
        let components = iso.dateComponents([.yearForWeekOfYear, .weekOfYear], from: start(ofSprint: index))
        return "\(components.yearForWeekOfYear!).\(String(components.weekOfYear!).leftPadded(to: 2))"
    }

    /// The sprint whose train id is `id`, when `id` names one.
    public func sprint(ofTrain id: String) -> Int? {
        let parts = id.split(separator: ".")
        guard parts.count == 2, let year = Int(parts[0]), let week = Int(parts[1]),
              let monday = iso.date(from: DateComponents(weekday: 2, weekOfYear: week, yearForWeekOfYear: year)) else { return nil }
        let index = sprint(containing: monday)
        return trainID(ofSprint: index) == id ? index : nil
    }

    /// The train in `stage` during sprint `index`, by the lanes.
    public func train(in stage: TrainState, duringSprint index: Int) -> String? {
        spec.lanes.first { $0.stage == stage }.map { trainID(ofSprint: index - $0.sprintsBehind) }
    }

    /// When each lane's stage starts for the train of sprint `index`.
    public func plannedStages(ofSprint index: Int) -> [(stage: TrainState, at: Date)] {
        spec.lanes.map { ($0.stage, start(ofSprint: index + $0.sprintsBehind)) }
    }

    /// One sprint of the timetable: its days and the train in each lane.
    public struct Row: Sendable, Equatable, Codable {
        public var sprint: String
        public var starts: Date
        /// The sprint's last day, as a local date.
        public var lastDay: String
        public var firstDay: String
        public var lanes: [String: String]
        public var freezes: [Freeze]
    }

    /// A freeze as it falls on the calendar.
    public struct Freeze: Sendable, Equatable, Codable {
        public var name: String
        public var from: Date
        public var until: Date
        public init(name: String, from: Date, until: Date) {
            self.name = name
            self.from = from
            self.until = until
        }
    }

    /// The sprints overlapping `weeks` weeks from `date`.
    public func rows(from date: Date, weeks: Int) -> [Row] {
        let end = calendar.date(byAdding: .day, value: weeks * 7, to: calendar.startOfDay(for: date))!
        var rows: [Row] = []
        var index = sprint(containing: date)
        while start(ofSprint: index) < end {
            let starts = start(ofSprint: index), next = start(ofSprint: index + 1)
            var lanes: [String: String] = [:]
            for lane in spec.lanes { lanes[lane.stage.rawValue] = trainID(ofSprint: index - lane.sprintsBehind) }
            rows.append(Row(sprint: trainID(ofSprint: index), starts: starts, lastDay: localDay(calendar.date(byAdding: .day, value: -1, to: next)!),
                            firstDay: localDay(starts), lanes: lanes, freezes: freezes(from: starts, to: next)))
            index += 1
        }
        return rows
    }

    /// `2026-11-23` in the timetable's time zone.
    public func localDay(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return "\(c.year!)-\(String(c.month!).leftPadded(to: 2))-\(String(c.day!).leftPadded(to: 2))"
    }

    /// The freeze in force at `date`, if any (the one ending last when several overlap).
    public func freeze(at date: Date) -> Freeze? {
        freezes(from: calendar.date(byAdding: .month, value: -2, to: date)!, to: calendar.date(byAdding: .month, value: 2, to: date)!)
            .filter { $0.from <= date && date < $0.until }.max { $0.until < $1.until }
    }

    /// Every freeze overlapping [from, to).
    public func freezes(from: Date, to: Date) -> [Freeze] {
        var result: [Freeze] = []
        for blackout in spec.blackouts {
            switch blackout.window {
            case .once(let start, let end):
                guard let a = calendar.date(from: start), let b = calendar.date(from: end) else { continue }
                if a < to, b > from { result.append(Freeze(name: blackout.name, from: a, until: b)) }
            case .monthEnd(let days):
                var month = calendar.date(from: calendar.dateComponents([.year, .month], from: from))!
                month = calendar.date(byAdding: .month, value: -1, to: month)!
                while month < to {
                    let next = calendar.date(byAdding: .month, value: 1, to: month)!
                    let a = calendar.date(byAdding: .day, value: -days, to: next)!
                    if a < to, next > from { result.append(Freeze(name: blackout.name, from: a, until: next)) }
                    month = next
                }
            }
        }
        return result.sorted { $0.from < $1.from }
    }
}
