import Foundation
import Yams

/// `deployment:` — waves and their steps, including an analysis step's settings.
extension ConfigLoader {
    mutating func readDeployment(_ node: Node, targets: [String]) -> DeploymentSpec {
        guard let fields = mapping(node, "deployment") else { return DeploymentSpec(waves: []) }
        checkKeys(fields, allowed: ["waves"], context: "deployment")
        guard let wavesNode = fields["waves"] else {
            error(at: node, "deployment: missing key 'waves'")
            return DeploymentSpec(waves: [])
        }
        guard case .sequence(let items) = wavesNode, !items.isEmpty else {
            error(at: wavesNode, "deployment: 'waves' must be a non-empty list")
            return DeploymentSpec(waves: [])
        }
        var waves: [WaveSpec] = []
        for item in items {
            guard let waveFields = mapping(item, "a wave") else { continue }
            checkKeys(waveFields, allowed: Self.waveKeys, context: "wave")
            let name = requiredString(waveFields, "name", in: item, context: "wave") ?? "?"
            var target: String?
            if let targetNode = waveFields["target"] {
                target = targetNode.string
                if let t = target, !targets.contains(t) {
                    let hint = Suggestion.hint(for: t, among: targets)
                    error(at: targetNode, "wave '\(name)': unknown target '\(t)'\(hint)")
                }
            }
            guard let stepsNode = waveFields["steps"], case .sequence(let stepNodes) = stepsNode, !stepNodes.isEmpty else {
                error(at: waveFields["steps"] ?? item, "wave '\(name)': 'steps' must be a non-empty list")
                continue
            }
            let steps = stepNodes.compactMap { readStep($0, wave: name) }
            if target == nil, steps.contains(where: { $0 != .scripts && !isWait($0) }) {
                error(at: item, "wave '\(name)': steps other than scripts and pauses need a 'target' (an environment or datacenter)")
            }
            checkStepOrder(steps, wave: name, node: item)
            waves.append(WaveSpec(name: name, target: target, steps: steps))
        }
        return DeploymentSpec(waves: waves)
    }

    func isWait(_ step: StepSpec) -> Bool {
        if case .pause = step { return true }
        return step == .approval
    }

    mutating func checkStepOrder(_ steps: [StepSpec], wave: String, node: Node) {
        var deployed = false
        for step in steps {
            switch step {
            case .deploy: deployed = true
            case .setWeight, .promote, .smoke, .analysis:
                if !deployed { error(at: node, "wave '\(wave)': '\(step)' comes before 'deploy' in this wave") }
            default: break
            }
        }
    }

    mutating func readStep(_ node: Node, wave: String) -> StepSpec? {
        if let word = node.string, case .scalar = node {
            switch word {
            case "scripts": return .scripts
            case "deploy": return .deploy
            case "smoke": return .smoke
            case "promote": return .promote
            case "analysis": return .analysis(.default)
            default:
                let hint = Suggestion.hint(for: word, among: Self.stepKeys)
                error(at: node, "wave '\(wave)': unknown step '\(word)'\(hint)")
                return nil
            }
        }
        guard case .mapping(let fields) = node, fields.count == 1, let (keyNode, value) = fields.first, let key = keyNode.string else {
            error(at: node, "wave '\(wave)': a step is a word (deploy) or one key with its value (setWeight: 20)")
            return nil
        }
        switch key {
        case "setWeight":
            if let weight = value.int, (0...100).contains(weight) { return .setWeight(weight) }
            error(at: value, "wave '\(wave)': setWeight must be a whole percentage from 0 to 100")
        case "pause":
            if value.string == "approval" { return .approval }
            if let text = value.string, let duration = DurationText.parse(text) { return .pause(duration) }
            error(at: value, "wave '\(wave)': pause takes a duration (30s, 5m, 1h) or 'approval'")
        case "analysis":
            return readAnalysis(value, wave: wave).map(StepSpec.analysis)
        case "scripts", "deploy", "smoke", "promote":
            error(at: keyNode, "wave '\(wave)': step '\(key)' takes no value; write it as a plain word")
        default:
            let hint = Suggestion.hint(for: key, among: Self.stepKeys)
            error(at: keyNode, "wave '\(wave)': unknown step '\(key)'\(hint)")
        }
        return nil
    }

    static let analysisKeys = ["judge", "alpha", "min_samples", "max_duration", "max_extension", "interval", "metrics", "watch_after_pass", "stable_as_control"]
    static let analysisMetricKeys = ["name", "kind", "critical", "allowed_increase", "acceptable_rate", "quantile", "failed", "total", "histogram", "direction",
                                     "allowed_decrease", "min", "max", "failure_limit"]

