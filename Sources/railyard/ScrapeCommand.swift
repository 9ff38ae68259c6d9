import ArgumentParser
import Foundation
import RailyardAdapters
import RailyardCore

struct ScrapeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scrape",
        abstract: "Read a metrics endpoint as Railyard's analysis does and print what it sees.",
        discussion: """
            Fetches URL once, parses it as the Prometheus text exposition format 0.0.4 (HELP and TYPE lines, \
            labels with escapes, counters, gauges, histograms, summaries, +Inf, NaN, timestamps) and prints \
            its metric families, like `promtool check metrics`. Use it to check that a service exposes what \
            the canary analysis reads: the request counter http_requests_total{status} and the latency \
            histogram http_request_duration_seconds.

            URL may omit http:// and, when it has no path, /metrics:
              railyard scrape 127.0.0.1:8081
              railyard scrape http://127.0.0.1:8081/metrics --output json

            --output json prints {"families": [{"name", "type", "help", "samples": [{"name", "labels", \
            "value", "timestamp"}]}]}; help and timestamp only when present, and NaN, +Inf and -Inf as the \
            strings "NaN", "+Inf", "-Inf" so the JSON stays valid.

            Exit codes:
              0   the endpoint answered valid metrics
              1   an HTTP error, or text that does not parse (its first bad line is printed)
              3   the endpoint cannot be reached, or did not answer within --timeout
              64  bad usage
            """
    )

    @Argument(help: "The metrics endpoint, e.g. http://127.0.0.1:8081/metrics.")
    var url: String

    @Option(help: "text for people (a table of families), json for scripts.")
    var output: OutputFormat = .text

    @Option(help: "Seconds to wait for the whole answer.")
    var timeout: Double = 10

    func validate() throws {
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
        let normalized = Self.normalize(url)
        guard let parsed = URL(string: normalized), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = parsed.host, !host.isEmpty
        else { throw ValidationError("'\(url)' is not an http(s) URL, e.g. http://127.0.0.1:8081/metrics") }
    }

    func run() async throws {
        let endpoint = Self.normalize(url)
        let source = ScrapeSource(timeout: .milliseconds(Int64((timeout * 1000).rounded())))
        let text: String
        let families: [MetricFamily]
        do throws(ScrapeError) {
            text = try await source.fetch(url: endpoint)
        } catch {
            Self.fail(error.description)
            throw error.isUnreachable ? ExitStatus.unreachable : ExitStatus.refused
        }
        do throws(PrometheusParseError) {
            families = try PrometheusText.parse(text)
        } catch {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let offending = error.line <= lines.count ? String(lines[error.line - 1].prefix(200)) : ""
            Self.fail("\(endpoint): \(error)\n  \(error.line) | \(offending)")
            throw ExitStatus.refused
        }

        switch output {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            // print, not FileHandle.write: a closed pipe (`| head`) must not crash the command.
            print(String(decoding: try encoder.encode(["families": families]), as: UTF8.self))
        case .text:
            print(Self.table(families, from: endpoint))
        }
    }

    /// `127.0.0.1:8081` → `http://127.0.0.1:8081/metrics`; a URL with a path keeps it.
    static func normalize(_ url: String) -> String {
        let withScheme = url.contains("://") ? url : "http://" + url
        guard let components = URLComponents(string: withScheme), components.path.isEmpty || components.path == "/" else { return withScheme }
        return ScrapeSource.url(instance: withScheme, metricsPath: "/metrics")
    }

    static func table(_ families: [MetricFamily], from endpoint: String) -> String {
        let nameWidth = max(4, families.map(\.name.count).max() ?? 0)
        func row(_ name: String, _ type: String, _ samples: String, _ help: String) -> String {
            name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  " + type.padding(toLength: 9, withPad: " ", startingAt: 0)
                + "  " + String(repeating: " ", count: max(0, 7 - samples.count)) + samples + (help.isEmpty ? "" : "  " + help)
        }
        var lines = [row("NAME", "TYPE", "SAMPLES", "HELP")]
        for family in families {
            let help = (family.help ?? "").replacingOccurrences(of: "\n", with: "\\n")
            lines.append(row(family.name, family.type.rawValue, String(family.samples.count), help))
        }
        let sampleCount = families.reduce(0) { $0 + $1.samples.count }
        lines.append("")
        lines.append("\(families.count) famil\(families.count == 1 ? "y" : "ies"), \(sampleCount) sample\(sampleCount == 1 ? "" : "s") from \(endpoint)")
        lines.append(analysisLine(families))
        return lines.joined(separator: "\n")
    }

    /// What a canary analysis with the default metric names and paths would read here (its own
    /// scrapes of /metrics and probes of /health left out, as the analysis does).
    static func analysisLine(_ families: [MetricFamily]) -> String {
        let extractor = CountersExtractor(excludedRoutes: ["/metrics", "/health"])
        do throws(CountersExtractionError) {
            let counters = try extractor.counters(from: families)
            let rate = counters.requests > 0 ? String(format: " (%.2f%%)", counters.errors / counters.requests * 100) : ""
            let latency = counters.latencyBuckets.isEmpty
                ? "no \(extractor.latencyMetric ?? "latency") histogram"
                : "\(extractor.latencyMetric ?? "latency") with \(counters.latencyBuckets.count) buckets"
            return "analysis reads: \(Self.number(counters.requests)) requests, \(Self.number(counters.errors)) 5xx\(rate), not counting /metrics and /health; \(latency)"
        } catch {
            return "analysis reads: nothing with the default names, \(error)"
        }
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    static func fail(_ message: String) {
        try? FileHandle.standardError.write(contentsOf: Data("error: \(message)\n".utf8))
    }
}
