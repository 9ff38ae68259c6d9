import ArgumentParser
import Foundation
import RailyardAdapters
import RailyardCore

/// `railyard timetable`: the calendar (no server needed) and the schedule's skipped runs.
struct TimetableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timetable", abstract: "The release calendar: which train is in which stage, and the trains created on schedule.",
        discussion: """
            With `trains: cadence` in railyard.yml, each sprint's train is created on its first day at the \
            configured local time, with its captain and the previous train's checklist; a run can be skipped \
            (with the reason) and resumed.
            """,
        subcommands: [TimetableShowCommand.self, TimetableSkipCommand.self, TimetableResumeCommand.self, TimetableSkippedCommand.self],
        defaultSubcommand: TimetableShowCommand.self)
}

/// The staggered release calendar from railyard.yml: no server needed.
struct TimetableShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Which train is in which stage, sprint by sprint, for the coming weeks, with the change freezes.",
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

struct TimetableSkipCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "skip", abstract: "Skip the scheduled creation of a sprint's train, with the reason (release-owner).")
    @Argument(help: "The sprint's train id, e.g. 2026.52.") var train: String
    @Option(help: "Why; recorded.") var reason: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let state = try await clientCall { try await options.client.skipRun(train: train, reason: reason) }
        if options.output == .json { return try printJSON(state) }
        print("the scheduled creation of train \(train) is skipped: \(reason)")
    }
}

struct TimetableResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume a skipped run; if its time has passed, the train is created now (release-owner).")
    @Argument(help: "The sprint's train id.") var train: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let state = try await clientCall { try await options.client.resumeRun(train: train) }
        if options.output == .json { return try printJSON(state) }
        print("the scheduled creation of train \(train) is resumed")
    }
}

struct TimetableSkippedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "skipped", abstract: "The scheduled runs that are skipped, with who, when and why.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let state = try await clientCall { try await options.client.schedule() }
        if options.output == .json { return try printJSON(state) }
        if state.skipped.isEmpty { print("no scheduled run is skipped") }
        for (train, skip) in state.skipped.sorted(by: { $0.key < $1.key }) {
            print("\(train): skipped by \(skip.by) at \(skip.at.formatted(.iso8601)): \(skip.reason)")
        }
    }
}
