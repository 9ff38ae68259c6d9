import AsyncHTTPClient

/// The notification port: hands alerts to whoever pages people.
public protocol Notifier: Sendable {
    /// Sends `alerts` in `state`. For `.resolved`, an alert without `endsAt` is sent as ending now.
    func send(_ alerts: [Alert], state: AlertState) async throws
    /// How often a still-firing alert must be sent again for the receiver to keep it; nil when one
    /// notification per change is what the receiver wants.
    var resendInterval: Duration? { get }
}

extension Notifier {
    public var resendInterval: Duration? { nil }
}

/// Which notifier backend to use, and where it is.
public enum NotifierKind: Sendable, Equatable {
    /// A generic JSON webhook: `POST url` with `{"status", "alerts"}`.
    case webhook(url: String)
    /// Alertmanager's base URL, e.g. `http://127.0.0.1:9093`; alerts go to `POST /api/v2/alerts`.
    case alertmanager(url: String)
}

/// Builds the `Notifier` adapter for a notifier kind, like Flagger's notifier factory.
public enum NotifierFactory {
    public static func make(kind: NotifierKind, httpClient: HTTPClient) -> any Notifier {
        switch kind {
        case .webhook(let url):
            return WebhookNotifier(url: url, httpClient: httpClient)
        case .alertmanager(let url):
            return AlertmanagerNotifier(url: url, httpClient: httpClient)
        }
    }
}
