/// nightly, testing, perf, staging, production: where instances run, in promotion order.
public struct EnvironmentSpec: Sendable, Equatable {
    public var name: String
    /// Production's `dc1` and `dc2`: each has its own instances and router.
    public var datacenters: [String]
    public init(name: String, datacenters: [String] = []) {
        self.name = name
        self.datacenters = datacenters
    }
}
