import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import RailyardAdapters
import RailyardPorts
import ServiceLifecycle
import Synchronization
import Testing

@Suite("Notifier")
struct NotifierTests {
    static let startsAt = Date(timeIntervalSince1970: 1_795_000_000.25)

    static func rollbackAlert(labels: [String: String] = ["service": "payin", "environment": "production"]) -> Alert {
        Alert(
            name: "CanaryRolledBack",
            severity: "critical",
            summary: "payin 2026.48 rolled back in production",
            reason: "payin error rate 3.9% vs 0.5% on baseline after 1,840 requests; boundary crossed at α=0.01",
            labels: labels,
            startsAt: startsAt
        )
    }

    // MARK: - Alert

    @Test func fingerprintIsStableAndIgnoresLabelOrder() {
        let a = Alert.fingerprint(name: "HighErrorRate", labels: ["service": "payin", "environment": "dc1"])
        let b = Alert.fingerprint(name: "HighErrorRate", labels: ["environment": "dc1", "service": "payin"])
        #expect(a == b)
        #expect(a.count == 16)
        // Fixed value: the fingerprint must not change between runs or releases (it deduplicates stored alerts).
        #expect(a == Alert.fingerprint(name: "HighErrorRate", labels: ["service": "payin", "environment": "dc1"]))
        #expect(a != Alert.fingerprint(name: "HighErrorRate", labels: ["service": "payin", "environment": "dc2"]))
        #expect(a != Alert.fingerprint(name: "HighLatency", labels: ["service": "payin", "environment": "dc1"]))
        #expect(Alert.fingerprint(name: "x", labels: ["ab": "c"]) != Alert.fingerprint(name: "x", labels: ["a": "bc"]))
        #expect(Self.rollbackAlert().fingerprint == Alert.fingerprint(
            name: "CanaryRolledBack", labels: ["service": "payin", "environment": "production"]))
        #expect(Alert.fingerprint(name: "", labels: [:]) == "af64724c8602eb6e")
    }

    @Test func factoryBuildsEachKind() {
        let webhook = NotifierFactory.make(kind: .webhook(url: "http://127.0.0.1:1/hook"), httpClient: .shared)
        #expect(webhook is WebhookNotifier)
        let alertmanager = NotifierFactory.make(kind: .alertmanager(url: "http://127.0.0.1:1/"), httpClient: .shared)
        #expect((alertmanager as? AlertmanagerNotifier)?.alertsURL == "http://127.0.0.1:1/api/v2/alerts")
    }

    @Test func alertmanagerPayloadMapsLabelsAndAnnotations() {
        let notifier = AlertmanagerNotifier(
            url: "http://am:9093", httpClient: .shared, generatorURL: "http://railyard/rollouts/7",
            now: { Date(timeIntervalSince1970: 1_795_000_100) }
        )
        let firing = notifier.payload([Self.rollbackAlert()], state: .firing)
        #expect(firing == [AlertmanagerAlert(
            labels: ["alertname": "CanaryRolledBack", "severity": "critical", "service": "payin", "environment": "production"],
            annotations: [
                "summary": "payin 2026.48 rolled back in production",
                "description": Self.rollbackAlert().reason,
                "fingerprint": Self.rollbackAlert().fingerprint,
            ],
            startsAt: Self.startsAt, endsAt: nil, generatorURL: "http://railyard/rollouts/7"
        )])
        let resolved = notifier.payload([Self.rollbackAlert()], state: .resolved)
        #expect(resolved.first?.endsAt == Date(timeIntervalSince1970: 1_795_000_100))
    }

    // MARK: - Webhook (real in-process HTTP server)

    @Test func webhookPostsStatusAndAlerts() async throws {
        let received = ReceivedPosts()
        try await withWebhookReceiver(received: received) { base in
            let notifier = WebhookNotifier(
                url: base + "/hook", httpClient: .shared, now: { Date(timeIntervalSince1970: 1_795_000_100.5) }
            )
            try await notifier.send([Self.rollbackAlert()], state: .firing)
            try await notifier.send([Self.rollbackAlert()], state: .resolved)
            try await notifier.send([], state: .firing)  // nothing to say: no request
        }
        let posts = received.all
        try #require(posts.count == 2)
        #expect(posts[0].path == "/hook")
        #expect(posts[0].contentType == "application/json")

        let firing = try WebhookPayload.decode(posts[0].body)
        #expect(firing == WebhookPayload(status: .firing, alerts: [Self.rollbackAlert()]))
        let resolved = try WebhookPayload.decode(posts[1].body)
        var ended = Self.rollbackAlert()
        ended.endsAt = Date(timeIntervalSince1970: 1_795_000_100.5)
        #expect(resolved == WebhookPayload(status: .resolved, alerts: [ended]))

        // The raw JSON a receiver in any language reads.
        let json = try #require(try JSONSerialization.jsonObject(with: posts[0].body) as? [String: Any])
        #expect(json["status"] as? String == "firing")
        let alerts = try #require(json["alerts"] as? [[String: Any]])
        #expect(alerts.count == 1)
        #expect(alerts[0]["name"] as? String == "CanaryRolledBack")
        #expect(alerts[0]["severity"] as? String == "critical")
        #expect(alerts[0]["summary"] as? String == "payin 2026.48 rolled back in production")
        #expect((alerts[0]["reason"] as? String)?.contains("boundary crossed at α=0.01") == true)
        #expect(alerts[0]["labels"] as? [String: String] == ["service": "payin", "environment": "production"])
        #expect(alerts[0]["startsAt"] as? String == "2026-11-18T11:06:40.250Z")
        #expect(alerts[0]["endsAt"] == nil)
        #expect(alerts[0]["fingerprint"] as? String == Self.rollbackAlert().fingerprint)
        let resolvedJSON = try #require(try JSONSerialization.jsonObject(with: posts[1].body) as? [String: Any])
        #expect(resolvedJSON["status"] as? String == "resolved")
        #expect((resolvedJSON["alerts"] as? [[String: Any]])?.first?["endsAt"] as? String == "2026-11-18T11:08:20.500Z")
    }

    @Test func webhookErrorNamesURLAndStatus() async throws {
        let received = ReceivedPosts()
        try await withWebhookReceiver(received: received) { base in
            let notifier = WebhookNotifier(url: base + "/broken", httpClient: .shared)
            let error = try await #require(throws: NotifierError.self) {
                try await notifier.send([Self.rollbackAlert()], state: .firing)
            }
            #expect(error == .rejected(url: base + "/broken", status: 503, body: "receiver down"))
            #expect(error.description.contains(base + "/broken"))
            #expect(error.description.contains("503"))
        }
        let port = try FreePort.next()
        let unreachable = WebhookNotifier(url: "http://127.0.0.1:\(port)/hook", httpClient: .shared, timeout: .seconds(2))
        let error = try await #require(throws: NotifierError.self) {
            try await unreachable.send([Self.rollbackAlert()], state: .firing)
        }
        guard case .unreachable(let url, _) = error else {
            Issue.record("expected unreachable, got \(error)")
            return
        }
        #expect(url == "http://127.0.0.1:\(port)/hook")
        #expect(error.description.contains("http://127.0.0.1:\(port)/hook"))
    }

    // MARK: - Alertmanager (real server)

    @Test(.enabled(if: ExternalBinary.shouldRun(ExternalBinary.alertmanagerNames, package: "prometheus-alertmanager")))
    func alertmanagerReceivesFiringThenResolved() async throws {
        let server = try await Self.startAlertmanager()
        try await withExternalServer(server) { server in
            let notifier = NotifierFactory.make(kind: .alertmanager(url: server.baseURL), httpClient: .shared)
            let alert = Alert(
                name: "CanaryRolledBack",
                severity: "critical",
                summary: "payin 2026.48 rolled back in production",
                reason: "payin error rate 3.9% vs 0.5% on baseline after 1,840 requests; boundary crossed at α=0.01",
                labels: ["service": "payin", "environment": "production", "train": "2026.48"],
                startsAt: Date().addingTimeInterval(-60)
            )
            try await notifier.send([alert], state: .firing)
            // Sending the same alert again deduplicates: still one alert.
            try await notifier.send([alert], state: .firing)

            let active = try await Self.alertmanagerAlerts(server.baseURL)
            try #require(active.count == 1, "Alertmanager holds \(active.count) alerts; log:\n\(server.log)")
            let held = active[0]
            #expect(held.labels == [
                "alertname": "CanaryRolledBack", "severity": "critical",
                "service": "payin", "environment": "production", "train": "2026.48",
            ])
            #expect(held.annotations["summary"] == "payin 2026.48 rolled back in production")
            #expect(held.annotations["description"] == alert.reason)
            #expect(held.annotations["fingerprint"] == alert.fingerprint)
            #expect(held.status.state == "active")
            #expect(abs(held.startsAt.timeIntervalSince(alert.startsAt)) < 0.01)

            try await notifier.send([alert], state: .resolved)
            let after = try await Self.alertmanagerAlerts(server.baseURL)
            #expect(after.isEmpty, "still active after resolve: \(after)")

            // A rejected payload names the URL and Alertmanager's status.
            let broken = AlertmanagerNotifier(url: server.baseURL, httpClient: .shared)
            let bad = Alert(name: "", severity: "", summary: "", reason: "", startsAt: Date())
            let error = try await #require(throws: NotifierError.self) {
                try await broken.send([bad], state: .firing)
            }
            guard case .rejected(let url, let status, _) = error else {
                Issue.record("expected rejected, got \(error)")
                return
            }
            #expect(url == server.baseURL + "/api/v2/alerts")
            #expect(status == 400)
        }
    }

    // MARK: - Helpers

    /// What the webhook receiver got, in order.
    final class ReceivedPosts: Sendable {
        private let posts = Mutex<[(path: String, contentType: String?, body: Data)]>([])
        func append(path: String, contentType: String?, body: Data) {
            posts.withLock { $0.append((path: path, contentType: contentType, body: body)) }
        }
        var all: [(path: String, contentType: String?, body: Data)] { posts.withLock { $0 } }
    }

    struct GettableAlert: Decodable {
        struct Status: Decodable { var state: String }
        var labels: [String: String]
        var annotations: [String: String]
        var startsAt: Date
        var endsAt: Date
        var fingerprint: String
        var status: Status
    }

    static func alertmanagerAlerts(_ base: String) async throws -> [GettableAlert] {
        var request = HTTPClientRequest(url: base + "/api/v2/alerts")
        request.method = .GET
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        #expect(response.status == .ok)
        return try NotifierHTTP.decoder().decode([GettableAlert].self, from: Data(buffer: body))
    }

    /// A real Alertmanager on a free loopback port, clustering off, temp config and storage.
    static func startAlertmanager() async throws -> ExternalServer {
        let binary = try ExternalBinary.require(ExternalBinary.alertmanagerNames, package: "prometheus-alertmanager")
        let config = """
            route:
              receiver: "null"
              group_wait: 1s
            receivers:
              - name: "null"
            """
        return try await ExternalServer.start(binary, name: "alertmanager", configName: "alertmanager.yml", config: config) { path, directory, port in
            ["--config.file=\(path)", "--storage.path=\(directory.appendingPathComponent("data").path)",
             "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=", "--log.level=warn"]
        }
    }

    /// A real in-process HTTP server: `POST /hook` records the request and answers 200, `POST /broken` answers
    /// 503 "receiver down".
    func withWebhookReceiver(
        received: ReceivedPosts,
        _ body: (_ baseURL: String) async throws -> Void
    ) async throws {
        let router = Router()
        router.post("/hook") { request, _ -> HTTPResponse.Status in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let contentType = request.headers[.contentType]
            received.append(path: request.uri.path, contentType: contentType, body: Data(buffer: bytes))
            return .ok
        }
        router.post("/broken") { _, _ -> Response in
            Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "receiver down\n")))
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "webhook-receiver")
        logger.logLevel = .warning
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger
        )
        let serviceGroup = ServiceGroup(configuration: .init(services: [app], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { continuation.finish() }
                try await serviceGroup.run()
            }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next(), "webhook receiver did not start")
            do {
                try await body("http://127.0.0.1:\(port)")
            } catch {
                await serviceGroup.triggerGracefulShutdown()
                try? await group.waitForAll()
                throw error
            }
            await serviceGroup.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }
}
