import ArgumentParser
import Foundation
import RailyardAPI
import RailyardAdapters
import RailyardCore
import RailyardSimulation

struct AnalysisCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analysis", abstract: "Reports of canary analyses (metrics, verdict and reason, timeline, SVG plot), and plans from today's traffic.",
        subcommands: [List.self, Show.self, Plan.self])

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

extension AnalysisCommand {
    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "How long each canary analysis of a service needs at today's traffic.",
            discussion: """
                Measures the service's live request and error rates through TARGET's router (two readings of \
                `railyard status`, --window apart) and, just before and just after them, its stable version's own counters and \
                histograms, takes the canary weight and the tolerances of each analysis \
                step railyard.yml runs in that target, and predicts — by running the sequential judge on \
                simulated analyses at that traffic — how long a good version needs to earn its pass, how long \
                a version failing twice as often takes to be caught, and (with a latency metric) one answering \
                twice the tolerated increase slower, each in 9 analyses of 10. Warns (exit 1) when max_duration \
                and max_extension cannot be enough.

                Each metric is simulated from what it reads today: the HTTP error rate from the router, a \
                `failed`/`total` pair from the stable version's own counters, a latency metric from the histogram \
                it judges (both groups answering as the stable version does). A metric that cannot be simulated \
                (too few requests in its histogram yet, buckets that could never carry it, a counter that did not move \
                or went back in a restart) \
                is named with the reason. \
                A train's risk policy may change the weights: see `railyard train plan`.
                """)
        @OptionGroup var options: ClientOptions
        @Argument(help: "Service name, as in railyard.yml.") var service: String
        @Option(help: "Target whose router's traffic is measured, e.g. dc1.") var target: String
        @Option(help: "The config file.") var config: String = Defaults.configPath
        @Option(help: "Seconds between the two readings of the router's counters.") var window: Double = 10

        func run() async throws {
            let loaded = try ConfigFile.load(path: config)
            guard loaded.services.contains(where: { $0.name == service }) else {
                throw ValidationError("no service '\(service)' in \(config) (services: \(loaded.services.map(\.name).joined(separator: ", ")))")
            }
            guard loaded.targets.contains(where: { $0.name == target }) else {
                throw ValidationError("no target '\(target)' in \(config) (targets: \(loaded.targets.map(\.name).joined(separator: ", ")))")
            }
            guard window > 0 else { throw ValidationError("--window must be a number of seconds above 0") }
            let client = try options.client
            if options.output == .text { print("measuring \(service) through \(target)'s router for \(JudgeWords.seconds(window))…") }
            let readings = try await clientCall {
                try await TrafficReadings.measure(client, window: window, services: [service], targets: [target], deployment: loaded.deployment)
            }
            let traffic = readings.traffic(service: service, target: target)
            let rate = traffic.requestsPerSecond, errorRate = traffic.errorRate
            let text = options.output == .text
            if text { print("simulating 200 analyses of each metric at that traffic…") }
            let plans = AnalysisPlanner.plan(loaded.deployment, target: target, traffic: traffic,
                                             instancesPerGroup: loaded.service(named: service)?.instanceCount(in: target) ?? 0,
                                             progress: text ? { print("  \($0)…") } : nil)
            if options.output == .json {
                try printJSON(Report(service: service, target: target, requestsPerSecond: rate, errorRate: errorRate, steps: plans))
            } else {
                print(Self.text(service: service, target: target, rate: rate, errorRate: errorRate, plans: plans))
            }
            if plans.isEmpty || plans.contains(where: { $0.warning != nil }) { throw ExitStatus.refused }
        }

        struct Report: Encodable {
            var service, target: String
            var requestsPerSecond, errorRate: Double
            var steps: [AnalysisPlanner.StepPlan]
        }

        static func text(service: String, target: String, rate: Double, errorRate: Double, plans: [AnalysisPlanner.StepPlan]) -> String {
            var lines = ["\(service) in \(target): \(String(format: "%.1f", rate)) requests/s, \(String(format: "%.2f", errorRate * 100))% failed"]
            if plans.isEmpty { lines.append("no analysis step runs in \(target)") }
            for plan in plans {
                let limit = JudgeWords.duration(plan.maxDuration) + (plan.maxExtension > 0 ? " + \(JudgeWords.duration(plan.maxExtension))" : "")
                lines.append("  wave '\(plan.wave)': canary at \(plan.weight)% (\(String(format: "%.1f", rate * Double(plan.weight) / 100)) requests/s a group), watches up to \(limit)")
                if let p = plan.prediction {
                    if let instances = p.instancesPerGroup {
                        lines.append("    canary and baseline read apart by instance (simulated as \(instances) each): "
                                     + "a fail must also show without each canary instance")
                    }
                    if let stable = p.stableRequestsPerSecond {
                        lines.append("    the stable group counted as control too (stable_as_control): \(String(format: "%.1f", stable)) requests/s")
                    }
                    lines.append("    a good version passes within " + (p.passWithin.map(JudgeWords.duration) ?? "more than \(JudgeWords.duration(p.horizon))")
                                 + " in 9 analyses of 10")
                    lines.append("    a version failing twice as often is caught within "
                                 + (p.catchWithin.map(JudgeWords.duration) ?? (p.failsToday ? "more than \(JudgeWords.duration(p.horizon))" : "— (no error today: twice nothing is nothing)"))
                                 + (p.failsToday ? " in 9 of 10" : ""))
                    if let slower = p.slowerBy {
                        lines.append("    a version \(Int((slower * 100).rounded()))% slower (twice the tolerated increase) is caught within "
                                     + (p.slowerCaughtWithin.map(JudgeWords.duration) ?? "more than \(JudgeWords.duration(p.horizon))") + " in 9 of 10")
                    }
                    if p.metrics.count > 1 || !p.unpredicted.isEmpty {
                        for metric in p.metrics { lines.append("      " + Self.text(metric, horizon: p.horizon)) }
                    }
                }
                lines.append(plan.warning.map { "    ⚠ \($0)" } ?? "    ✔ enough at today's traffic")
            }
            return lines.joined(separator: "\n")
        }
    }
}

extension AnalysisCommand.Plan {
    /// One metric's own needs: which one keeps a good version waiting, and why one was left out.
    static func text(_ metric: AnalysisPlanner.MetricPrediction, horizon: Double) -> String {
        guard let rate = metric.requestsPerSecondPerGroup else { return "\(metric.metric): not predicted: \(metric.unpredicted ?? "")" }
        let pass = metric.passWithin.map(JudgeWords.duration) ?? "more than \(JudgeWords.duration(horizon))"
        let caught = (metric.catchWithin.map { ", twice as often caught within \(JudgeWords.duration($0))" } ?? "")
            + (metric.slowerCaughtWithin.map { ", the slower version caught within \(JudgeWords.duration($0))" } ?? "")
        return "\(metric.metric) (\(String(format: "%.1f", rate)) a second a group): passes within \(pass)\(caught)"
    }
}

/// Durations as people read them: 95 → "1m35s".
enum JudgeWords {
    static func duration(_ seconds: Double) -> String { DurationText.format(.seconds(Int(seconds.rounded(.up)))) }
    static func seconds(_ seconds: Double) -> String { seconds == seconds.rounded() ? "\(Int(seconds))s" : String(format: "%.1fs", seconds) }
}
