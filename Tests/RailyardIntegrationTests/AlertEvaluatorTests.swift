import Foundation
import Hummingbird
import NIOCore
import PaymentsDemo
import RailyardAdapters
import RailyardPorts
import RailyardCore
import RailyardEngine
import RailyardServer
import Synchronization
import Testing

/// Alert rules on live metrics of real instances, read through the real scrape source, notified through
/// the real webhook and Alertmanager adapters to an HTTP receiver that records what they post (the
/// Alertmanager side of it is checked against a real Alertmanager in NotifierTests); time comes from
/// the manual clock.
@Suite(.serialized) struct AlertEvaluatorTests {
    /// What a receiver's route was posted, in order.
    final class Bodies: Sendable {
        let bodies = Mutex<[String]>([])
        var all: [String] { bodies.withLock { $0 } }

        func record(_ router: Router<BasicRequestContext>, at path: String) {
            router.post(RouterPath(path)) { request, _ -> HTTPResponse.Status in
                var request = request
                let body = try await request.collectBody(upTo: 1 << 20)
                self.bodies.withLock { $0.append(String(buffer: body)) }
                return .ok
            }
        }
    }

    static let waves = "    - name: canary\n      target: dc1\n      steps: [deploy, promote]"
    static let approvalWaves = "    - name: canary\n      target: dc1\n      steps: [deploy, pause: approval, promote]"

