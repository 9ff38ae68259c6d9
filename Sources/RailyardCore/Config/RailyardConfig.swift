import Foundation

/// The whole of `railyard.yml`: the fleet, where it runs, the scripts that prepare a release
/// and the deployment process. Built only by `ConfigLoader`, so a value of this type is valid.
public struct RailyardConfig: Sendable, Equatable {
    /// Folder that relative paths in the file (scripts, behaviour files) are resolved against.
    public var baseDirectory: String
    public var services: [ServiceSpec]
    public var environments: [EnvironmentSpec]
    public var scripts: [ScriptSpec]
    public var deployment: DeploymentSpec
    public var alerts: AlertsSpec
    public var metrics: MetricsSpec
    public var router: RouterKind
    /// Where each ticket field is in a tracker's export.
    public var tickets: TicketColumns
    /// How a train's production release runs.
    public var trains: TrainsSpec
    public var nightly = NightlySpec()

    public init(baseDirectory: String, services: [ServiceSpec], environments: [EnvironmentSpec],
                scripts: [ScriptSpec], deployment: DeploymentSpec, alerts: AlertsSpec = AlertsSpec(), metrics: MetricsSpec = MetricsSpec(),
                router: RouterKind = .builtin, tickets: TicketColumns = TicketColumns(), trains: TrainsSpec = TrainsSpec()) {
        self.tickets = tickets
        self.trains = trains
        self.router = router
        self.alerts = alerts
        self.metrics = metrics
        self.baseDirectory = baseDirectory
        self.services = services
        self.environments = environments
        self.scripts = scripts
        self.deployment = deployment
    }

    public func service(named name: String) -> ServiceSpec? { services.first { $0.name == name } }

    /// Every place instances run behind their own router, in environment order:
    /// environments without datacenters, and each datacenter of those that have some.
    public var targets: [DeployTarget] {
        environments.flatMap { env in
            env.datacenters.isEmpty
                ? [DeployTarget(name: env.name, environment: env.name)]
                : env.datacenters.map { DeployTarget(name: $0, environment: env.name) }
        }
    }

    public func target(named name: String) -> DeployTarget? { targets.first { $0.name == name } }

    /// Whether rollouts go to production: some wave acts on a target of the `production` environment.
    /// Such rollouts need a release owner to start and four eyes to approve.
    public var deploymentReachesProduction: Bool {
        deployment.waves.compactMap(\.target).contains { target(named: $0)?.environment == "production" }
    }

    /// Absolute path of a file named relative to the config file.
    public func resolve(path: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: baseDirectory).appendingPathComponent(path).standardizedFileURL.path
    }
}

/// One router and its instances: an environment, or one datacenter of production.
public struct DeployTarget: Sendable, Equatable, Hashable, Codable {
    public var name: String
    public var environment: String
    public init(name: String, environment: String) {
        self.name = name
        self.environment = environment
    }
}
