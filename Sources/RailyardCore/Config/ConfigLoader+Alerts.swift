import Foundation
import Yams

/// `alerts:` and `metrics:` — alert rules, notifiers and where live metrics are read.
extension ConfigLoader {
    mutating func readMetrics(_ node: Node) -> MetricsSpec {
        guard let fields = mapping(node, "metrics") else { return MetricsSpec() }
        checkKeys(fields, allowed: ["source", "prometheus_url"], context: "metrics")
        switch fields["source"]?.string ?? "scrape" {
        case "scrape":
            if let urlNode = fields["prometheus_url"] {
                error(at: urlNode, "metrics: prometheus_url is only read with `source: prometheus` (the source here is scrape)")
            }
            return MetricsSpec(source: .scrape)
        case "prometheus":
            guard let urlNode = fields["prometheus_url"] else {
                error(at: node, "metrics: source prometheus needs prometheus_url (e.g. http://127.0.0.1:9090)")
                return MetricsSpec()
            }
            guard let url = httpURL(urlNode, context: "metrics: prometheus_url", example: "http://127.0.0.1:9090") else { return MetricsSpec() }
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
                          let kind = keyNode.string else {
                        error(at: item, "alerts: a notifier is `webhook: URL` or `alertmanager: URL`")
                        continue
                    }
                    guard ["webhook", "alertmanager"].contains(kind) else {
                        let hint = Suggestion.hint(for: kind, among: ["webhook", "alertmanager"])
                        error(at: keyNode, "alerts: unknown notifier '\(kind)'\(hint)")
                        continue
                    }
                    guard let url = httpURL(valueNode, context: "alerts: the \(kind) notifier's URL",
                                            example: kind == "alertmanager" ? "http://127.0.0.1:9093" : "https://hooks.example.com/railyard") else { continue }
                    spec.notifiers.append(kind == "webhook" ? .webhook(url: url) : .alertmanager(url: url))
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
}
