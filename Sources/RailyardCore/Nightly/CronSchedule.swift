import Foundation

/// A five-field cron expression (minute hour day-of-month month day-of-week) read in a time zone, as
/// Vixie cron reads it: lists, ranges, steps, month and weekday names, 7 for Sunday, and when both
/// day fields are restricted a day matching either runs. `@hourly`, `@daily`, `@weekly`, `@monthly`
/// and `@yearly` stand for their expressions.
///
/// Daylight-saving changes, decided once so that a night's run is never lost nor doubled: a local time
/// that does not exist (the clocks jump over it) runs at the jump; a local time that happens twice
/// (the clocks go back) runs at its first occurrence only.
public struct CronSchedule: Sendable, Equatable, CustomStringConvertible {
    public let expression: String
    public let timeZone: TimeZone
    let minutes: [Int]
    let hours: [Int]
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    /// 0 = Sunday … 6 = Saturday.
    let daysOfWeek: Set<Int>
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool

    public var description: String { "\(expression) (\(timeZone.identifier))" }

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        /// The field at fault: minute, hour, day-of-month, month, day-of-week; or expression.
        public let field: String
        public let message: String
        public var description: String { "\(field): \(message)" }
    }

    static let macros = ["@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0",
                         "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *"]
    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    public init(_ text: String, timeZone: TimeZone) throws(ParseError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let expanded: String
        if trimmed.hasPrefix("@") {
            guard let macro = Self.macros[trimmed.lowercased()] else {
                throw ParseError(field: "expression", message: "unknown '\(trimmed)': use \(Self.macros.keys.sorted().joined(separator: ", ")) or five fields")
            }
            expanded = macro
        } else {
            expanded = trimmed
        }
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw ParseError(field: "expression",
                             message: "'\(trimmed)' has \(fields.count) field(s); cron takes 5: minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\"")
        }
        expression = trimmed
        self.timeZone = timeZone
        minutes = try Self.field(fields[0], "minute", 0...59).sorted()
        hours = try Self.field(fields[1], "hour", 0...23).sorted()
        daysOfMonth = try Self.field(fields[2], "day-of-month", 1...31)
        months = try Self.field(fields[3], "month", 1...12, names: Self.monthNames, firstName: 1)
        daysOfWeek = Set(try Self.field(fields[4], "day-of-week", 0...7, names: Self.dayNames, firstName: 0).map { $0 % 7 })
        dayOfMonthRestricted = !fields[2].hasPrefix("*")
        dayOfWeekRestricted = !fields[4].hasPrefix("*")
    }

    /// One field: `*`, `N`, `A-B`, each optionally `/STEP`, separated by commas.
    static func field(_ text: String, _ name: String, _ range: ClosedRange<Int>, names: [String] = [], firstName: Int = 0) throws(ParseError) -> Set<Int> {
        func value(_ word: Substring) throws(ParseError) -> Int {
            if let number = Int(word) {
                guard range.contains(number) else { throw ParseError(field: name, message: "\(number) is outside \(range.lowerBound)-\(range.upperBound)") }
                return number
            }
            if let index = names.firstIndex(of: word.uppercased()) { return index + firstName }
            throw ParseError(field: name, message: "'\(word)' is not a number from \(range.lowerBound) to \(range.upperBound)"
                             + (names.isEmpty ? "" : " nor one of \(names.joined(separator: ", "))"))
        }
        var result = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard (1...2).contains(pieces.count), !pieces[0].isEmpty else { throw ParseError(field: name, message: "'\(part)' is not a value, a range or a step") }
            var step = 1
            if pieces.count == 2 {
                guard let parsed = Int(pieces[1]), parsed >= 1, parsed <= range.upperBound else {
                    throw ParseError(field: name, message: "step '\(pieces[1])' must be a whole number from 1 to \(range.upperBound)")
                }
                step = parsed
            }
            let lower: Int, upper: Int
            if pieces[0] == "*" {
                (lower, upper) = (range.lowerBound, range.upperBound)
            } else if let dash = pieces[0].firstIndex(of: "-") {
                lower = try value(pieces[0][..<dash])
                upper = try value(pieces[0][pieces[0].index(after: dash)...])
                guard lower <= upper else { throw ParseError(field: name, message: "range \(pieces[0]) goes backwards") }
            } else {
                lower = try value(pieces[0])
                // `5/15` means from 5 to the end, every 15.
                upper = pieces.count == 2 ? range.upperBound : lower
            }
            result.formUnion(stride(from: lower, through: upper, by: step))
        }
        return result
    }

    var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    func dayMatches(day: Int, weekday: Int) -> Bool {
        let byDay = daysOfMonth.contains(day), byWeekday = daysOfWeek.contains(weekday)
        // Vixie cron: with both fields restricted, either one suffices.
        if dayOfMonthRestricted && dayOfWeekRestricted { return byDay || byWeekday }
        return byDay && byWeekday
    }

    /// The first run strictly after `date`, or nil when none comes within 28 years (e.g. 31 February).
    public func next(after date: Date) -> Date? {
        let calendar = self.calendar
        let start = calendar.dateComponents([.year, .month, .day], from: date)
        // Days are walked at local noon, which every day has.
        guard var noon = calendar.date(from: DateComponents(year: start.year, month: start.month, day: start.day, hour: 12)) else { return nil }
        for _ in 0..<(366 * 28) {
            let day = calendar.dateComponents([.year, .month, .day, .weekday], from: noon)
            if months.contains(day.month!), dayMatches(day: day.day!, weekday: day.weekday! - 1) {
                for hour in hours {
                    for minute in minutes {
                        if let run = instant(year: day.year!, month: day.month!, day: day.day!, hour: hour, minute: minute, noon: noon), run > date {
                            return run
                        }
                    }
                }
            }
            guard let following = calendar.date(byAdding: .day, value: 1, to: noon) else { return nil }
            noon = following
        }
        return nil
    }

    /// Every run in `(after, through]`, at most `limit` of them.
    public func runs(after start: Date, through end: Date, limit: Int = 1000) -> [Date] {
        var runs: [Date] = []
        var cursor = start
        while runs.count < limit, let run = next(after: cursor), run <= end {
            runs.append(run)
            cursor = run
        }
        return runs
    }

    /// The instant of a local time: its first occurrence when the clocks go back over it, the jump
    /// itself when they jump over it.
    func instant(year: Int, month: Int, day: Int, hour: Int, minute: Int, noon: Date) -> Date? {
        let calendar = self.calendar
        let wanted = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute)
        guard let candidate = calendar.date(from: wanted) else { return nil }
        func local(_ date: Date) -> DateComponents { calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date) }
        if local(candidate) == wanted {
            let hourEarlier = candidate.addingTimeInterval(-3600)
            return local(hourEarlier) == wanted ? hourEarlier : candidate
        }
        // Not a local time of this day: the clocks jumped over it, on the transition of this day.
        return timeZone.nextDaylightSavingTimeTransition(after: noon.addingTimeInterval(-13 * 3600))
    }
}
