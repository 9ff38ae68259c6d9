import Foundation
import RailyardCore
import Testing

/// Known answers for the Prometheus text exposition format 0.0.4, and every malformed line with its number.
@Suite("PrometheusText parser")
struct PrometheusTextParserTests {
    /// The format's reference example (prometheus.io, "Exposition formats"), plus what it leaves out:
    /// NaN, -Inf, a trailing comma, an empty label set, tabs, a colon in a name, escapes in HELP, other comments.
    static let exposition = #"""
        # HELP http_requests_total The total number of HTTP requests.
        # TYPE http_requests_total counter
        http_requests_total{method="post",code="200"} 1027 1395066363000
        http_requests_total{method="post",code="400"}    3 1395066363000

        # Escaping in label values:
        msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9

        # Minimalistic line:
        metric_without_timestamp_and_labels 12.47

        # A weird metric from before the epoch:
        something_weird{problem="division by zero"} +Inf -3982045

        # A histogram, which has a pretty complex representation in the text format:
        # HELP http_request_duration_seconds A histogram of the request duration.
        # TYPE http_request_duration_seconds histogram
        http_request_duration_seconds_bucket{le="0.05"} 24054
        http_request_duration_seconds_bucket{le="0.1"} 33444
        http_request_duration_seconds_bucket{le="0.2"} 100392
        http_request_duration_seconds_bucket{le="0.5"} 129389
        http_request_duration_seconds_bucket{le="1"} 133988
        http_request_duration_seconds_bucket{le="+Inf"} 144320
        http_request_duration_seconds_sum 53423
        http_request_duration_seconds_count 144320

