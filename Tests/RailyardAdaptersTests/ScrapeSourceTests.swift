import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import PaymentsDemo
import RailyardAdapters
import RailyardPorts
import RailyardCore
import ServiceLifecycle
import Testing

/// `ScrapeSource` against real servers on loopback: the bundled payment fleet, and endpoints that misbehave.
@Suite("ScrapeSource")
struct ScrapeSourceTests {
    static let demoBounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, .infinity]

    @Test func readsExactSumsFromTwoPaymentFleetInstances() async throws {
        try await withServers([Self.demo(failureRate: 0.04), Self.demo(failureRate: 0.2)]) { ports in
            let a = "127.0.0.1:\(ports[0])"
            let b = "127.0.0.1:\(ports[1])"
            for _ in 0..<100 { try await PaymentsDemoTests.send(.POST, "http://\(a)/payins", json: #"{"wallet":"w-1","amount":1000,"currency":"EUR"}"#) }
            for _ in 0..<10 { try await PaymentsDemoTests.send(.GET, "http://\(a)/payins/pi-999") }
            try await PaymentsDemoTests.send(.GET, "http://\(a)/health")
            for _ in 0..<50 { try await PaymentsDemoTests.send(.POST, "http://\(b)/payins", json: #"{"wallet":"w-2","amount":5,"currency":"GBP"}"#) }
            try await PaymentsDemoTests.send(.GET, "http://\(b)/health")

            let source = ScrapeSource()
            // a: 96 × 201 + 4 × 500 on /payins, 10 × 404, 1 health; b: 40 × 201 + 10 × 500, 1 health.
            let all = try await source.read(instances: [a, b], metricsPath: "/metrics", extractor: CountersExtractor())
            #expect(all.requests == 162)
            #expect(all.errors == 14)
            #expect(all.latencyBuckets.map(\.le) == Self.demoBounds)
            #expect(all.latencyBuckets.last?.count == 162)
            #expect(zip(all.latencyBuckets, all.latencyBuckets.dropFirst()).allSatisfy { $0.count <= $1.count })

            // That read is itself counted now: one GET /metrics per instance, no error.
            let again = try await source.read(instances: [a, b], metricsPath: "metrics", extractor: .default)
            #expect(again.requests == 164)
            #expect(again.errors == 14)

            // Only the payment route: stable across reads, so the sum can be checked bucket by bucket.
            let payins = CountersExtractor(routes: ["/payins"])
            let group = try await source.read(instances: [a, b], metricsPath: "/metrics", extractor: payins)
            #expect(group.requests == 150)
            #expect(group.errors == 14)
            #expect(group.latencyBuckets.last == LatencyBucket(le: .infinity, count: 150))
            let onA = try await source.read(instances: [a], metricsPath: "/metrics", extractor: payins)
            let onB = try await source.read(instances: [b], metricsPath: "/metrics", extractor: payins)
            #expect(onA == GroupCounters(requests: 100, errors: 4, latencyBuckets: onA.latencyBuckets, instances: [a: InstanceCounters(requests: 100, errors: 4, latency: onA.latencyBuckets.map(\.count))]))
            #expect(onB == GroupCounters(requests: 50, errors: 10, latencyBuckets: onB.latencyBuckets, instances: [b: InstanceCounters(requests: 50, errors: 10, latency: onB.latencyBuckets.map(\.count))]))
            // Each instance's own counts are kept beside the sum: a restart of one shows as that one going back.
            // Their histograms too, at the group's bounds: one slow instance is told apart from a slow version.
            #expect(group.instances == [a: onA.instances[a]!, b: onB.instances[b]!])
            #expect(group.latencyBuckets == zip(onA.latencyBuckets, onB.latencyBuckets).map { LatencyBucket(le: $0.le, count: $0.count + $1.count) })

            // And against the raw exposition of a.
            let families = try await source.scrape(url: "http://\(a)/metrics")
            let buckets = try #require(families.first { $0.name == "http_request_duration_seconds" })
                .samples.filter { $0.name.hasSuffix("_bucket") && $0.labels["route"] == "/payins" }
            #expect(buckets.map(\.value) == onA.latencyBuckets.map(\.count))
        }
    }

    @Test func errorsNameTheInstanceAndTheLine() async throws {
        let malformed = """
            # TYPE http_requests_total counter
            http_requests_total{status="200"} 3
            http_requests_total{status="500" 1
            """
        try await withServers([Self.demo(failureRate: 0), Self.endpoint(malformed), Self.endpoint("x 1\n", delay: .seconds(6))]) { ports in
            let demo = "127.0.0.1:\(ports[0])"
            let bad = "127.0.0.1:\(ports[1])"
            let slow = "127.0.0.1:\(ports[2])"
            let closed = "127.0.0.1:\(try FreePort.next())"
            // The slow endpoint (it answers 4 s after the timeout) is read with a short timeout; the others
            // with a long one, so a loaded machine (CI building beside the tests) never turns an answer into a
            // timeout. A closed port fails at once whatever the timeout: no retry of a refused connection.
            let timeout = Duration.seconds(2)
            let source = ScrapeSource(timeout: .seconds(60))
            let quick = ScrapeSource(timeout: timeout)

            let parse = try await #require(throws: ScrapeError.self) {
                try await source.read(instances: [demo, bad], metricsPath: "/metrics", extractor: .default)
            }
            #expect(parse.url == "http://\(bad)/metrics")
            #expect(parse.reason == .malformed(PrometheusParseError(
                line: 3, message: #"expected ',' or '}' after the value of label "status" of "http_requests_total", found '1'"#)))
            #expect(parse.description.hasPrefix("http://\(bad)/metrics: line 3: expected ',' or '}'"))
            #expect(!parse.isUnreachable)

            let askedAt = ContinuousClock.now
            let refused = try await #require(throws: ScrapeError.self) {
                try await source.read(instances: [demo, closed], metricsPath: "/metrics", extractor: .default)
            }
            #expect(refused.url == "http://\(closed)/metrics")
            #expect(refused.isUnreachable)
            #expect(refused.description.hasPrefix("http://\(closed)/metrics: cannot be reached"))
            #expect(ContinuousClock.now - askedAt < .seconds(30), "a refused connection is not retried until the 60 s deadline")

            let timedOut = try await #require(throws: ScrapeError.self) {
                try await quick.read(instances: [slow], metricsPath: "/metrics", extractor: .default)
            }
            #expect(timedOut == ScrapeError(url: "http://\(slow)/metrics", reason: .timedOut(timeout)))
            #expect(timedOut.isUnreachable)

            let notFound = try await #require(throws: ScrapeError.self) {
                try await source.read(instances: [demo], metricsPath: "/nope", extractor: .default)
            }
            #expect(notFound == ScrapeError(url: "http://\(demo)/nope", reason: .httpStatus(404)))

            let tooLarge = try await #require(throws: ScrapeError.self) {
                try await ScrapeSource(timeout: .seconds(60), maxBodyBytes: 64).read(instances: [demo], metricsPath: "/metrics", extractor: .default)
            }
            #expect(tooLarge.reason == .tooLarge(limit: 64))

            let missing = try await #require(throws: ScrapeError.self) {
                try await source.read(instances: [demo], metricsPath: "/metrics", extractor: CountersExtractor(requests: "payments_total"))
            }
            #expect(missing.url == "http://\(demo)/metrics")
            // The families in the order the exposition has them (swift-prometheus does not promise one).
            #expect(missing.description.contains(#"no metric named "payments_total" (it exposes "#))
            for family in ["http_requests_total", "http_request_duration_seconds", "demo_build_info"] {
                #expect(missing.description.contains(family), "\(missing.description)")
            }
        }
    }

    @Test func emptyGroupReadsZero() async throws {
        #expect(try await ScrapeSource().read(instances: [], metricsPath: "/metrics", extractor: .default) == .zero)
    }

    @Test func instanceURLs() {
        #expect(ScrapeSource.url(instance: "127.0.0.1:8081", metricsPath: "/metrics") == "http://127.0.0.1:8081/metrics")
        #expect(ScrapeSource.url(instance: "127.0.0.1:8081", metricsPath: "metrics") == "http://127.0.0.1:8081/metrics")
        #expect(ScrapeSource.url(instance: "https://svc:9/", metricsPath: "/m/x") == "https://svc:9/m/x")
    }

    @Test func factoryBuildsEachBackend() throws {
        #expect((try MetricSourceFactory.make(.scrape, timeout: .seconds(2)) as? ScrapeSource)?.timeout == .seconds(2))
        #expect((try MetricSourceFactory.make(.scrape) as? ScrapeSource)?.timeout == ScrapeSource.defaultTimeout)
        #expect(try MetricSourceFactory.make(.prometheus(url: "http://127.0.0.1:9090")) is PrometheusSource)
        let error = try #require(throws: MetricSourceConfigError.self) { try MetricSourceFactory.make(.prometheus(url: "127.0.0.1:9090")) }
        #expect(error.description.hasPrefix("prometheus metric source: '127.0.0.1:9090' is not an http(s) URL"))
    }

    // MARK: - Servers

    typealias Announce = @Sendable (_ port: Int) async -> Void

    static func demo(failureRate: Double) -> (@escaping Announce) -> any Service {
        { announce in
            PaymentsDemoServer.makeApplication(
                PaymentsDemoOptions(service: .payin, version: "v2", port: 0, behaviour: VersionBehaviour(failureRate: failureRate)),
                onServerRunning: announce
            )
        }
    }

    /// Serves `text` at `/metrics`, after `delay`.
    static func endpoint(_ text: String, delay: Duration = .zero) -> (@escaping Announce) -> any Service {
        { announce in
            let router = Router()
            router.get("metrics") { _, _ -> String in
                if delay > .zero { try await Task.sleep(for: delay) }
                return text
            }
            return Application(
                router: router,
                configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { await announce($0.localAddress?.port ?? 0) },
                logger: quietLogger
            )
        }
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "scrape-source-tests")
        logger.logLevel = .critical
        return logger
    }

    /// Starts every server on an OS-chosen loopback port, runs `body` with their ports (in order), then shuts
    /// them down gracefully.
    func withServers(_ makers: [(@escaping Announce) -> any Service], _ body: ([Int]) async throws -> Void) async throws {
        let (announced, continuation) = AsyncStream.makeStream(of: (index: Int, port: Int).self)
        let services = makers.enumerated().map { index, make in
            make { port in continuation.yield((index, port)) }
        }
        let serviceGroup = ServiceGroup(configuration: .init(services: services, logger: Self.quietLogger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { continuation.finish() }
                try await serviceGroup.run()
            }
            var ports = [Int](repeating: 0, count: makers.count)
            var started = 0
            for await server in announced {
                ports[server.index] = server.port
                started += 1
                if started == makers.count { break }
            }
            try #require(started == makers.count, "servers did not start")
            try await body(ports)
            await serviceGroup.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }
}
