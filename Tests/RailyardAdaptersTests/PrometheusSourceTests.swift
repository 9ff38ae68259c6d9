import AsyncHTTPClient
import Foundation
import PaymentsDemo
import RailyardAdapters
import RailyardPorts
import RailyardCore
import Testing

@Suite("PrometheusSource")
struct PrometheusSourceTests {
    // MARK: - PromQL (no server)

    @Test func queryEscapesInstancesAndRoutes() throws {
        let query = try PrometheusQuery(
            instances: ["127.0.0.1:4001", "[::1]:4002"],
            extractor: CountersExtractor(routes: ["/payins", "/wallets/{id}"])
        )
        let selector = #"{instance=~"127\\.0\\.0\\.1:4001|\\[::1\\]:4002",route=~"/payins|/wallets/\\{id\\}"}"#
        #expect(query.requests == "sum(http_requests_total\(selector))")
        #expect(query.errors == #"sum(http_requests_total{instance=~"127\\.0\\.0\\.1:4001|\\[::1\\]:4002",route=~"/payins|/wallets/\\{id\\}",status=~"5.*"})"#)
        #expect(query.latencyBuckets == "sum by (le) (http_request_duration_seconds_bucket\(selector))")
        #expect(query.latencyCount == "sum(http_request_duration_seconds_count\(selector))")
        #expect(query.up == #"up{instance=~"127\\.0\\.0\\.1:4001|\\[::1\\]:4002"}"#)

        let bare = try PrometheusQuery(
            instances: ["10.0.0.7:80"], extractor: CountersExtractor(requests: "payments_total", latency: nil),
            instanceLabel: "pod"
        )
        #expect(bare.requests == #"sum(payments_total{pod=~"10\\.0\\.0\\.7:80"})"#)
        #expect(bare.latencyBuckets == nil)

        // The service's own counters: every series of the name, the instances selected, no route.
        let business = try PrometheusQuery(instances: ["a:1"], extractor: CountersExtractor(routes: ["/payins"]).reading(counters: ["payins_failed_total", "payins_total"]))
        #expect(business.namedCountersByInstance == ["payins_failed_total": #"sum by (instance) (payins_failed_total{instance=~"a:1"})"#,
                                                     "payins_total": #"sum by (instance) (payins_total{instance=~"a:1"})"#])
        #expect(business.requestsByInstance == #"sum by (instance) (http_requests_total{instance=~"a:1",route=~"/payins"})"#)
        #expect(business.errorsByInstance == #"sum by (instance) (http_requests_total{instance=~"a:1",route=~"/payins",status=~"5.*"})"#)
        #expect(throws: PrometheusQueryError.self) { try PrometheusQuery(instances: ["a:1"], extractor: CountersExtractor().reading(counters: ["payins{x}"])) }

        let withoutScrapes = try PrometheusQuery(instances: ["a:1"], extractor: CountersExtractor(excludedRoutes: ["/metrics", "/health"]))
        #expect(withoutScrapes.requests == #"sum(http_requests_total{instance=~"a:1",route!~"/health|/metrics"})"#)

        #expect(PrometheusQuery.escapeRegex(#"a.b+c*d?e(f)g|h[i]j{k}l^m$n\o"#) == #"a\.b\+c\*d\?e\(f\)g\|h\[i\]j\{k\}l\^m\$n\\o"#)
        #expect(PrometheusQuery.literal(#"say "hi"\"#) == #""say \"hi\"\\""#)
        #expect(throws: PrometheusQueryError.noInstances) { try PrometheusQuery(instances: [], extractor: .default) }
        #expect(throws: PrometheusQueryError.invalidMetricName("http-requests")) {
            try PrometheusQuery(instances: ["a:1"], extractor: CountersExtractor(requests: "http-requests"))
        }
    }

    @Test func emptyGroupReadsZeroWithoutAsking() async throws {
        let port = try FreePort.next()  // nobody listens: asking would fail
        let source = PrometheusSource(url: "http://127.0.0.1:\(port)")
        let counters = try await source.read(instances: [], metricsPath: "/metrics", extractor: .default)
        #expect(counters == .zero)
    }

    @Test func unreachablePrometheusNamesItsURL() async throws {
        let port = try FreePort.next()
        let source = PrometheusSource(url: "http://127.0.0.1:\(port)/", timeout: .seconds(2))
        let error = try await #require(throws: PrometheusError.self) {
            _ = try await source.read(instances: ["127.0.0.1:4001"], metricsPath: "/metrics", extractor: .default)
        }
        guard case .unreachable(let url, _) = error else {
            Issue.record("expected unreachable, got \(error)")
            return
        }
        #expect(url.hasPrefix("http://127.0.0.1:\(port)/api/v1/query?query="))
        #expect(error.description.contains("http://127.0.0.1:\(port)/api/v1/query"))
    }

    // MARK: - Against a real Prometheus

    /// Three payin instances and a dead target, scraped every second by a real Prometheus the test starts.
    /// The group is A (healthy) + B (10% failures); C has traffic but is not in the group.
    @Test(.enabled(if: ExternalBinary.shouldRun(ExternalBinary.prometheusNames, package: "prometheus")))
    func readsTheSameCountersAsTheInstancesExpose() async throws {
        let demo = PaymentsDemoTests()
        try await demo.withDemoServer(.payin, "v1") { a in
            try await demo.withDemoServer(.payin, "v2", behaviour: VersionBehaviour(failureRate: 0.1)) { b in
                try await demo.withDemoServer(.payin, "v1") { c in
                    // Held bound, so no other test's process can take the dead target's port meanwhile.
                    let reservation = try FreePort.reserve()
                    defer { withExtendedLifetime(reservation) {} }
                    let dead = "127.0.0.1:\(reservation.port)"
                    let (instanceA, instanceB, instanceC) = (Self.instance(a), Self.instance(b), Self.instance(c))
                    let prometheus = try await Self.startPrometheus(targets: [instanceA, instanceB, instanceC, dead])
                    try await withExternalServer(prometheus) { prometheus in
                        try await checkSource(
                            demo: demo, prometheus: prometheus, a: a, b: b, c: c, dead: dead,
                            group: [instanceA, instanceB], other: instanceC
                        )
                    }
                }
            }
        }
    }

    func checkSource(
        demo: PaymentsDemoTests, prometheus: ExternalServer, a: String, b: String, c: String, dead: String,
        group: [String], other: String
    ) async throws {
        let source = PrometheusSource(url: prometheus.baseURL)
        let client = source.client
        let extractor = CountersExtractor(routes: ["/payins"])
        let payin = #"{"wallet":"w-1","amount":1000,"currency":"EUR"}"#

        // Every target scraped once (the dead one down) before any traffic.
        try await Self.poll("all targets scraped", prometheus) {
            let up = try await client.query(#"up{job="payments"}"#).vector()
            return up.count == 4
        }

        // Phase 1: A 10 requests, B 20 (2 fail), C 5; a GET on another route that the route filter leaves out.
        for _ in 0..<10 { try await PaymentsDemoTests.send(.POST, "\(a)/payins", json: payin) }
        for _ in 0..<20 { try await PaymentsDemoTests.send(.POST, "\(b)/payins", json: payin) }
        for _ in 0..<5 { try await PaymentsDemoTests.send(.POST, "\(c)/payins", json: payin) }
        try await PaymentsDemoTests.send(.GET, "\(a)/balances/w-1")
        try await Self.poll("phase 1 scraped", prometheus) {
            try await source.read(instances: group, metricsPath: "/metrics", extractor: extractor).requests == 30
        }
        let phase1 = try await Self.settledRead(source, group, extractor)
        #expect(phase1.errors == 2)
        let midway = Self.onMillisecond(Date())  // the group is at 30 requests here, in Prometheus too

        // Phase 2: A 30 more, B 20 more (2 more fail), C 15 more.
        for _ in 0..<30 { try await PaymentsDemoTests.send(.POST, "\(a)/payins", json: payin) }
        for _ in 0..<20 { try await PaymentsDemoTests.send(.POST, "\(b)/payins", json: payin) }
        for _ in 0..<15 { try await PaymentsDemoTests.send(.POST, "\(c)/payins", json: payin) }

        // What the instances really expose, read directly.
        let truth = try await ScrapeSource().read(instances: group, metricsPath: "/metrics", extractor: extractor)
        #expect(truth.requests == 80)
        #expect(truth.errors == 4)
        #expect(truth.latencyBuckets.last == LatencyBucket(le: .infinity, count: 80))

        try await Self.poll("phase 2 scraped", prometheus) {
            try await source.read(instances: group, metricsPath: "/metrics", extractor: extractor) == truth
        }
        let read = try await Self.settledRead(source, group, extractor)
        #expect(read == truth)
        #expect(read.latencyBuckets.count == 12)  // the demo's 11 bounds and +Inf
        // Each instance's histogram at the group's bounds, as the instances expose it (A 40 requests, B 40).
        #expect(read.instances[group[0]]?.latency.count == 12 && read.instances[group[0]]?.latency.last == 40, "\(read.instances)")
        #expect(read.instances[group[1]]?.latency.last == 40, "\(read.instances)")

        // The service's own histogram (pay-in settlement), each instance's and the group's, as the instances expose it.
        let settlement = extractor.reading(histograms: ["payin_settlement_seconds"])
        // 76 captured pay-ins (B's 4 failed ones never settle), each settled just after its answer.
        try await Self.poll("every captured pay-in settled", prometheus) {
            try await ScrapeSource().read(instances: group, metricsPath: "/metrics", extractor: settlement).histograms["payin_settlement_seconds"]?.last?.count == 76
        }
        let settlementTruth = try await ScrapeSource().read(instances: group, metricsPath: "/metrics", extractor: settlement)
        try await Self.poll("settlement scraped", prometheus) {
            try await source.read(instances: group, metricsPath: "/metrics", extractor: settlement).histograms == settlementTruth.histograms
        }
        let settlementRead = try await Self.settledRead(source, group, settlement)
        #expect(settlementRead.histograms == settlementTruth.histograms)
        #expect(settlementRead.instances.mapValues(\.histograms) == settlementTruth.instances.mapValues(\.histograms), "\(settlementRead.instances)")

        // Instance selection: C alone, and the group without latency.
        let otherTruth = try await ScrapeSource().read(instances: [other], metricsPath: "/metrics", extractor: extractor)
        #expect(otherTruth.requests == 20)
        try await Self.poll("phase 2 of the other instance scraped", prometheus) {
            try await source.read(instances: [other], metricsPath: "/metrics", extractor: extractor) == otherTruth
        }
        let noLatency = CountersExtractor(latency: nil, routes: ["/payins"])
        let countsOnly = try await Self.settledRead(source, group, noLatency)
        #expect(countsOnly == RailyardCore.GroupCounters(requests: 80, errors: 4, instances: truth.instances.mapValues { var own = $0; own.latency = []; return own }))
        // Each instance's own counts, as the scrape source keeps them: A 40 requests, B 40 with 4 failed.
        #expect(countsOnly.instances == [group[0]: InstanceCounters(requests: 40, errors: 0), group[1]: InstanceCounters(requests: 40, errors: 4)])

        // An instance Prometheus does not scrape, and one it fails to scrape, are errors naming them.
        await #expect(throws: PrometheusSourceError.notScraped(instance: "127.0.0.1:1", prometheus: prometheus.baseURL)) {
            _ = try await source.read(instances: group + ["127.0.0.1:1"], metricsPath: "/metrics", extractor: extractor)
        }
        await #expect(throws: PrometheusSourceError.down(instance: dead, prometheus: prometheus.baseURL)) {
            _ = try await source.read(instances: [dead], metricsPath: "/metrics", extractor: extractor)
        }

        // Range, from midway (30 requests) to a time after Prometheus was seen at 80, on a 0.5 s grid so the
        // last point falls on `end`: the group's counters rise from phase 1 to the total, never down.
        let settled = Date()
        let steps = Int((settled.timeIntervalSince(midway) / 0.5).rounded(.up))
        let end = midway.addingTimeInterval(Double(steps) * 0.5)
        // `end` is at most 0.5 s ahead: wait until it has passed, so Prometheus evaluates it as the past.
        while Date() <= end { try await Task.sleep(for: .milliseconds(20)) }
        let history = try await source.readRange(
            instances: group, extractor: extractor, start: midway, end: end, step: 0.5
        )
        let requests = history.map(\.counters.requests)
        #expect(history.count == steps + 1, "range read: \(requests)")
        #expect(requests.first == 30, "range read: \(requests)")
        #expect(requests.last == 80, "range read: \(requests)")
        #expect(zip(requests, requests.dropFirst()).allSatisfy { $0 <= $1 }, "range read: \(requests)")
        // Ranges are for plots: the group's sums, not each instance's.
        #expect(history.last?.counters == RailyardCore.GroupCounters(requests: truth.requests, errors: truth.errors, latencyBuckets: truth.latencyBuckets))
        #expect(history.first?.counters.errors == 2)
        let times = history.map { $0.time.timeIntervalSince1970 }
        #expect(zip(times, times.dropFirst()).allSatisfy { abs($1 - $0 - 0.5) < 0.001 })

        // The raw client: the range query is a matrix of one series, one point per step.
        let range = try await client.queryRange(
            try PrometheusQuery(instances: group, extractor: extractor).requests, start: midway, end: end, step: 0.5
        )
        let series = try range.matrix()
        #expect(series.count == 1)
        #expect(series.first?.labels == [:])
        #expect(series.first?.points.map(\.value) == requests)
        #expect(abs((series.first?.points.first?.time ?? 0) - midway.timeIntervalSince1970) < 0.001)
        #expect(abs((series.first?.points.last?.time ?? 0) - end.timeIntervalSince1970) < 0.001)

        let now = Self.onMillisecond(Date())
        let perInstance = try await client.query(
            #"sum by (instance) (http_requests_total{job="payments",route="/payins"})"#, at: now
        ).vector()
        #expect(Set(perInstance.map { $0.labels["instance"] ?? "" }) == Set(group + [other]))
        #expect(perInstance.first { $0.labels["instance"] == group[0] }?.point.value == 40)
        #expect(abs((perInstance.first?.point.time ?? 0) - now.timeIntervalSince1970) < 0.001)
    }

    @Test(.enabled(if: ExternalBinary.shouldRun(ExternalBinary.prometheusNames, package: "prometheus")))
    func clientDecodesEveryResultTypeAndErrors() async throws {
        let prometheus = try await Self.startPrometheus(targets: [])
        try await withExternalServer(prometheus) { prometheus in
            let client = PrometheusClient(baseURL: prometheus.baseURL, httpClient: .shared)
            let at = Date(timeIntervalSince1970: 1_795_000_000.5)

            guard case .scalar(let nan) = try await client.query("NaN", at: at) else {
                Issue.record("NaN is not a scalar")
                return
            }
            #expect(nan.value.isNaN)
            #expect(nan.time == 1_795_000_000.5)
            #expect(try await client.query("+Inf", at: at) == .scalar(PrometheusPoint(time: 1_795_000_000.5, value: .infinity)))
            #expect(try await client.query("-Inf", at: at) == .scalar(PrometheusPoint(time: 1_795_000_000.5, value: -.infinity)))
            #expect(try await client.query("time()", at: at) == .scalar(PrometheusPoint(time: 1_795_000_000.5, value: 1_795_000_000.5)))
            #expect(try await client.query(#""a & b = c+d""#, at: at) == .string(time: 1_795_000_000.5, value: "a & b = c+d"))
            #expect(try await client.query(#"label_replace(vector(2.5), "route", "/a+b", "", "")"#, at: at)
                == .vector([PrometheusSample(labels: ["route": "/a+b"], point: PrometheusPoint(time: 1_795_000_000.5, value: 2.5))]))
            #expect(try await client.query("vector(1) / 0", at: at).vector().first?.point.value == .infinity)

            let range = try await client.queryRange(
                "vector(time())", start: at, end: at.addingTimeInterval(2), step: 1
            )
            #expect(range == .matrix([PrometheusSeries(labels: [:], points: [
                PrometheusPoint(time: 1_795_000_000.5, value: 1_795_000_000.5),
                PrometheusPoint(time: 1_795_000_001.5, value: 1_795_000_001.5),
                PrometheusPoint(time: 1_795_000_002.5, value: 1_795_000_002.5),
            ])]))
            #expect(throws: PrometheusResultMismatch(expected: "vector", got: "matrix")) { try range.vector() }

            let error = try await #require(throws: PrometheusError.self) { try await client.query("sum(") }
            guard case .api(let url, let status, let errorType, let message) = error else {
                Issue.record("expected an API error, got \(error)")
                return
            }
            #expect(url == prometheus.baseURL + "/api/v1/query?query=sum%28")
            #expect(status == 400)
            #expect(errorType == "bad_data")
            #expect(message.contains("parse error"))
            #expect(error.description.contains("400 bad_data"))

            let badRange = try await #require(throws: PrometheusError.self) {
                try await client.queryRange("up", start: at, end: at.addingTimeInterval(-10), step: 1)
            }
            #expect(badRange.description.contains("bad_data"))
        }
    }

    // MARK: - Helpers

    /// Prometheus reads times to the millisecond: tests compare times on that grid.
    static func onMillisecond(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
    }

    static func instance(_ baseURL: String) -> String {
        String(baseURL.dropFirst("http://".count))
    }

    /// A real Prometheus on a free loopback port, temp config and storage, scraping `targets` every second
    /// as job "payments".
    static func startPrometheus(targets: [String]) async throws -> ExternalServer {
        let binary = try ExternalBinary.require(ExternalBinary.prometheusNames, package: "prometheus")
        let list = targets.map { "'\($0)'" }.joined(separator: ", ")
        let config = """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: payments
                static_configs:
                  - targets: [\(list)]
            """
        return try await ExternalServer.start(binary, name: "prometheus", configName: "prometheus.yml", config: config) { path, directory, port in
            ["--config.file=\(path)", "--storage.tsdb.path=\(directory.appendingPathComponent("data").path)",
             "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"]
        }
    }

    /// Polls `condition` every 200 ms for at most `timeout` (Prometheus scrapes every second); a failed condition
    /// or an error at the deadline fails with what it was waiting for.
    /// A read that waits out a scrape which timed out on a loaded machine (Prometheus marks the instance
    /// down until its next scrape a second later), as the analysis step skips such a look.
    static func settledRead(_ source: PrometheusSource, _ instances: [String], _ extractor: CountersExtractor) async throws -> RailyardCore.GroupCounters {
        for _ in 0..<25 {
            do {
                return try await source.read(instances: instances, metricsPath: "/metrics", extractor: extractor)
            } catch PrometheusSourceError.down(_, _) {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        return try await source.read(instances: instances, metricsPath: "/metrics", extractor: extractor)
    }

    static func poll(
        _ what: String, _ server: ExternalServer, timeout: Duration = .seconds(30),
        _ condition: () async throws -> Bool
    ) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var lastError: (any Error)?
        while clock.now < deadline {
            do {
                if try await condition() { return }
                lastError = nil
            } catch {
                lastError = error
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw ExternalServerError(
            message: "timed out after \(timeout) waiting for \(what)"
                + (lastError.map { "; last error: \($0)" } ?? "") + "; Prometheus log:\n\(server.log)"
        )
    }
}
