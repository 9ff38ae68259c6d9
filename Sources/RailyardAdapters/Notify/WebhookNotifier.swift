import AsyncHTTPClient
import Foundation
import NIOCore
import RailyardPorts

/// The generic JSON webhook's body: `{"status": "firing"|"resolved", "alerts": [Alert…]}`, dates in RFC 3339.
public struct WebhookPayload: Codable, Sendable, Equatable {
    public var status: AlertState
    public var alerts: [Alert]

    public init(status: AlertState, alerts: [Alert]) {
        self.status = status
        self.alerts = alerts
    }

    /// The JSON a webhook receives.
    public func encoded() throws -> Data { try NotifierHTTP.encoder().encode(self) }

    /// Reads a webhook body, for receivers written in Swift (and tests).
    public static func decode(_ data: Data) throws -> WebhookPayload {
        try NotifierHTTP.decoder().decode(WebhookPayload.self, from: data)
    }
}

/// `Notifier` adapter posting a generic JSON body to any URL (Slack relays, chat bots, incident tools…).
public struct WebhookNotifier: Notifier {
    public let url: String
    private let client: HTTPClient
    private let timeout: TimeAmount
    private let now: @Sendable () -> Date

    /// - Parameter now: the clock used for `endsAt` of resolved alerts that carry none.
    public init(
        url: String,
        httpClient: HTTPClient,
        timeout: TimeAmount = .seconds(10),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.url = url
        self.client = httpClient
        self.timeout = timeout
        self.now = now
    }

    public func send(_ alerts: [Alert], state: AlertState) async throws {
        guard !alerts.isEmpty else { return }
        let payload = WebhookPayload(status: state, alerts: Self.stamped(alerts, state: state, now: now()))
        try await NotifierHTTP.postJSON(try payload.encoded(), to: url, client: client, timeout: timeout)
    }

    /// A resolved alert always carries `endsAt`; a firing one never does.
    static func stamped(_ alerts: [Alert], state: AlertState, now: Date) -> [Alert] {
        alerts.map { alert in
            var alert = alert
            switch state {
            case .firing: alert.endsAt = nil
            case .resolved: alert.endsAt = alert.endsAt ?? now
            }
            return alert
        }
    }
}