    /// A webhook receiver on a free port that records what it is posted, and the railyard.yml lines that send the
    /// notifiers to it; cancel the task to stop it.
    static func webhookReceiver() throws -> (received: Bodies, alerts: String, receiver: Task<Void, any Error>) {
        let received = Bodies()
        let port = try FreePort.next()
        let router = Router()
        received.record(router, at: "hook")
        let receiver = Task { try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port))).run() }
        return (received, "alerts:\n  notifiers:\n    - webhook: http://127.0.0.1:\(port)/hook", receiver)
    }

    @Test func aRuleFiresOnceAfterItsDurationAndResolvesWhenTrafficStops() async throws {
        let received = Bodies(), receivedByAlertmanager = Bodies()
        let hookPort = try FreePort.next()
        let router = Router()
        received.record(router, at: "hook")
        router.post("down/api/v2/alerts") { _, _ -> HTTPResponse.Status in .serviceUnavailable }
        receivedByAlertmanager.record(router, at: "am/api/v2/alerts")
        let hook = Task { try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: hookPort))).run() }
        defer { hook.cancel() }

        let alerts = """
            alerts:
              notifiers:
                - webhook: http://127.0.0.1:\(hookPort)/hook
                - alertmanager: http://127.0.0.1:\(hookPort)/am
                - alertmanager: http://127.0.0.1:\(hookPort)/down
              rules:
                - name: payin-busy
                  service: payin
                  target: dc1
                  expr: request_rate > 2
                  for: 10s
            """
        try await EngineHarness.run("alerts", waves: Self.waves, extraConfig: alerts) { harness in
            let engine = harness.engine, clock = harness.clock
            let traffic = PaymentTraffic(routers: [try await harness.trafficURL("dc1")])

            await engine.alerts.evaluate()                      // first reading: nothing to compare yet
            for _ in 0..<3 {                                    // 60 requests per 5 s = 12/s > 2/s
                await traffic.send(60)
                clock.advance(by: 5)
                await engine.alerts.evaluate()
            }
            #expect(await engine.alerts.state(of: "payin-busy") == .firing)
            await traffic.send(60)
            clock.advance(by: 5)
            await engine.alerts.evaluate()                      // still firing: not announced again
            #expect(received.all.count == 1 && receivedByAlertmanager.all.count == 1)
            await traffic.send(150)                             // 150 requests in 60 s = 2.5/s > 2/s
            clock.advance(by: 60)
            await engine.alerts.evaluate()                      // still firing, 65 s after it was sent: Alertmanager gets it again
            #expect(await engine.alerts.state(of: "payin-busy") == .firing)
            await traffic.send(150)
            clock.advance(by: 60)
            await engine.alerts.evaluate()                      // and again a minute later
            clock.advance(by: 5)
            await engine.alerts.evaluate()                      // no traffic for 5 s: resolved
            #expect(await engine.alerts.state(of: "payin-busy") == .inactive)

            let bodies = received.all
            #expect(bodies.count == 2, "the webhook hears each change once, firing then resolved: \(bodies)")
            #expect(bodies.first?.contains(#""status":"firing""#) == true && bodies.first?.contains("payin-busy") == true)
            #expect(bodies.last?.contains(#""status":"resolved""#) == true)
            let posted = try receivedByAlertmanager.all.map { try NotifierHTTP.decoder().decode([AlertmanagerAlert].self, from: Data($0.utf8)) }
            #expect(posted.count == 4, "Alertmanager: firing, firing again twice (so its resolve_timeout does not end it), resolved")
            #expect(posted.allSatisfy { $0.count == 1 && $0[0].labels["alertname"] == "payin-busy" })
            #expect(posted.count == 4 && Set(posted.prefix(3).map { $0[0].startsAt }).count == 1 && posted.prefix(3).allSatisfy { $0[0].endsAt == nil },
                    "the re-sends are the same alert, still open")
            #expect(posted.last?.first?.endsAt != nil, "resolved: sent with its end")
            // The Alertmanager that answers 503: its failure is logged at each change and once for its failed
            // re-sends, not at every one.
            let failures = try await engine.rollouts.history(subject: nil).filter { $0.kind == "alert.notify_failed" }.map(\.message)
            #expect(failures.filter { $0.hasPrefix("could not re-send") }.count == 1 && failures.count == 3, "\(failures)")
            let kinds = try await engine.rollouts.history(subject: "payin").map(\.kind)
            #expect(kinds.filter { $0 == "alert.firing" }.count == 1 && kinds.filter { $0 == "alert.resolved" }.count == 1)

        }
    }

    @Test func aNotifierThatHangsDoesNotHoldUpTheOthers() async throws {
        let (release, releaser) = AsyncStream<Void>.makeStream()
        let hookCalls = Mutex(0), alertmanagerCalls = Mutex(0)
        let port = try FreePort.next()
        let router = Router()
        router.post("hook") { _, _ -> HTTPResponse.Status in
            hookCalls.withLock { $0 += 1 }
            for await _ in release { break }                // hangs until the test lets it answer
            return .ok
        }
        router.post("am/api/v2/alerts") { _, _ -> HTTPResponse.Status in
            alertmanagerCalls.withLock { $0 += 1 }
            return .ok
        }
        let receiver = Task { try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port))).run() }
        defer { receiver.cancel() }
        let alerts = """
            alerts:
              notifiers:
                - webhook: http://127.0.0.1:\(port)/hook
                - alertmanager: http://127.0.0.1:\(port)/am
            """
        try await EngineHarness.run("alerts-slow", waves: Self.waves, extraConfig: alerts) { harness in
            let engine = harness.engine
            let raising = Task { await engine.alerts.raise(name: "RolloutRolledBack", summary: "payin v3 rolled back", reason: "analysis failed", labels: ["service": "payin"]) }
            // The webhook cannot answer before `release`, so an Alertmanager call now was not held up by it.
            for _ in 0..<500 where alertmanagerCalls.withLock({ $0 }) == 0 || hookCalls.withLock({ $0 }) == 0 {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(alertmanagerCalls.withLock { $0 } == 1, "Alertmanager heard of it while the webhook (listed first) still hangs")
            #expect(hookCalls.withLock { $0 } == 1)
            releaser.yield()
            releaser.finish()
            await raising.value
        }
    }

    @Test func aRolloutThatWaitsForAPersonIsAnnouncedOnceWithWhy() async throws {
        let (received, alerts, receiver) = try Self.webhookReceiver()
        defer { receiver.cancel() }
        let waves = Self.approvalWaves
        try await EngineHarness.run("alerts-person", waves: waves, extraConfig: alerts) { harness in
            let engine = harness.engine
            let rollout = try await engine.rollouts.deploy(service: "payin", version: "v2", actor: "alice")
            let waiting = try await engine.rollouts.settle(id: rollout.id)
            #expect(waiting.phase == .awaitingApproval)
            // Sent just after the wait is stored (and published): the webhook hears it over real HTTP.
            for _ in 0..<500 where received.all.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            let bodies = received.all
            #expect(bodies.count == 1, "told once, as the wait is stored: \(bodies)")
            let body = bodies.first ?? ""
            #expect(body.contains(#""status":"firing""#) && body.contains("RolloutWaitsForAPerson") && body.contains(#""severity":"warning""#), "\(body)")
            #expect(body.contains("payin v2 waits for a person at wave 'canary' (\(rollout.id)): railyard rollout approve|abort \(rollout.id)"), "\(body)")
            #expect(body.contains("waiting for approval at wave 'canary'"), "with why: \(body)")
            #expect(body.contains(#""wave":"canary""#) && body.contains(#""step":"2""#), "one wait, one alert: \(body)")
            _ = try await engine.rollouts.approve(id: rollout.id, actor: "bob")
            #expect(try await engine.rollouts.settle(id: rollout.id).phase == .promoted)
            // The answer ends it, with the same labels: resolved, once.
            for _ in 0..<500 where received.all.count < 2 { try await Task.sleep(for: .milliseconds(10)) }
            let after = received.all
            #expect(after.count == 2 && after.last?.contains(#""status":"resolved""#) == true && after.last?.contains("approved by bob") == true
                    && after.last?.contains(#""rollout":"\#(rollout.id)""#) == true && after.last?.contains(#""step":"2""#) == true, "\(after)")

            // Aborted instead: resolved too, with who and why.
            let second = try await engine.rollouts.deploy(service: "payin", version: "v3", actor: "alice")
            #expect(try await engine.rollouts.settle(id: second.id).phase == .awaitingApproval)
            for _ in 0..<500 where received.all.count < 3 { try await Task.sleep(for: .milliseconds(10)) }
            _ = try await engine.rollouts.abort(id: second.id, actor: "carol", reason: "not today")
            let waits = { received.all.filter { $0.contains("RolloutWaitsForAPerson") && $0.contains(second.id) } }
            for _ in 0..<500 where waits().count < 2 { try await Task.sleep(for: .milliseconds(10)) }
            let resolved = waits()
            #expect(resolved.count == 2 && resolved.last?.contains(#""status":"resolved""#) == true
                    && resolved.last?.contains("aborted by carol: not today") == true, "\(resolved)")
        }
    }

    @Test func aWaitIsAnnouncedAgainByTheServerThatRestartsIntoIt() async throws {
        let (received, alerts, receiver) = try Self.webhookReceiver()
        defer { receiver.cancel() }
        let waves = Self.approvalWaves
        let first = try await EngineHarness.make("alerts-restart", waves: waves, extraConfig: alerts)
        var harness = first
        do {
            let rollout = try await harness.engine.rollouts.deploy(service: "payin", version: "v2", actor: "alice")
            #expect(try await harness.engine.rollouts.settle(id: rollout.id).phase == .awaitingApproval)
            for _ in 0..<500 where received.all.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            #expect(received.all.count == 1)

            // A server that starts into the wait says it again (the one that stored it may have died before it could).
            harness = try await first.restarted()
            #expect(try await harness.engine.rollouts.rollout(id: rollout.id).phase == .awaitingApproval)
            for _ in 0..<500 where received.all.count < 2 { try await Task.sleep(for: .milliseconds(10)) }
            let bodies = received.all
            #expect(bodies.count == 2, "\(bodies)")
            #expect(bodies.last?.contains(#""status":"firing""#) == true && bodies.last?.contains(#""rollout":"\#(rollout.id)""#) == true
                    && bodies.last?.contains(#""step":"2""#) == true, "the same alert, by its labels: \(bodies)")
            _ = try await harness.engine.rollouts.approve(id: rollout.id, actor: "bob")
            #expect(try await harness.engine.rollouts.settle(id: rollout.id).phase == .promoted)
            for _ in 0..<500 where received.all.count < 3 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(received.all.count == 3 && received.all.last?.contains(#""status":"resolved""#) == true, "\(received.all)")
        } catch {
            try? await harness.finish()
            throw error
        }
        try await harness.finish()
    }
}
