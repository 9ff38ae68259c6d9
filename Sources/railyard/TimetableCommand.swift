import ArgumentParser
import Foundation
import RailyardAdapters
import RailyardCore

/// The staggered release calendar from railyard.yml: no server needed.
struct TimetableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timetable", abstract: "Which train is in which stage, sprint by sprint, for the coming weeks, with the change freezes.",
        discussion: """
            Read from railyard.yml (trains: sprint_days, sprint_start, time_zone, lanes, blackouts). A train's id \
            is the ISO week its sprint starts in (2026.48). By default the lanes are the seed's: development and \
            nightly carry sprint N, testing N-1, perf N-2, production N-3. During a freeze a train's production \
            release waits for it to end.

            Example:
              railyard timetable --weeks 8
              railyard timetable --from 2026-12-01 --output json
            """)
    @Option(help: "The config file.") var config: String = Defaults.configPath
    @Option(help: "How many weeks to show.") var weeks = 6
    @Option(help: "The first day to show (YYYY-MM-DD); today by default.") var from: String?
    @Option(help: "text or json.") var output: OutputFormat = .text

    func validate() throws {
        guard (1...104).contains(weeks) else { throw ValidationError("--weeks must be 1 to 104") }
        if let from, TicketDate.parse(from) == nil { throw ValidationError("--from '\(from)' is not a date such as 2026-12-01") }
    }

    func run() throws {
        let loaded: RailyardConfig
        do {
            loaded = try ConfigFile.load(path: config)
        } catch let errors as ConfigErrors {
            for diagnostic in errors.diagnostics { print(diagnostic) }
            throw ExitStatus.refused
        }
        let timetable = Timetable(loaded.trains.timetable)
        let start = from.flatMap(TicketDate.parse) ?? Date()
        let rows = timetable.rows(from: start, weeks: weeks)
        if output == .json { return try printJSON(rows) }
        let stages = loaded.trains.timetable.lanes.map(\.stage.rawValue)
        print(TextTable.render(header: ["SPRINT", "DAYS"] + stages.map { $0.uppercased() }, rows: rows.map { row in
            [row.sprint, "\(row.firstDay) … \(row.lastDay)"] + stages.map { row.lanes[$0] ?? "" }
        }))
        var seen = Set<String>()
        for freeze in rows.flatMap(\.freezes) where seen.insert("\(freeze.name) \(freeze.from)").inserted {
            print("freeze \(freeze.name): \(freeze.from.formatted(.iso8601)) → \(freeze.until.formatted(.iso8601)) (production waits)")
        }
        print("times in \(loaded.trains.timetable.timeZone.identifier); sprints of \(loaded.trains.timetable.sprintDays) days")
    }
}
