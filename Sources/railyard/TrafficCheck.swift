import Foundation
import RailyardAPI
import RailyardAdapters
import RailyardCore
import RailyardSimulation

/// What `deploy` and `validate --traffic` say about the analysis steps at today's traffic: the same
/// measurement and prediction as `railyard analysis plan`, for every target where the deployment analyses
/// and every service asked about (a warning, not a refusal: the people who deploy decide).
struct TrafficCheck {
    var services: [String]
    var config: String
    var window: Double

    /// The lines to show; nothing is changed whatever they say.
    func run(_ client: RailyardClient) async -> [String] {
        let loaded: RailyardConfig
        do { loaded = try ConfigFile.load(path: config) } catch {
            return ["traffic check skipped: \(error)"]
        }
        return await run(client, loaded: loaded).lines
    }

    /// The lines, and whether today's traffic could be read at all (false: the lines say why not).
    func run(_ client: RailyardClient, loaded: RailyardConfig) async -> (lines: [String], measured: Bool) {
        let targets = loaded.deployment.waves.filter { wave in wave.steps.contains { if case .analysis = $0 { return true } else { return false } } }
            .compactMap(\.target)
        let unique = targets.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        guard !unique.isEmpty, !services.isEmpty else { return (["no analysis step to check against today's traffic"], true) }
        var lines = ["checking the analysis steps against today's traffic (\(JudgeWords.seconds(window)); --traffic-window 0 skips)…"]
        let first: FleetStatus, second: FleetStatus
        do {
            (first, second) = try await AnalysisCommand.Plan.twoReadings(client, window: window)
        } catch {
            return (lines + ["traffic check skipped: \(error)"], false)
        }
        var warned = false
        for service in services {
            // One service (deploy) is named once above; several (validate) each on their lines.
            let named = services.count > 1 ? "\(service), " : ""
            for target in unique {
                let (requests, errors) = AnalysisCommand.Plan.delta(first, second, service: service, target: target)
                let plans = AnalysisPlanner.plan(loaded.deployment, target: target, totalRate: requests / window,
                                                 errorRate: requests > 0 ? errors / requests : 0)
                for plan in plans {
                    guard let warning = plan.warning, !plan.unpredictable else { continue }
                    warned = true
                    lines.append("  ⚠ \(named)wave '\(plan.wave)' (\(target), canary at \(plan.weight)%): \(warning)")
                    lines.append("    see: railyard analysis plan \(service) --target \(target)")
                }
            }
        }
        if !warned { lines.append("  ✔ every analysis step can decide at today's traffic") }
        return (lines, true)
    }
}
