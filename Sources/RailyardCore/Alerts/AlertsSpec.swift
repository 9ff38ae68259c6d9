/// `alerts:` in railyard.yml: where notifications go and which rules are evaluated.
public struct AlertsSpec: Sendable, Equatable {
    public enum Destination: Sendable, Equatable {
        case webhook(url: String)
        case alertmanager(url: String)
    }
    public var notifiers: [Destination]
    public var rules: [AlertRule]
    /// How often rules are evaluated (from the injected clock).
    public var interval: Duration
    public init(notifiers: [Destination] = [], rules: [AlertRule] = [], interval: Duration = .seconds(5)) {
        self.notifiers = notifiers
        self.rules = rules
        self.interval = interval
    }
}

/// `metrics:` in railyard.yml: where live metrics are read.
public struct MetricsSpec: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// Each instance's metrics path, read directly (the default).
        case scrape
        /// PromQL against a Prometheus server the user already runs.
        case prometheus(url: String)
    }
    public var source: Source
    public init(source: Source = .scrape) { self.source = source }
}