        # Finally a summary, which has a complex representation, too:
        # HELP rpc_duration_seconds A summary of the RPC duration in seconds.
        # TYPE rpc_duration_seconds summary
        rpc_duration_seconds{quantile="0.01"} 3102
        rpc_duration_seconds{quantile="0.05"} 3272
        rpc_duration_seconds{quantile="0.5"} 4773
        rpc_duration_seconds{quantile="0.9"} 9001
        rpc_duration_seconds{quantile="0.99"} 76656
        rpc_duration_seconds_sum 1.7560473e+07
        rpc_duration_seconds_count 2693
        # HELP node:temperature_celsius Path C:\\temp, two\nlines, \x kept.
        # TYPE node:temperature_celsius GAUGE
        node:temperature_celsius{sensor="a",} NaN
        node:temperature_celsius{ sensor = "b" , zone="ü \"quoted\" \\n" , } -Inf
        node:temperature_celsius{}	-2.5E-3	-1
        #TYPE untyped_thing untyped
        untyped_thing .5
        """#

    @Test func referenceExpositionParsesToKnownFamilies() throws {
        let families = try PrometheusText.parse(Self.exposition)
        #expect(families.map(\.name) == [
            "http_requests_total", "msdos_file_access_time_seconds", "metric_without_timestamp_and_labels", "something_weird",
            "http_request_duration_seconds", "rpc_duration_seconds", "node:temperature_celsius", "untyped_thing",
        ])
        #expect(families.map(\.type) == [.counter, .untyped, .untyped, .untyped, .histogram, .summary, .gauge, .untyped])

        #expect(families[0] == MetricFamily(name: "http_requests_total", type: .counter, help: "The total number of HTTP requests.", samples: [
            MetricSample(name: "http_requests_total", labels: ["method": "post", "code": "200"], value: 1027, timestamp: 1_395_066_363_000),
            MetricSample(name: "http_requests_total", labels: ["method": "post", "code": "400"], value: 3, timestamp: 1_395_066_363_000),
        ]))
        #expect(families[1].samples == [MetricSample(
            name: "msdos_file_access_time_seconds",
            labels: ["path": #"C:\DIR\FILE.TXT"#, "error": "Cannot find file:\n\"FILE.TXT\""],
            value: 1_458_255_915
        )])
        #expect(families[1].help == nil)
        #expect(families[2].samples == [MetricSample(name: "metric_without_timestamp_and_labels", value: 12.47)])
        #expect(families[3].samples == [MetricSample(name: "something_weird", labels: ["problem": "division by zero"], value: .infinity, timestamp: -3_982_045)])

        let histogram = families[4]
        #expect(histogram.help == "A histogram of the request duration.")
        #expect(histogram.samples.count == 8)
        #expect(histogram.samples.prefix(6).map { $0.labels["le"] } == ["0.05", "0.1", "0.2", "0.5", "1", "+Inf"])
        #expect(histogram.samples.prefix(6).map(\.value) == [24054, 33444, 100392, 129389, 133988, 144320])
        #expect(histogram.samples[6] == MetricSample(name: "http_request_duration_seconds_sum", value: 53423))
        #expect(histogram.samples[7] == MetricSample(name: "http_request_duration_seconds_count", value: 144320))

        let summary = families[5]
        #expect(summary.samples.count == 7)
        #expect(summary.samples.prefix(5).map { $0.labels["quantile"] } == ["0.01", "0.05", "0.5", "0.9", "0.99"])
        #expect(summary.samples[5] == MetricSample(name: "rpc_duration_seconds_sum", value: 17_560_473))
        #expect(summary.samples[6] == MetricSample(name: "rpc_duration_seconds_count", value: 2693))

        let gauge = families[6]
        #expect(gauge.help == "Path C:\\temp, two\nlines, \\x kept.")
        #expect(gauge.samples[0].labels == ["sensor": "a"])
        #expect(gauge.samples[0].value.isNaN)
        #expect(gauge.samples[1] == MetricSample(name: "node:temperature_celsius", labels: ["sensor": "b", "zone": "ü \"quoted\" \\n"], value: -.infinity))
        #expect(gauge.samples[2] == MetricSample(name: "node:temperature_celsius", value: -0.0025, timestamp: -1))

        #expect(families[7] == MetricFamily(name: "untyped_thing", type: .untyped, samples: [MetricSample(name: "untyped_thing", value: 0.5)]))
    }

    @Test func valuesAsGoParseFloatReadsThem() throws {
        let cases: [(String, Double)] = [
            ("0", 0), ("-0", -0.0), ("+7", 7), ("1.", 1), (".25", 0.25), ("1e3", 1000), ("1E-3", 0.001), ("5e-05", 0.00005),
            ("1.5e+2", 150), ("+Inf", .infinity), ("Inf", .infinity), ("inf", .infinity), ("-Inf", -.infinity),
            ("+Infinity", .infinity), ("9007199254740993", 9_007_199_254_740_992),
        ]
        for (text, expected) in cases {
            let families = try PrometheusText.parse("m \(text)\n")
            #expect(families.first?.samples.first?.value == expected, "\(text)")
        }
        #expect(try PrometheusText.parse("m nan").first?.samples.first?.value.isNaN == true)
    }

    @Test func demoFleetOutputParses() throws {
        // As Sources/PaymentsDemo/MetricsRegistry.swift renders it (Swift's Double description for sums).
        let text = """
            # HELP http_requests_total HTTP requests answered, by route, method and status.
            # TYPE http_requests_total counter
            http_requests_total{route="/payins",method="POST",status="201"} 96
            http_requests_total{route="/payins",method="POST",status="500"} 4
            # HELP http_request_duration_seconds Time to answer an HTTP request, by route.
            # TYPE http_request_duration_seconds histogram
            http_request_duration_seconds_bucket{route="/payins",le="0.001"} 90
            http_request_duration_seconds_bucket{route="/payins",le="+Inf"} 100
            http_request_duration_seconds_sum{route="/payins"} 5.0e-05
            http_request_duration_seconds_count{route="/payins"} 100
            # HELP demo_build_info Service and version this process runs; always 1.
            # TYPE demo_build_info gauge
            demo_build_info{service="payin",version="v2"} 1