    mutating func readAnalysis(_ node: Node, wave: String) -> AnalysisSpec? {
        if case .scalar = node, node.string?.isEmpty ?? true { return .default }
        guard let fields = mapping(node, "wave '\(wave)': analysis") else { return nil }
        checkKeys(fields, allowed: Self.analysisKeys, context: "analysis of wave '\(wave)'")
        var spec = AnalysisSpec.default
        let context = "wave '\(wave)': analysis"
        if let judgeNode = fields["judge"] {
            if let kind = judgeNode.string.flatMap(AnalysisSpec.JudgeKind.init(rawValue:)) { spec.judge = kind } else {
                error(at: judgeNode, "\(context): judge must be one of \(AnalysisSpec.JudgeKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        if let alphaNode = fields["alpha"] {
            if let alpha = alphaNode.float, alpha > 0, alpha < 0.5 { spec.alpha = alpha } else {
                error(at: alphaNode, "\(context): alpha must be a number between 0 and 0.5, such as 0.01")
            }
        }
        if let samplesNode = fields["min_samples"] {
            if let samples = samplesNode.int, samples >= 1 { spec.minSamples = samples } else {
                error(at: samplesNode, "\(context): min_samples must be a whole number of requests, 1 or more")
            }
        }
        if let value = duration(fields, "max_duration", context: context) { spec.maxDuration = value }
        if let value = duration(fields, "max_extension", context: context) { spec.maxExtension = value }
        if let value = duration(fields, "watch_after_pass", context: context) { spec.watchAfterPass = value }
        if let value = duration(fields, "interval", context: context) { spec.interval = value }
        if let node = fields["stable_as_control"] {
            if let value = node.bool {
                spec.stableAsControl = value
                if value && spec.judge != .sequential {
                    error(at: node, "\(context): stable_as_control is read by the sequential judge only; this analysis uses \(spec.judge.rawValue)")
                }
            } else {
                error(at: node, "\(context): stable_as_control must be true or false")
            }
        }
        if let metricsNode = fields["metrics"] {
            guard case .sequence(let items) = metricsNode, !items.isEmpty else {
                error(at: metricsNode, "\(context): metrics must be a non-empty list")
                return spec
            }
            spec.metrics = items.compactMap { readAnalysisMetric($0, judge: spec.judge, context: context) }
        }
        return spec
    }

    mutating func readAnalysisMetric(_ node: Node, judge: AnalysisSpec.JudgeKind, context: String) -> AnalysisMetricSpec? {
        guard let fields = mapping(node, "\(context): a metric") else { return nil }
        checkKeys(fields, allowed: Self.analysisMetricKeys, context: "analysis metric")
        guard let name = requiredString(fields, "name", in: node, context: "\(context) metric"),
              let kindText = requiredString(fields, "kind", in: node, context: "\(context) metric '\(name)'") else { return nil }
        guard let kind = AnalysisMetricSpec.Kind(rawValue: kindText) else {
            error(at: fields["kind"], "\(context) metric '\(name)': kind must be error_rate or latency")
            return nil
        }
        var metric = AnalysisMetricSpec(name: name, kind: kind)
        if kind == .errorRate && judge == .sequential {
            metric.allowedIncrease = AnalysisMetricSpec.sequentialErrorAllowance
            metric.acceptableRate = AnalysisMetricSpec.defaultAcceptableRate
        }
        if let node = fields["quantile"] {
            if kind != .latency {
                error(at: node, "\(context) metric '\(name)': quantile reads the latency tail; an error rate has none")
            } else if let value = node.float, value >= 0.5, value < 1 {
                metric.quantile = value
                metric.allowedIncrease = AnalysisMetricSpec.tailAllowance
            } else {
                error(at: node, "\(context) metric '\(name)': quantile must be a fraction from 0.5 to below 1 (0.99 = p99)")
            }
        }
        for key in ["failed", "total"] {
            guard let node = fields[key] else { continue }
            if kind != .errorRate {
                error(at: node, "\(context) metric '\(name)': \(key) names a counter of failures or of attempts; a latency metric has none")
            } else if let value = node.string, PrometheusText.isMetricName(value) {
                if key == "failed" { metric.failedCounter = value } else { metric.totalCounter = value }
            } else {
                error(at: node, "\(context) metric '\(name)': \(key) must be a metric name of the service's exposition, such as payins_failed_total")
            }
        }
        if let node = fields["histogram"] {
            if kind != .latency {
                error(at: node, "\(context) metric '\(name)': histogram names a latency histogram to judge; an error rate counts failures (failed and total)")
            } else if let value = node.string, PrometheusText.isMetricName(value) {
                metric.histogram = value
            } else {
                error(at: node, "\(context) metric '\(name)': histogram must be a histogram of the service's exposition, such as payin_settlement_seconds")
            }
        }
        if (fields["failed"] == nil) != (fields["total"] == nil), let node = fields["failed"] ?? fields["total"] {
            error(at: node, "\(context) metric '\(name)': failed and total go together (failures out of attempts, e.g. failed: payins_failed_total, total: payins_total)")
        }
        if let node = fields["critical"] {
            if let value = node.bool { metric.critical = value } else { error(at: node, "\(context) metric '\(name)': critical must be true or false") }
        }
        if let node = fields["allowed_increase"] {
            if let value = node.float, value >= 0 { metric.allowedIncrease = value } else {
                error(at: node, "\(context) metric '\(name)': allowed_increase must be a fraction of 0 or more (0.1 = +10%)")
            }
        }
        if let node = fields["acceptable_rate"] {
            if kind != .errorRate {
                error(at: node, "\(context) metric '\(name)': acceptable_rate is an error rate; a latency metric has none")
            } else if let value = node.float, value >= 0, value < 1 { metric.acceptableRate = value } else {
                error(at: node, "\(context) metric '\(name)': acceptable_rate must be a fraction from 0 to below 1 (0.001 = 0.1% of requests)")
            }
        }
        if let node = fields["direction"] {
            if let value = node.string.flatMap(AnalysisMetricSpec.Direction.init(rawValue:)) {
                metric.direction = value
            } else {
                error(at: node, "\(context) metric '\(name)': direction must be one of \(AnalysisMetricSpec.Direction.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        if let node = fields["allowed_decrease"] {
            if let value = node.float, value >= 0, value < 1 { metric.allowedDecrease = value } else {
                error(at: node, "\(context) metric '\(name)': allowed_decrease must be a fraction from 0 to below 1 (0.3 = −30%)")
            }
        }
        if let node = fields["min"] {
            if let value = node.float, value >= 0 { metric.min = value } else { error(at: node, "\(context) metric '\(name)': min must be a number of 0 or more") }
        }
        if let node = fields["max"] {
            if let value = node.float, value >= 0 { metric.max = value } else { error(at: node, "\(context) metric '\(name)': max must be a number of 0 or more") }
        }
        if let low = metric.min, let high = metric.max, low > high {
            error(at: fields["min"], "\(context) metric '\(name)': min (\(low)) is above max (\(high)): no value could be in range")
        }
        if let node = fields["failure_limit"] {
            if let value = node.int, value >= 1 { metric.failureLimit = value } else {
                error(at: node, "\(context) metric '\(name)': failure_limit must be a whole number, 1 or more")
            }
        }
        if metric.allowedDecrease > 0 && metric.direction == .increase, let node = fields["allowed_decrease"] {
            error(at: node, "\(context) metric '\(name)': allowed_decrease needs direction: decrease or either (with increase, a lower value always passes)")
        }
        checkJudgeReads(fields, metric: metric, judge: judge, context: "\(context) metric '\(name)'")
        return metric
    }

    /// Which judges read each metric setting: one the chosen judge ignores is an error, never silently dropped.
    static let metricKeyReaders: [String: [AnalysisSpec.JudgeKind]] = [
        "allowed_increase": [.sequential, .mannWhitney], "acceptable_rate": [.sequential], "quantile": [.sequential], "failed": [.sequential], "total": [.sequential], "histogram": [.sequential], "direction": [.mannWhitney], "allowed_decrease": [.mannWhitney],
        "min": [.threshold], "max": [.threshold], "failure_limit": [.threshold],
    ]

    mutating func checkJudgeReads(_ fields: Node.Mapping, metric: AnalysisMetricSpec, judge: AnalysisSpec.JudgeKind, context: String) {
        for (keyNode, _) in fields {
            guard let key = keyNode.string, let readers = Self.metricKeyReaders[key], !readers.contains(judge) else { continue }
            let names = readers.map(\.rawValue).joined(separator: " and ")
            error(at: keyNode, "\(context): '\(key)' is read by the \(names) judge\(readers.count > 1 ? "s" : "") only; this analysis uses \(judge.rawValue)")
        }
        // Scoring by critical metrics is Kayenta's: the other judges fail the analysis on any failing metric.
        if !metric.critical && judge != .mannWhitney, let node = fields["critical"] {
            error(at: node, "\(context): with the \(judge.rawValue) judge every metric is critical (any failing metric fails the analysis); critical: false is read by mann-whitney only")
        }
    }
}
