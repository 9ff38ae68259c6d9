import Foundation
import RailyardAPI
import RailyardAdapters
import RailyardCore
import RailyardSimulation

/// What `deploy` says about its analysis steps at today's traffic: the same measurement and prediction as
/// `railyard analysis plan`, for every target where the deployment analyses, after the rollout started
/// (a warning, not a refusal: the people who deploy decide).
struct DeployTrafficCheck {
    var service: String
    var config: String
    var window: Double

    /// The lines to show; the rollout has started whatever they say.
    func run(_ client: RailyardClient) async -> [String] {
        let loaded: RailyardConfig
        do { loaded = try ConfigFile.load(path: config) } catch {
            return ["traffic check skipped: \(error)"]
        }
        let targets = loaded.deployment.waves.filter { wave in wave.steps.contains { if case .analysis = $0 { return true } else { return false } } }
            .compactMap(\.target)
        let unique = targets.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        guard !unique.isEmpty else { return [] }
        var lines = ["checking the analysis steps against today's traffic (\(JudgeWords.seconds(window)); --traffic-window 0 skips)…"]
        let first: FleetStatus, second: FleetStatus
        do {
            (first, second) = try await AnalysisCommand.Plan.twoReadings(client, window: window)
        } catch {
            return lines + ["traffic check skipped: \(error)"]
        }
        var warned = false
        for target in unique {
            let (requests, errors) = AnalysisCommand.Plan.delta(first, second, service: service, target: target)
            let plans = AnalysisPlanner.plan(loaded.deployment, target: target, totalRate: requests / window,
                                             errorRate: requests > 0 ? errors / requests : 0)
            for plan in plans {
                guard let warning = plan.warning, !plan.unpredictable else { continue }
                warned = true
                lines.append("  ⚠ wave '\(plan.wave)' (\(target), canary at \(plan.weight)%): \(warning)")
                lines.append("    see: railyard analysis plan \(service) --target \(target)")
            }
        }
        if !warned { lines.append("  ✔ every analysis step can decide at today's traffic") }
        return lines
    }
}
