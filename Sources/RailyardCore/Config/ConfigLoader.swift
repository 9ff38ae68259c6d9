import Foundation
import Yams

/// Reads `railyard.yml` into a `RailyardConfig`, collecting every problem with its line and column.
public struct ConfigLoader {
    public static let topLevelKeys = ["services", "environments", "scripts", "deployment", "alerts", "metrics"]
    static let serviceKeys = ["kind", "command", "version", "health", "metrics", "smoke", "instances", "start_timeout"]
    static let environmentKeys = ["name", "datacenters"]
    static let scriptKeys = ["name", "apply", "rollback", "timeout"]
    static let waveKeys = ["name", "target", "steps"]
    static let stepKeys = ["scripts", "deploy", "smoke", "setWeight", "pause", "analysis", "promote"]

    let file: String
    var diagnostics: [ConfigDiagnostic] = []

    /// Loads and validates a file; throws `ConfigErrors` listing every problem.
    public static func load(path: String) throws -> RailyardConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigErrors([ConfigDiagnostic(file: path, line: 1, column: 1, message: "cannot read file: \(error.localizedDescription)")])
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(text, file: path, baseDirectory: base)
    }

    public static func parse(_ text: String, file: String, baseDirectory: String) throws -> RailyardConfig {
        var loader = ConfigLoader(file: file)
        let config = loader.read(text, baseDirectory: baseDirectory)
        if let config, loader.diagnostics.isEmpty { return config }
        throw ConfigErrors(loader.diagnostics.sorted { ($0.line, $0.column) < ($1.line, $1.column) })
    }

    // MARK: - Reading

    mutating func read(_ text: String, baseDirectory: String) -> RailyardConfig? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            report(yamlError: error)
            return nil
        } catch {
            self.error(at: nil as Node?, "cannot parse YAML: \(error)")
            return nil
        }
        guard let root, let top = mapping(root, "the top level") else {
            if root == nil { error(at: nil, "file is empty: expected keys services, environments, scripts, deployment") }
            return nil
        }
        checkKeys(top, allowed: Self.topLevelKeys, context: "top level")
        var environments: [EnvironmentSpec] = []
        if let node = top["environments"] { environments = readEnvironments(node) }
        if top["environments"] == nil { error(at: root, "missing key 'environments'") }
        let targetNames = environments.flatMap { $0.datacenters.isEmpty ? [$0.name] : $0.datacenters }
        var services: [ServiceSpec] = []
        if let node = top["services"] { services = readServices(node, targets: targetNames) }
        if top["services"] == nil { error(at: root, "missing key 'services'") }
        var scripts: [ScriptSpec] = []
        if let node = top["scripts"] { scripts = readScripts(node) }
        var deployment = DeploymentSpec(waves: [])
        if let node = top["deployment"] { deployment = readDeployment(node, targets: targetNames) } else { error(at: root, "missing key 'deployment'") }
        var alerts = AlertsSpec()
        if let node = top["alerts"] { alerts = readAlerts(node, services: services.map(\.name), targets: targetNames) }
        var metrics = MetricsSpec()
        if let node = top["metrics"] { metrics = readMetrics(node) }
        return RailyardConfig(baseDirectory: baseDirectory, services: services, environments: environments,
                              scripts: scripts, deployment: deployment, alerts: alerts, metrics: metrics)
    }

    mutating func readServices(_ node: Node, targets: [String]) -> [ServiceSpec] {
        guard let services = mapping(node, "services") else { return [] }
        if services.isEmpty { error(at: node, "'services' is empty: declare at least one service") }
        var result: [ServiceSpec] = []
        for (keyNode, value) in services {
            guard let name = keyNode.string else { continue }
            if !isIdentifier(name) { error(at: keyNode, "service name '\(name)' must be lower-case letters, digits and '-'") }
            guard let fields = mapping(value, "service '\(name)'") else { continue }
            checkKeys(fields, allowed: Self.serviceKeys, context: "service '\(name)'")
            let kindText = requiredString(fields, "kind", in: value, context: "service '\(name)'")
            var kind = ServiceSpec.Kind.microservice
            if let kindText {
                if let parsed = ServiceSpec.Kind(rawValue: kindText) { kind = parsed } else {
                    error(at: fields["kind"], "service '\(name)': kind must be monolith or microservice, not '\(kindText)'")
                }
            }
            var command: CommandTemplate?
            if let commandNode = fields["command"] {
                do {
                    if let text = commandNode.string { command = try CommandTemplate(parsing: text) }
                    else if case .sequence(let items) = commandNode { command = try CommandTemplate(arguments: items.map { $0.string ?? "" }) }
                    else { error(at: commandNode, "service '\(name)': command must be a string or a list of arguments") }
                } catch {
                    self.error(at: commandNode, "service '\(name)': \(error)")
                }
                if let command, !command.arguments.contains(where: { $0.contains("{port}") }) {
                    self.error(at: commandNode, "service '\(name)': command must contain {port}, so each instance gets its own port")
                }
            } else {
                error(at: value, "service '\(name)': missing key 'command'")
            }
            let version = requiredString(fields, "version", in: value, context: "service '\(name)'") ?? ""
            if !version.isEmpty && !VersionName.isValid(version) {
                error(at: fields["version"], "service '\(name)': version '\(version)' is not valid: \(VersionName.rule)")
            }
            let health = path(fields, "health", context: "service '\(name)'") ?? "/health"
            let metrics = path(fields, "metrics", context: "service '\(name)'") ?? "/metrics"
            var smoke: [String] = []
            if let smokeNode = fields["smoke"] {
                if case .sequence(let items) = smokeNode {
                    for item in items {
                        if let text = item.string, text.hasPrefix("/") { smoke.append(text) }
                        else { error(at: item, "service '\(name)': smoke paths must start with '/'") }
                    }
                } else { error(at: smokeNode, "service '\(name)': smoke must be a list of paths") }
            }
            var instances: [String: Int] = [:]
            if let instancesNode = fields["instances"], let counts = mapping(instancesNode, "service '\(name)' instances") {
                for (targetNode, countNode) in counts {
                    guard let target = targetNode.string else { continue }
                    if !targets.contains(target) {
                        let hint = Suggestion.closest(to: target, among: targets).map { "; did you mean '\($0)'?" } ?? ""
                        error(at: targetNode, "service '\(name)': unknown environment or datacenter '\(target)' in instances\(hint)")
                    }
                    if let count = countNode.int, count >= 0, count <= 64 { instances[target] = count }
                    else { error(at: countNode, "service '\(name)': instances in '\(target)' must be a whole number from 0 to 64") }
                }
            } else if fields["instances"] == nil {
                error(at: value, "service '\(name)': missing key 'instances'")
            }
            let timeout = duration(fields, "start_timeout", context: "service '\(name)'") ?? .seconds(20)
            if let command {
                result.append(ServiceSpec(name: name, kind: kind, command: command, initialVersion: version, healthPath: health,
                                          metricsPath: metrics, smokePaths: smoke, instances: instances, startTimeout: timeout))
            }
        }
        return result
    }

    mutating func readEnvironments(_ node: Node) -> [EnvironmentSpec] {
        guard case .sequence(let items) = node else {
            error(at: node, "'environments' must be a list, in promotion order (nightly, testing, perf, staging, production)")
            return []
        }
        var result: [EnvironmentSpec] = []
        var seen: Set<String> = []
        for item in items {
            guard let fields = mapping(item, "an environment") else { continue }
            checkKeys(fields, allowed: Self.environmentKeys, context: "environment")
            guard let name = requiredString(fields, "name", in: item, context: "environment") else { continue }
            var datacenters: [String] = []
            if let dcNode = fields["datacenters"] {
                if case .sequence(let dcs) = dcNode { datacenters = dcs.compactMap(\.string) }
                else { error(at: dcNode, "environment '\(name)': datacenters must be a list of names") }
                if datacenters.isEmpty { error(at: dcNode, "environment '\(name)': datacenters is empty") }
            }
            for label in [name] + datacenters where !seen.insert(label).inserted {
                error(at: item, "environment or datacenter '\(label)' is declared twice")
            }
            result.append(EnvironmentSpec(name: name, datacenters: datacenters))
        }
        if let production = result.first(where: { $0.name == "production" }), production.datacenters.isEmpty {
            error(at: node, "environment 'production' must list its datacenters (e.g. [dc1, dc2])")
        }
        return result
    }

    mutating func readScripts(_ node: Node) -> [ScriptSpec] {
        guard case .sequence(let items) = node else {
            error(at: node, "'scripts' must be a list, in the order they run")
            return []
        }
        var result: [ScriptSpec] = []
        var seen: Set<String> = []
        for item in items {
            guard let fields = mapping(item, "a script") else { continue }
            checkKeys(fields, allowed: Self.scriptKeys, context: "script")
            let name = requiredString(fields, "name", in: item, context: "script")
            let apply = requiredString(fields, "apply", in: item, context: "script '\(name ?? "?")'")
            let rollback = requiredString(fields, "rollback", in: item, context: "script '\(name ?? "?")'")
            let timeout = duration(fields, "timeout", context: "script '\(name ?? "?")'") ?? .seconds(300)
            if let name, !seen.insert(name).inserted { error(at: item, "script '\(name)' is declared twice") }
            if let name, let apply, let rollback {
                result.append(ScriptSpec(name: name, apply: apply, rollback: rollback, timeout: timeout))
            }
        }
        return result
    }

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
                    let hint = Suggestion.closest(to: t, among: targets).map { "; did you mean '\($0)'?" } ?? ""
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
                let hint = Suggestion.closest(to: word, among: Self.stepKeys).map { "; did you mean '\($0)'?" } ?? ""
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
            let hint = Suggestion.closest(to: key, among: Self.stepKeys).map { "; did you mean '\($0)'?" } ?? ""
            error(at: keyNode, "wave '\(wave)': unknown step '\(key)'\(hint)")
        }
        return nil
    }

    mutating func readMetrics(_ node: Node) -> MetricsSpec {
        guard let fields = mapping(node, "metrics") else { return MetricsSpec() }
        checkKeys(fields, allowed: ["source", "prometheus_url"], context: "metrics")
        switch fields["source"]?.string ?? "scrape" {
        case "scrape": return MetricsSpec(source: .scrape)
        case "prometheus":
            guard let url = fields["prometheus_url"]?.string, url.hasPrefix("http") else {
                error(at: node, "metrics: source prometheus needs prometheus_url (e.g. http://127.0.0.1:9090)")
                return MetricsSpec()
            }
            return MetricsSpec(source: .prometheus(url: url))
        case let other:
            error(at: fields["source"], "metrics: source must be scrape or prometheus, not '\(other)'")
            return MetricsSpec()
        }
    }

    mutating func readAlerts(_ node: Node, services: [String], targets: [String]) -> AlertsSpec {
        guard let fields = mapping(node, "alerts") else { return AlertsSpec() }
        checkKeys(fields, allowed: ["notifiers", "rules", "interval"], context: "alerts")
        var spec = AlertsSpec()
        if let value = duration(fields, "interval", context: "alerts") { spec.interval = value }
        if let notifiersNode = fields["notifiers"] {
            if case .sequence(let items) = notifiersNode {
                for item in items {
                    guard case .mapping(let entry) = item, entry.count == 1, let (keyNode, valueNode) = entry.first,
                          let kind = keyNode.string, let url = valueNode.string, url.hasPrefix("http") else {
                        error(at: item, "alerts: a notifier is `webhook: URL` or `alertmanager: URL`")
                        continue
                    }
                    switch kind {
                    case "webhook": spec.notifiers.append(.webhook(url: url))
                    case "alertmanager": spec.notifiers.append(.alertmanager(url: url))
                    default:
                        let hint = Suggestion.closest(to: kind, among: ["webhook", "alertmanager"]).map { "; did you mean '\($0)'?" } ?? ""
                        error(at: keyNode, "alerts: unknown notifier '\(kind)'\(hint)")
                    }
                }
            } else { error(at: notifiersNode, "alerts: notifiers must be a list") }
        }
        if let rulesNode = fields["rules"] {
            guard case .sequence(let items) = rulesNode else {
                error(at: rulesNode, "alerts: rules must be a list")
                return spec
            }
            for item in items {
                guard let rule = mapping(item, "an alert rule") else { continue }
                checkKeys(rule, allowed: ["name", "service", "target", "expr", "for", "severity"], context: "alert rule")
                guard let name = requiredString(rule, "name", in: item, context: "alert rule"),
                      let service = requiredString(rule, "service", in: item, context: "alert rule '\(name)'"),
                      let target = requiredString(rule, "target", in: item, context: "alert rule '\(name)'"),
                      let expr = requiredString(rule, "expr", in: item, context: "alert rule '\(name)'") else { continue }
                if !services.contains(service) { error(at: rule["service"], "alert rule '\(name)': unknown service '\(service)'") }
                if !targets.contains(target) { error(at: rule["target"], "alert rule '\(name)': unknown environment or datacenter '\(target)'") }
                guard let (measure, comparison, threshold) = AlertRule.parseExpression(expr) else {
                    error(at: rule["expr"], "alert rule '\(name)': expr must read MEASURE OP NUMBER, e.g. `error_rate > 0.02` (measures: \(AlertRule.Measure.allCases.map(\.rawValue).joined(separator: ", ")); ops: >, <)")
                    continue
                }
                let holdFor = duration(rule, "for", context: "alert rule '\(name)'") ?? .zero
                spec.rules.append(AlertRule(name: name, service: service, target: target, measure: measure, comparison: comparison,
                                            threshold: threshold, holdFor: holdFor, severity: rule["severity"]?.string ?? "page"))
            }
        }
        return spec
    }

    static let analysisKeys = ["judge", "alpha", "min_samples", "max_duration", "interval", "metrics"]
    static let analysisMetricKeys = ["name", "kind", "critical", "allowed_increase", "max", "failure_limit"]

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
        if let value = duration(fields, "interval", context: context) { spec.interval = value }
        if let metricsNode = fields["metrics"] {
            guard case .sequence(let items) = metricsNode, !items.isEmpty else {
                error(at: metricsNode, "\(context): metrics must be a non-empty list")
                return spec
            }
            spec.metrics = items.compactMap { readAnalysisMetric($0, context: context) }
        }
        return spec
    }

    mutating func readAnalysisMetric(_ node: Node, context: String) -> AnalysisMetricSpec? {
        guard let fields = mapping(node, "\(context): a metric") else { return nil }
        checkKeys(fields, allowed: Self.analysisMetricKeys, context: "analysis metric")
        guard let name = requiredString(fields, "name", in: node, context: "\(context) metric"),
              let kindText = requiredString(fields, "kind", in: node, context: "\(context) metric '\(name)'") else { return nil }
        guard let kind = AnalysisMetricSpec.Kind(rawValue: kindText) else {
            error(at: fields["kind"], "\(context) metric '\(name)': kind must be error_rate or latency")
            return nil
        }
        var metric = AnalysisMetricSpec(name: name, kind: kind)
        if let node = fields["critical"] {
            if let value = node.bool { metric.critical = value } else { error(at: node, "\(context) metric '\(name)': critical must be true or false") }
        }
        if let node = fields["allowed_increase"] {
            if let value = node.float, value >= 0 { metric.allowedIncrease = value } else {
                error(at: node, "\(context) metric '\(name)': allowed_increase must be a fraction of 0 or more (0.1 = +10%)")
            }
        }
        if let node = fields["max"] {
            if let value = node.float, value >= 0 { metric.max = value } else { error(at: node, "\(context) metric '\(name)': max must be a number of 0 or more") }
        }
        if let node = fields["failure_limit"] {
            if let value = node.int, value >= 1 { metric.failureLimit = value } else {
                error(at: node, "\(context) metric '\(name)': failure_limit must be a whole number, 1 or more")
            }
        }
        return metric
    }

    // MARK: - Helpers

    mutating func mapping(_ node: Node, _ what: String) -> Node.Mapping? {
        if case .mapping(let mapping) = node { return mapping }
        error(at: node, "\(what) must be a mapping of keys to values")
        return nil
    }

    mutating func checkKeys(_ mapping: Node.Mapping, allowed: [String], context: String) {
        for key in mapping.keys {
            guard let name = key.string, !allowed.contains(name) else { continue }
            let hint = Suggestion.closest(to: name, among: allowed).map { "; did you mean '\($0)'?" } ?? ""
            error(at: key, "unknown key '\(name)' in \(context)\(hint)")
        }
    }

    mutating func requiredString(_ mapping: Node.Mapping, _ key: String, in parent: Node, context: String) -> String? {
        guard let node = mapping[key] else {
            error(at: parent, "\(context): missing key '\(key)'")
            return nil
        }
        guard case .scalar = node, let text = node.string, !text.isEmpty else {
            error(at: node, "\(context): '\(key)' must be a non-empty string")
            return nil
        }
        return text
    }

    mutating func path(_ mapping: Node.Mapping, _ key: String, context: String) -> String? {
        guard let node = mapping[key] else { return nil }
        guard let text = node.string, text.hasPrefix("/") else {
            error(at: node, "\(context): '\(key)' must be a path starting with '/'")
            return nil
        }
        return text
    }

    mutating func duration(_ mapping: Node.Mapping, _ key: String, context: String) -> Duration? {
        guard let node = mapping[key] else { return nil }
        guard let text = node.string, let value = DurationText.parse(text) else {
            error(at: node, "\(context): '\(key)' must be a duration such as 500ms, 30s, 5m or 1h")
            return nil
        }
        return value
    }

    func isIdentifier(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { ($0.isLetter && $0.isLowercase) || $0.isNumber || $0 == "-" } && name.first!.isLetter
    }

    mutating func error(at node: Node?, _ message: String) {
        let mark = node?.mark
        diagnostics.append(ConfigDiagnostic(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message))
    }

    mutating func report(yamlError: YamlError) {
        switch yamlError {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            diagnostics.append(ConfigDiagnostic(file: file, line: mark.line, column: mark.column, message: "invalid YAML: \(problem)"))
        case .duplicatedKeysInMapping(let duplicates, let context):
            diagnostics.append(ConfigDiagnostic(file: file, line: context.mark.line, column: context.mark.column,
                                                message: "duplicate key \(duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")) in one mapping"))
        default:
            diagnostics.append(ConfigDiagnostic(file: file, line: 1, column: 1, message: "invalid YAML: \(yamlError)"))
        }
    }
}
