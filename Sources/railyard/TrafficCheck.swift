import Foundation
import RailyardAPI
import RailyardAdapters
import RailyardCore
import RailyardSimulation

/// What `deploy` and `validate --traffic` say about the analysis steps at today's traffic: the same
/// measurement and prediction as `railyard analysis plan`, for every target where the deployment analyses
/// and every service asked about (a warning, not a refusal: the people who deploy decide); and whether each
/// service's latency buckets can carry the steps' latency metrics at all (an error: no latency pass could
/// ever be earned on them), and how closely they place each tolerance (a warning).
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

    /// Each service's latency histogram in each target where an analysis step watches latency, checked against
    /// those metrics (`LatencyLayoutCheck`); `errors` counts the metrics that could never pass on it.
    func layout(_ client: RailyardClient, loaded: RailyardConfig) async -> (lines: [String], errors: Int) {
        var steps: [(wave: String, target: String, spec: AnalysisSpec)] = []
        for wave in loaded.deployment.waves {
            guard let target = wave.target else { continue }
            for case .analysis(let spec) in wave.steps where spec.judge == .sequential && spec.metrics.contains(where: { $0.kind == .latency }) {
                steps.append((wave.name, target, spec))
            }
        }
        let targets = steps.map(\.target).uniqued()
        guard !targets.isEmpty else { return ([], 0) }
        var lines = ["checking the latency buckets against the analysis steps' latency metrics…"]
        var errors = 0, checked = 0
        for service in services {
            let named = services.count > 1 ? "\(service), " : ""
            for target in targets {
                let read: API.ServiceCounters
                let histograms = steps.filter { $0.target == target }.flatMap(\.spec.namedHistograms).uniqued()
                do { read = try await client.serviceCounters(service: service, target: target, histograms: histograms) } catch {
                    lines.append("  \(named)\(target): latency buckets not checked: \(error)")
                    continue
                }
                for step in steps where step.target == target {
                    switch LatencyLayoutCheck.check(step.spec, counters: read.counters) {
                    case .fine: checked += 1
                    case .tooFewRequests(let requests):
                        lines.append("  \(named)wave '\(step.wave)' (\(target)): latency buckets not checked: \(read.version) has served "
                                     + "\(Int(requests)) requests, \(Int(LatencyLayoutCheck.minimumRequests)) are needed to see where they fall")
                    case .problems(let problems):
                        checked += 1
                        errors += problems.count
                        for problem in problems {
                            lines.append("  ✘ \(named)wave '\(step.wave)' (\(target)), metric '\(problem.metric)': \(problem.reason)")
                        }
                    }
                    for gap in LatencyLayoutCheck.toleranceGaps(step.spec, counters: read.counters) {
                        lines.append("  ⚠ \(named)wave '\(step.wave)' (\(target)), metric '\(gap.metric)': \(gap.reason)")
                    }
                }
            }
        }
        if errors == 0 && checked > 0 { lines.append("  ✔ the latency buckets can carry every latency metric checked") }
        return (lines, errors)
    }

    /// The lines, and whether today's traffic could be read at all (false: the lines say why not).
    func run(_ client: RailyardClient, loaded: RailyardConfig) async -> (lines: [String], measured: Bool) {
        let targets = loaded.deployment.waves.filter { wave in wave.steps.contains { if case .analysis = $0 { return true } else { return false } } }
            .compactMap(\.target)
        let unique = targets.uniqued()
        guard !unique.isEmpty, !services.isEmpty else { return (["no analysis step to check against today's traffic"], true) }
        var lines = ["checking the analysis steps against today's traffic (\(JudgeWords.seconds(window)); --traffic-window 0 skips)…"]
        let readings: TrafficReadings
        do {
            readings = try await TrafficReadings.measure(client, window: window, services: services, targets: unique, deployment: loaded.deployment)
        } catch {
            return (lines + ["traffic check skipped: \(error)"], false)
        }
        var warned = false, unpredicted = 0
        for service in services {
            // One service (deploy) is named once above; several (validate) each on their lines.
            let named = services.count > 1 ? "\(service), " : ""
            for target in unique {
                let plans = AnalysisPlanner.plan(loaded.deployment, target: target, traffic: readings.traffic(service: service, target: target),
                                                 instancesPerGroup: loaded.service(named: service)?.instanceCount(in: target) ?? 0)
                for plan in plans {
                    // A metric left out of the prediction is said, so that a ✔ below is not read as covering it.
                    for metric in plan.prediction?.unpredicted ?? [] {
                        unpredicted += 1
                        lines.append("  ? \(named)wave '\(plan.wave)' (\(target)), metric '\(metric.metric)' not predicted: \(metric.unpredicted ?? "")")
                    }
                    guard let warning = plan.warning, !plan.unpredictable else { continue }
                    warned = true
                    lines.append("  ⚠ \(named)wave '\(plan.wave)' (\(target), canary at \(plan.weight)%): \(warning)")
                    lines.append("    see: railyard analysis plan \(service) --target \(target)")
                }
            }
        }
        if !warned {
            lines.append(unpredicted == 0 ? "  ✔ every analysis step can decide at today's traffic"
                         : "  ✔ every analysis step can decide at today's traffic, on the metrics predicted (\(unpredicted) not, above)")
        }
        return (lines, true)
    }
}
