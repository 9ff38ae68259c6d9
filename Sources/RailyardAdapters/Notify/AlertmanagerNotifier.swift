import AsyncHTTPClient
import Foundation
import NIOCore
import RailyardPorts

/// One alert as Alertmanager's API v2 takes it (`postableAlert`).
public struct AlertmanagerAlert: Codable, Sendable, Equatable {
    public var labels: [String: String]
    public var annotations: [String: String]
    public var startsAt: Date?
    public var endsAt: Date?
    public var generatorURL: String?

    public init(
        labels: [String: String], annotations: [String: String],
        startsAt: Date? = nil, endsAt: Date? = nil, generatorURL: String? = nil
    ) {
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.generatorURL = generatorURL
    }
}

/// `Notifier` adapter for Prometheus Alertmanager: `POST /api/v2/alerts`.
///
/// Alertmanager identifies an alert by its label set, so the same alert sent again deduplicates with the one it
/// holds. Labels are the alert's labels plus `alertname` and `severity`; annotations are `summary`, `description`
/// (the reason) and `fingerprint` (Railyard's). A firing alert is sent without `endsAt`, so Alertmanager keeps it
/// for its `resolve_timeout` (5 minutes by default) unless it is sent again: the alert evaluator re-sends a
/// firing alert every `resendInterval` (1 minute, as Prometheus's `resend_delay`). A resolved alert is sent
/// with `endsAt`, which ends it.
public struct AlertmanagerNotifier: Notifier {
    /// The base URL, e.g. `http://127.0.0.1:9093`.
    public let url: String
    /// Where the alert comes from, e.g. the dashboard page of the rollout; Alertmanager shows it as a link.
    public let generatorURL: String?
    private let client: HTTPClient
    private let timeout: TimeAmount
    private let now: @Sendable () -> Date
    public let resendInterval: Duration?

    public init(
        url: String,
        httpClient: HTTPClient,
        generatorURL: String? = nil,
        timeout: TimeAmount = .seconds(10),
        resendInterval: Duration = .seconds(60),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        self.url = base
        self.generatorURL = generatorURL
        self.client = httpClient
        self.timeout = timeout
        self.now = now
        self.resendInterval = resendInterval
    }

    /// Where alerts are posted.
    public var alertsURL: String { url + "/api/v2/alerts" }

    public func send(_ alerts: [Alert], state: AlertState) async throws {
        guard !alerts.isEmpty else { return }
        let body = try NotifierHTTP.encoder().encode(payload(alerts, state: state))
        try await NotifierHTTP.postJSON(body, to: alertsURL, client: client, timeout: timeout)
    }

    /// The body posted for `alerts` in `state`.
    public func payload(_ alerts: [Alert], state: AlertState) -> [AlertmanagerAlert] {
        let now = now()
        return alerts.map { alert in
            var labels = alert.labels
            labels["alertname"] = alert.name
            labels["severity"] = alert.severity
            return AlertmanagerAlert(
                labels: labels,
                annotations: [
                    "summary": alert.summary,
                    "description": alert.reason,
                    "fingerprint": alert.fingerprint,
                ],
                startsAt: alert.startsAt,
                endsAt: state == .resolved ? (alert.endsAt ?? now) : nil,
                generatorURL: generatorURL
            )
        }
    }
}
