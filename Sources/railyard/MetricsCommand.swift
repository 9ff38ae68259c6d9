import ArgumentParser
import Foundation
import RailyardAPI
import RailyardCore

/// `railyard metrics`: the release figures, from what Railyard recorded.
struct MetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics", abstract: "Release figures: the seed's before/after table, DORA's four keys, quality per train.",
        discussion: """
            Computed from recorded trains over the last three months: validation days per train, releases per \
            week, non-regression runs per day and time to market (ticket merged to live in production); DORA's \
            deployment frequency (fourkeys' Daily/Weekly/Monthly/Yearly), median lead time, change failure rate \
            (rolled back, or fixed by a hotfix) and median time to restore; and a quality score per train \
            (hotfixes, rollbacks, validation days, soak extensions, each against its target). A figure Railyard \
            cannot measure yet is shown as such, never guessed.

            Example:
              railyard metrics
              railyard metrics --svg figures.svg --output json
            """)
    @Option(help: "Also write the trend chart (SVG) to this file.") var svg: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try await clientCall { try options.client }
        let figures = try await clientCall { try await client.figures() }
        if let svg {
            let chart = try await clientCall { try await client.figuresChart() }
            try chart.write(to: URL(fileURLWithPath: svg))
        }
        if options.output == .json { return try printJSON(figures) }
        print(FiguresText.render(figures))
        if let svg { print("chart written to \(svg)") }
    }
}

enum FiguresText {
    static func render(_ figures: ReleaseFigures) -> String {
        func number(_ value: Double?, _ unit: String, digits: Int = 1) -> String {
            value.map { String(format: "%.\(digits)f", $0) + unit } ?? "not measured yet"
        }
        /// Past two days in days, under an hour in minutes, under a minute in seconds: a rollback takes seconds, a lead time weeks.
        func hours(_ value: Double?) -> String {
            guard let value else { return "not measured yet" }
            return value >= 48 ? String(format: "%.1f days", value / 24) : value >= 1 ? String(format: "%.1f h", value)
                : value * 60 >= 1 ? String(format: "%.1f min", value * 60) : String(format: "%.0f s", value * 3600)
        }
        var lines = ["release figures from \(String(figures.windowStart.formatted(.iso8601).prefix(10))) to \(String(figures.windowEnd.formatted(.iso8601).prefix(10)))"]
        lines.append(TextTable.render(header: ["FIGURE", "VALUE"], rows: [
            ["validation days per train", number(figures.seed.validationDaysPerTrain, " days")],
            ["releases per week", number(figures.seed.releasesPerWeek, "", digits: 2)],
            ["non-regression runs per day", figures.seed.nonRegressionRunsPerDay.map { String(format: "%.1f", $0) } ?? "not measured yet (no nightly runs)"],
            ["time to market (merged → live)", number(figures.seed.timeToMarketDays, " days")],
            ["deployment frequency", "\(figures.dora.deploymentFrequency) (\(figures.dora.deployments) releases)"],
            ["median lead time", hours(figures.dora.medianLeadTimeHours) + bucket(figures.dora.leadTimeBucket)],
            ["change failure rate", figures.dora.changeFailureRate.map { String(format: "%.0f%%", $0 * 100) } ?? "no release yet"],
            ["median time to restore", hours(figures.dora.medianTimeToRestoreHours) + bucket(figures.dora.timeToRestoreBucket)],
        ]))
        if !figures.quality.isEmpty {
            lines.append(TextTable.render(header: ["TRAIN", "STATE", "QUALITY", "COMPONENTS"], rows: figures.quality.map { quality in
                [quality.train, quality.state.rawValue, String(format: "%.2f", quality.score),
                 // Three significant digits: 4.00001 validation days (a few seconds past 4 days) reads 4.
                 quality.components.map { "\($0.name) \(String(format: "%.3g", $0.value))" }.joined(separator: ", ")]
            }))
        }
        return lines.joined(separator: "\n")
    }

    /// fourkeys names a bucket by its upper end ("One day" for anything under a day), which reads oddly
    /// beside a rollback's 15 s: the text says what the bucket means, the JSON keeps fourkeys' name.
    static func bucket(_ name: String?) -> String {
        guard let name else { return "" }
        let meaning = switch name {
        case "One day": "under a day"
        case "One week": "a day to a week"
        case "One month": "a week to a month"
        case "Six months": "a month to six months"
        case "One year": "six months or more"
        default: name
        }
        return " (DORA: \(meaning))"
    }
}
