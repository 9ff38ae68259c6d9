import Foundation
import Yams

/// Reads `railyard.yml` into a `RailyardConfig`, collecting every problem with its line and column.
public struct ConfigLoader {
    public static let topLevelKeys = ["services", "environments", "scripts", "deployment", "alerts", "metrics", "router", "tickets", "trains", "nightly"]
    static let serviceKeys = ["kind", "command", "version", "health", "metrics", "smoke", "instances", "start_timeout", "depends_on", "build"]
    static let environmentKeys = ["name", "datacenters"]
    static let scriptKeys = ["name", "apply", "rollback", "expand_only", "timeout"]
    static let waveKeys = ["name", "target", "steps"]
    static let stepKeys = ["scripts", "deploy", "smoke", "setWeight", "pause", "analysis", "promote"]

    let file: String
    var diagnostics: [ConfigDiagnostic] = []

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
        var router = RouterKind.builtin
        if let node = top["router"] {
            if let kind = node.string.flatMap(RouterKind.init(rawValue:)) {
                router = kind
            } else {
                error(at: node, "router must be one of \(RouterKind.allCases.map(\.rawValue).joined(separator: ", ")), not '\(node.string ?? "a non-string")'")
            }
        }
        var tickets = TicketColumns()
        if let node = top["tickets"] { tickets = readTickets(node) }
        var trains = TrainsSpec()
        if let node = top["trains"] { trains = readTrains(node) }
        var nightly = NightlySpec()
        if let node = top["nightly"] {
            nightly = readNightly(node, services: services.map(\.name), targets: targetNames, defaultZone: trains.timetable.timeZone)
        }
        var config = RailyardConfig(baseDirectory: baseDirectory, services: services, environments: environments,
                                    scripts: scripts, deployment: deployment, alerts: alerts, metrics: metrics, router: router, tickets: tickets,
                                    trains: trains)
        config.nightly = nightly
        return config
    }
}
