import Foundation
import RailyardCore
import Testing

/// `CountersExtractor`: from parsed expositions to the counters a judge compares.
@Suite("PrometheusText counters")
struct PrometheusTextCountersTests {
    /// One instance of the payment fleet, as `MetricsRegistry.render()` writes it.
    static func demoExposition(payinsOK: Int, payinsFailed: Int, notFound: Int, fast: Int, slow: Int) -> String {
        let payins = payinsOK + payinsFailed
        return """
            # HELP http_requests_total HTTP requests answered, by route, method and status.
            # TYPE http_requests_total counter
            http_requests_total{route="/health",method="GET",status="200"} 3
            http_requests_total{route="/payins",method="POST",status="201"} \(payinsOK)
            http_requests_total{route="/payins",method="POST",status="500"} \(payinsFailed)
            http_requests_total{route="/payins/{id}",method="GET",status="404"} \(notFound)
            # HELP http_request_duration_seconds Time to answer an HTTP request, by route.
            # TYPE http_request_duration_seconds histogram
            http_request_duration_seconds_bucket{route="/health",le="0.001"} 3
            http_request_duration_seconds_bucket{route="/health",le="0.01"} 3
            http_request_duration_seconds_bucket{route="/health",le="+Inf"} 3
            http_request_duration_seconds_sum{route="/health"} 0.0003
            http_request_duration_seconds_count{route="/health"} 3
            http_request_duration_seconds_bucket{route="/payins",le="0.001"} \(fast)
            http_request_duration_seconds_bucket{route="/payins",le="0.01"} \(payins - slow)
            http_request_duration_seconds_bucket{route="/payins",le="+Inf"} \(payins)
            http_request_duration_seconds_sum{route="/payins"} 1.5
            http_request_duration_seconds_count{route="/payins"} \(payins)
            # HELP demo_build_info Service and version this process runs; always 1.
            # TYPE demo_build_info gauge
            demo_build_info{service="payin",version="v2"} 1

            """
    }