            """
        let families = try PrometheusText.parse(text)
        #expect(families.map(\.name) == ["http_requests_total", "http_request_duration_seconds", "demo_build_info"])
        #expect(families[1].samples.count == 4)
        #expect(families[1].samples[2].value == 0.00005)
    }

    @Test func familiesWithoutSamplesAndCommentsOnly() throws {
        #expect(try PrometheusText.parse("").isEmpty)
        #expect(try PrometheusText.parse("\n\n  \n# just a comment\n#\n").isEmpty)
        let declared = try PrometheusText.parse("# HELP x_total Nothing yet.\n# TYPE x_total counter\n")
        #expect(declared == [MetricFamily(name: "x_total", type: .counter, help: "Nothing yet.")])
        // CRLF is tolerated.
        #expect(try PrometheusText.parse("a 1\r\nb 2\r\n").map(\.name) == ["a", "b"])
    }

    @Test func suffixedSamplesGoToTheirHistogramOrSummaryOnly() throws {
        let text = """
            # TYPE a histogram
            a_bucket{le="1"} 1
            a_bucket{le="+Inf"} 2
            a_count 2
            a_sum 3
            # TYPE b summary
            b_bucket 1
            b_count 1
            # TYPE c counter
            c_count 5
            """
        let families = try PrometheusText.parse(text)
        #expect(families.map(\.name) == ["a", "b", "b_bucket", "c", "c_count"])
        #expect(families[0].samples.map(\.name) == ["a_bucket", "a_bucket", "a_count", "a_sum"])
        #expect(families[1].samples.map(\.name) == ["b_count"])
        #expect(families[2].type == .untyped)
    }

    @Test func samplesJSONEncodesNonFiniteValuesAsStrings() throws {
        let samples = [
            MetricSample(name: "a", value: .nan), MetricSample(name: "a", value: .infinity),
            MetricSample(name: "a", value: -.infinity), MetricSample(name: "a", labels: ["k": "v"], value: 1.5, timestamp: 42),
        ]
        let family = MetricFamily(name: "a", type: .gauge, samples: samples)
        let json = try PrometheusTextJSON.encode(family)
        #expect(json.contains(#""value":"NaN""#))
        #expect(json.contains(#""value":"+Inf""#))
        #expect(json.contains(#""value":"-Inf""#))
        #expect(json.contains(#""value":1.5"#))
        #expect(json.contains(#""timestamp":42"#))
        #expect(try PrometheusTextJSON.decode(MetricFamily.self, json) == family)
    }

    @Test func largeFamilyParsesInOnePass() throws {
        var text = "# TYPE big counter\n"
        for index in 0..<20_000 { text += "big{id=\"\(index)\"} \(index)\n" }
        let families = try PrometheusText.parse(text)
        #expect(families.count == 1)
        #expect(families[0].samples.count == 20_000)
        #expect(families[0].samples.last == MetricSample(name: "big", labels: ["id": "19999"], value: 19_999))
    }

    // MARK: - Errors

    /// Every malformed line: the line number and the words that name the problem.
    static let malformed: [(text: String, line: Int, message: String)] = [
        ("m", 1, #"expected a value after the metric name of "m""#),
        ("a 1\n\n# c\nm{a=\"b\"}  ", 4, #"expected a value after the labels of "m""#),
        ("m abc", 1, #"invalid value "abc" for "m""#),
        ("m 1.2.3", 1, #"invalid value "1.2.3""#),
        ("m 1e", 1, #"invalid value "1e""#),
        ("m 0x10", 1, #"invalid value "0x10""#),
        ("m +NaN", 1, #"invalid value "+NaN""#),
        ("m 1_000", 1, #"invalid value "1_000""#),
        ("m 1 abc", 1, #"invalid timestamp "abc""#),
        ("m 1 1.5", 1, #"invalid timestamp "1.5""#),
        ("m 1 9223372036854775808", 1, #"invalid timestamp "9223372036854775808""#),
        ("m 1 2 3", 1, #"unexpected text after the timestamp of "m""#),
        ("ok 1\nm{a=\"b} 1", 2, #"unterminated value of label "a" of "m""#),
        (#"m{a="\x"} 1"#, 1, #"invalid escape sequence "\x" in the value of label "a""#),
        (#"m{a="b" 1"#, 1, #"expected ',' or '}' after the value of label "a" of "m", found '1'"#),
        (#"m{a="b",a="c"} 1"#, 1, #"duplicate label "a" in "m""#),
        (#"m{1a="b"} 1"#, 1, #"invalid label name at '1' in "m""#),
        (#"m{a b} 1"#, 1, #"expected '=' after label name "a" of "m", found 'b'"#),
        (#"m{a=b} 1"#, 1, #"expected '"' to open the value of label "a" of "m", found 'b'"#),
        (#"m{,} 1"#, 1, #"invalid label name at ',' in "m""#),
        (#"m{a="b","#, 1, #"unterminated label set of "m", expected '}'"#),
        (#"m{a="b""#, 1, #"unterminated label set of "m", expected '}'"#),
        ("0m 1", 1, "invalid metric name at '0'"),
        ("{a=\"b\"} 1", 1, "invalid metric name at '{'"),
        ("m-x 1", 1, #"invalid character '-' in metric name "m""#),
        ("mé 1", 1, #"invalid character 'é' in metric name "m""#),
        ("# TYPE m foo", 1, #"unknown metric type "foo" for "m""#),
        ("# TYPE m", 1, #"# TYPE line for "m" needs a type"#),
        ("# TYPE", 1, "# TYPE needs a metric name"),
        ("# HELP 1x text", 1, "invalid metric name in # HELP line at '1'"),
        ("# HELP x-y text", 1, #"invalid character '-' in metric name "x" of # HELP line"#),
        ("# TYPE m counter extra", 1, #"unexpected text after the type in # TYPE line for "m""#),
        ("# TYPE m counter\n# TYPE m gauge", 2, #"second TYPE line for metric name "m""#),
        ("m 1\n# TYPE m counter", 2, #"second TYPE line for metric name "m", or TYPE reported after its samples"#),
        ("# HELP m one\n# HELP m two", 2, #"second HELP line for metric name "m""#),
        ("# TYPE h histogram\nh_bucket 1", 2, #"histogram bucket "h_bucket" has no "le" label"#),
        ("# TYPE h histogram\nh_bucket{le=\"fast\"} 1", 2, #"invalid "le" label value "fast" in "h_bucket""#),
        ("# TYPE h histogram\nh 1", 2, #"histogram sample "h" must be named h_bucket, h_sum or h_count"#),
        ("# TYPE s summary\ns 1", 2, #"summary sample "s" has no "quantile" label"#),
        ("# TYPE s summary\ns{quantile=\"\"} 1", 2, #"invalid "quantile" label value "" in "s""#),
    ]

    @Test(arguments: 0..<malformed.count)
    func malformedLineNamesItsNumberAndProblem(_ index: Int) throws {
        let (text, line, message) = Self.malformed[index]
        let error = try #require(throws: PrometheusParseError.self) { try PrometheusText.parse(text) }
        #expect(error.line == line, "\(text)")
        #expect(error.message.contains(message), "\(text): \(error.message)")
        #expect(error.description.hasPrefix("line \(line): "))
    }

    @Test func firstMalformedLineIsTheOneReported() throws {
        let text = Self.exposition + "\nbroken{\nalso broken\n"
        let lineCount = Self.exposition.split(separator: "\n", omittingEmptySubsequences: false).count
        let error = try #require(throws: PrometheusParseError.self) { try PrometheusText.parse(text) }
        #expect(error.line == lineCount + 1)
    }
}

/// Compact, sorted JSON for assertions.
enum PrometheusTextJSON {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(json.utf8))
    }
}
