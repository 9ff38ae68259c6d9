import AsyncHTTPClient
import RailyardPorts

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