    @Test func namedCountersAreSummedOverSeriesAndInstancesAndAbsentOnesReadZero() throws {
        let business = """
            # TYPE payins_total counter
            payins_total{method="card"} 70
            payins_total{method="sepa"} 30
            # TYPE payins_failed_total counter
            payins_failed_total{method="card"} 6

            """
        let one = try PrometheusText.parse(Self.demoExposition(payinsOK: 96, payinsFailed: 4, notFound: 2, fast: 80, slow: 5) + business)
        let two = try PrometheusText.parse(Self.demoExposition(payinsOK: 10, payinsFailed: 0, notFound: 0, fast: 10, slow: 0))
        let extractor = CountersExtractor().reading(counters: ["payins_failed_total", "payins_total", "refunds_total"])
        let counters = try extractor.counters(instances: [one, two])
        #expect(counters.counters == ["payins_failed_total": 6, "payins_total": 100, "refunds_total": 0], "\(counters.counters)")
        #expect(counters.requests == 105 + 13 && counters.errors == 4, "the HTTP counts unchanged")
        #expect(try CountersExtractor().counters(from: one).counters.isEmpty, "none read unless asked for")
        // Stored before `counters` existed: read with none, written without the key when there are none.
        let old = try JSONDecoder().decode(GroupCounters.self, from: Data(#"{"requests":5,"errors":1,"latencyBuckets":[]}"#.utf8))
        #expect(old == GroupCounters(requests: 5, errors: 1))
        #expect(!String(decoding: try JSONEncoder().encode(old), as: UTF8.self).contains("counters"))
        #expect(try JSONDecoder().decode(GroupCounters.self, from: try JSONEncoder().encode(counters)) == counters)
        #expect(counters.since(GroupCounters(counters: ["payins_total": 40, "payins_failed_total": 1])).counters
                == ["payins_failed_total": 5, "payins_total": 60, "refunds_total": 0])
    }

    @Test func oneInstanceDefaults() throws {
        let families = try PrometheusText.parse(Self.demoExposition(payinsOK: 96, payinsFailed: 4, notFound: 2, fast: 80, slow: 5))
        let counters = try CountersExtractor().counters(from: families)
        #expect(counters == GroupCounters(requests: 3 + 96 + 4 + 2, errors: 4, latencyBuckets: [
            LatencyBucket(le: 0.001, count: 83), LatencyBucket(le: 0.01, count: 98), LatencyBucket(le: .infinity, count: 103),
        ]))
    }

    @Test func routeFilterAndSumOverInstances() throws {
        let a = try PrometheusText.parse(Self.demoExposition(payinsOK: 96, payinsFailed: 4, notFound: 2, fast: 80, slow: 5))
        let b = try PrometheusText.parse(Self.demoExposition(payinsOK: 40, payinsFailed: 10, notFound: 0, fast: 10, slow: 20))
        let extractor = CountersExtractor(routes: ["/payins"])
        #expect(try extractor.counters(instances: [a, b]) == GroupCounters(requests: 150, errors: 14, latencyBuckets: [
            LatencyBucket(le: 0.001, count: 90), LatencyBucket(le: 0.01, count: 125), LatencyBucket(le: .infinity, count: 150),
        ]))
        #expect(try CountersExtractor(routes: ["/nowhere"]).counters(instances: [a, b]) == GroupCounters(requests: 0, errors: 0, latencyBuckets: []))
        #expect(try extractor.counters(instances: []) == .zero)
    }

    @Test func excludedRoutesNeverCountSoProbesAreNotTraffic() throws {
        let families = try PrometheusText.parse(Self.demoExposition(payinsOK: 96, payinsFailed: 4, notFound: 2, fast: 80, slow: 5))
        let service = ServiceSpec(name: "payin", kind: .microservice, command: try CommandTemplate(arguments: ["payin"]), initialVersion: "v1", instances: [:])
        let counters = try CountersExtractor().ignoringProbes(of: service).counters(from: families)
        #expect(counters == GroupCounters(requests: 96 + 4 + 2, errors: 4, latencyBuckets: [
            LatencyBucket(le: 0.001, count: 80), LatencyBucket(le: 0.01, count: 95), LatencyBucket(le: .infinity, count: 100),
        ]), "the 3 requests to /health are left out of both metrics")
        // Exclusion wins over inclusion.
        #expect(try CountersExtractor(routes: ["/payins", "/health"], excludedRoutes: ["/health"]).counters(from: families).requests == 100)
    }

    @Test func configurableNamesAndNoLatency() throws {
        let text = """
            # TYPE api_calls counter
            api_calls{status="503"} 2
            api_calls{status="200"} 8
            api_calls{status="50"} 1
            api_calls 4
            # TYPE api_latency histogram
            api_latency_bucket{le="0.5"} 9
            api_latency_bucket{le="+Inf"} 15
            """
        let families = try PrometheusText.parse(text)
        #expect(try CountersExtractor(requests: "api_calls", latency: "api_latency").counters(from: families)
            == GroupCounters(requests: 15, errors: 3, latencyBuckets: [LatencyBucket(le: 0.5, count: 9), LatencyBucket(le: .infinity, count: 15)]))
        #expect(try CountersExtractor(requests: "api_calls", latency: nil).counters(from: families) == GroupCounters(requests: 15, errors: 3))
    }

    @Test func differentBucketLayoutsMergeOnTheUnionOfBounds() throws {
        let a = try PrometheusText.parse("""
            # TYPE http_requests_total counter
            # TYPE http_request_duration_seconds histogram
            http_request_duration_seconds_bucket{le="0.1"} 5
            http_request_duration_seconds_bucket{le="1"} 8
            http_request_duration_seconds_bucket{le="+Inf"} 10
            """)
        let b = try PrometheusText.parse("""
            # TYPE http_requests_total counter
            # TYPE http_request_duration_seconds histogram
            http_request_duration_seconds_bucket{le="1"} 3
            http_request_duration_seconds_bucket{le="0.5"} 2
            http_request_duration_seconds_bucket{le="Inf"} 4
            """)
        let counters = try CountersExtractor().counters(instances: [a, b])
        // b counts nothing at 0.1 (its first bound is 0.5); a counts at 0.5 what it counted at 0.1.
        #expect(counters.latencyBuckets == [
            LatencyBucket(le: 0.1, count: 5), LatencyBucket(le: 0.5, count: 7), LatencyBucket(le: 1, count: 11), LatencyBucket(le: .infinity, count: 14),
        ])
    }

    @Test func eachInstanceKeepsItsLatencyAtTheGroupsBounds() throws {
        let fast = try PrometheusText.parse(Self.demoExposition(payinsOK: 40, payinsFailed: 0, notFound: 0, fast: 38, slow: 0))
        let slow = try PrometheusText.parse(Self.demoExposition(payinsOK: 40, payinsFailed: 0, notFound: 0, fast: 10, slow: 12))
        let counters = try CountersExtractor(routes: ["/payins"]).counters(instances: [fast, slow], addresses: ["a:1", "b:2"])
        #expect(counters.latencyBuckets.map(\.le) == [0.001, 0.01, .infinity])
        #expect(counters.instances["a:1"]?.latency == [38, 40, 40])
        #expect(counters.instances["b:2"]?.latency == [10, 28, 40])
        // Summed instance by instance, they are the group's.
        #expect(zip(counters.instances["a:1"]!.latency, counters.instances["b:2"]!.latency).map(+) == counters.latencyBuckets.map(\.count))
        // Different layouts: each instance read at the union of bounds, +Inf from `_count` where none is written.
        let a = try PrometheusText.parse("""
            # TYPE http_requests_total counter
            http_requests_total 10
            # TYPE http_request_duration_seconds histogram
            http_request_duration_seconds_bucket{le="0.1"} 5
            http_request_duration_seconds_bucket{le="1"} 8
            http_request_duration_seconds_count 10
            """)
        let b = try PrometheusText.parse("""
            # TYPE http_requests_total counter
            http_requests_total 4
            # TYPE http_request_duration_seconds histogram
            http_request_duration_seconds_bucket{le="0.5"} 2
            http_request_duration_seconds_bucket{le="1"} 3
            http_request_duration_seconds_count 4
            """)
        let merged = try CountersExtractor().counters(instances: [a, b], addresses: ["a:1", "b:2"])
        #expect(merged.latencyBuckets.map(\.count) == [5, 7, 11, 14])
        #expect(merged.instances["a:1"]?.latency == [5, 5, 8, 10] && merged.instances["b:2"]?.latency == [0, 2, 3, 4])
    }

    @Test func theServicesOwnHistogramIsSummedOverLabelsAndInstances() throws {
        let a = try PrometheusText.parse("""
            http_requests_total 3
            # TYPE payin_settlement_seconds histogram
            payin_settlement_seconds_bucket{acquirer="x",le="0.025"} 2
            payin_settlement_seconds_bucket{acquirer="x",le="+Inf"} 2
            payin_settlement_seconds_bucket{acquirer="y",le="0.025"} 0
            payin_settlement_seconds_bucket{acquirer="y",le="+Inf"} 1
            """)
        let b = try PrometheusText.parse("""
            http_requests_total 1
            # TYPE payin_settlement_seconds histogram
            payin_settlement_seconds_bucket{le="0.025"} 1
            payin_settlement_seconds_bucket{le="+Inf"} 4
            """)
        let counters = try CountersExtractor().reading(histograms: ["payin_settlement_seconds", "absent_seconds"]).counters(instances: [a, b], addresses: ["a:1", "b:2"])
        #expect(counters.histograms["payin_settlement_seconds"] == [LatencyBucket(le: 0.025, count: 3), LatencyBucket(le: .infinity, count: 7)])
        #expect(counters.histograms["absent_seconds"] == nil, "a histogram no instance exposes is absent, never zero")
        #expect(counters.instances["a:1"]?.histograms["payin_settlement_seconds"] == [2, 3] && counters.instances["b:2"]?.histograms["payin_settlement_seconds"] == [1, 4])
        // What a latency metric on it reads: the histogram in place of the HTTP latency, for each instance too.
        let reading = counters.readingLatency(from: "payin_settlement_seconds")
        #expect(reading.latencyBuckets == counters.histograms["payin_settlement_seconds"] && reading.instances["a:1"]?.latency == [2, 3])
        #expect(counters.readingLatency(from: "absent_seconds").latencyBuckets.isEmpty)
    }

    @Test func countStandsInForAMissingInfBucket() throws {
        let families = try PrometheusText.parse("""
            http_requests_total 6
            # TYPE http_request_duration_seconds histogram
            http_request_duration_seconds_bucket{le="0.25"} 4
            http_request_duration_seconds_count 6
            """)
        #expect(try CountersExtractor().counters(from: families).latencyBuckets == [LatencyBucket(le: 0.25, count: 4), LatencyBucket(le: .infinity, count: 6)])
    }

    @Test func missingRequestCounterIsAnErrorNamingWhatIsThere() throws {
        let good = try PrometheusText.parse("# TYPE http_requests_total counter\n")
        let other = try PrometheusText.parse("process_cpu_seconds_total 1\ngo_goroutines 7\n")
        #expect(try CountersExtractor().counters(from: good) == .zero)
        let error = try #require(throws: CountersExtractionError.self) { try CountersExtractor().counters(instances: [good, other]) }
        #expect(error.instance == 1)
        #expect(error.description == #"no metric named "http_requests_total" (it exposes process_cpu_seconds_total, go_goroutines)"#)
    }
}
