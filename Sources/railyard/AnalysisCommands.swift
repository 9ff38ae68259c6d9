import ArgumentParser
import Foundation
import RailyardAPI
import RailyardCore

struct AnalysisCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analysis", abstract: "Reports of canary analyses: metrics, verdict and reason, timeline, SVG plot.",
        subcommands: [List.self, Show.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The analyses of a rollout.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Rollout id.") var rollout: String
        func run() async throws {
            let analyses: [AnalysisRecord] = try await clientCall { try await options.client.analyses(ofRollout: rollout) }
            if options.output == .json { try printJSON(analyses); return }
            if analyses.isEmpty { print("no analysis for \(rollout) yet") }
            for analysis in analyses {
                print("\(analysis.id)  \(analysis.target)  \(analysis.verdict?.rawValue ?? "running")" + (analysis.reason.map { "  \($0)" } ?? ""))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One analysis: the metrics table, the verdict and its reason, and every look.",
            discussion: "With --svg FILE it also writes a plot of canary vs baseline over time, with the judge's statistic against its boundary.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Analysis id (see `railyard analysis list ROLLOUT`).") var id: String
        @Option(help: "Write the SVG plot to this file.") var svg: String?
        func run() async throws {
            let report: API.AnalysisReport = try await clientCall { try await options.client.analysis(id) }
            if let svg {
                let data = try await clientCall { try await options.client.analysisPlot(id) }
                try data.write(to: URL(fileURLWithPath: svg))
            }
            if options.output == .json { try printJSON(report); return }
            print(AnalysisText.report(report))
            if let svg { print("\nplot written to \(svg)") }
        }
    }
}
