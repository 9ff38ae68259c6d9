/// One deployable of the fleet: the monolith or a microservice.
public struct ServiceSpec: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable { case monolith, microservice }

    public var name: String
    public var kind: Kind
    /// How to start one instance of a version; `{version}` and `{port}` are filled per instance.
    public var command: CommandTemplate
    /// The version brought up by `railyard up` where nothing runs yet.
    public var initialVersion: String
    public var healthPath: String
    public var metricsPath: String
    /// Paths checked through the router after a deploy's `smoke` step; each must answer 2xx.
    public var smokePaths: [String]
    /// Instances per target (environment or datacenter name); a target not named runs none.
    public var instances: [String: Int]
    /// How long a new instance has to answer its health check.
    public var startTimeout: Duration
    /// Services this one calls: they deploy before it when a train's change is not backward-compatible.
    public var dependsOn: [String]
    /// How its versions are built into artifacts; nil when Railyard does not build it.
    public var build: BuildSpec?

    public init(name: String, kind: Kind, command: CommandTemplate, initialVersion: String, healthPath: String = "/health",
                metricsPath: String = "/metrics", smokePaths: [String] = [], instances: [String: Int],
                startTimeout: Duration = .seconds(20), dependsOn: [String] = []) {
        self.dependsOn = dependsOn
        self.name = name
        self.kind = kind
        self.command = command
        self.initialVersion = initialVersion
        self.healthPath = healthPath
        self.metricsPath = metricsPath
        self.smokePaths = smokePaths
        self.instances = instances
        self.startTimeout = startTimeout
    }

    public func instanceCount(in target: String) -> Int { instances[target] ?? 0 }
}
