import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import RailyardCore
import RailyardPorts

/// The embedded metric source: fetches every instance's metrics endpoint over HTTP, concurrently, parses the
/// Prometheus text format and sums the group's counters. No Prometheus server needed.
public struct ScrapeSource: MetricSource {
    public static let defaultTimeout: Duration = .seconds(5)

    public let httpClient: HTTPClient
    /// For each instance's whole answer, body included.
    public let timeout: Duration
    /// Expositions larger than this are refused rather than buffered.
    public let maxBodyBytes: Int

    public init(httpClient: HTTPClient = .failFast, timeout: Duration = ScrapeSource.defaultTimeout, maxBodyBytes: Int = 16 << 20) {
        self.httpClient = httpClient
        self.timeout = timeout
        self.maxBodyBytes = maxBodyBytes
    }

    /// Reads every instance at once; waits for all of them (each bounded by `timeout`) and, if any failed, throws
    /// the `ScrapeError` of the first failing one in `instances` order.
    public func read(instances: [String], metricsPath: String, extractor: CountersExtractor) async throws -> RailyardCore.GroupCounters {
        let urls = instances.map { Self.url(instance: $0, metricsPath: metricsPath) }
        let results = await withTaskGroup(of: (Int, Result<[MetricFamily], ScrapeError>).self) { group in
            for (index, url) in urls.enumerated() {
                group.addTask {
                    do throws(ScrapeError) {
                        return (index, .success(try await scrape(url: url)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var results = [Result<[MetricFamily], ScrapeError>?](repeating: nil, count: urls.count)
            for await (index, result) in group { results[index] = result }
            return results
        }
        var expositions: [[MetricFamily]] = []
        for case let result? in results { expositions.append(try result.get()) }
        do throws(CountersExtractionError) {
            return try extractor.counters(instances: expositions, addresses: instances)
        } catch {
            throw ScrapeError(url: urls[error.instance], reason: .missingMetric(error))
        }
    }

    /// One endpoint, parsed.
    public func scrape(url: String) async throws(ScrapeError) -> [MetricFamily] {
        let text = try await fetch(url: url)
        do throws(PrometheusParseError) {
            return try PrometheusText.parse(text)
        } catch {
            throw ScrapeError(url: url, reason: .malformed(error))
        }
    }

    /// One endpoint's exposition text, unparsed.
    public func fetch(url: String) async throws(ScrapeError) -> String {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        // The text format, not protobuf nor OpenMetrics, whatever else the endpoint can speak.
        request.headers.add(name: "Accept", value: "text/plain;version=0.0.4;q=1,*/*;q=0.1")
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        do {
            let response = try await httpClient.execute(request, deadline: deadline)
            guard (200..<300).contains(response.status.code) else {
                throw ScrapeError(url: url, reason: .httpStatus(Int(response.status.code)))
            }
            let body = try await response.body.collect(upTo: maxBodyBytes)
            return String(buffer: body)
        } catch let error as ScrapeError {
            throw error
        } catch is NIOTooManyBytesError {
            throw ScrapeError(url: url, reason: .tooLarge(limit: maxBodyBytes))
        } catch let error as HTTPClientError {
            switch error {
            case .deadlineExceeded, .connectTimeout, .readTimeout, .writeTimeout:
                throw ScrapeError(url: url, reason: .timedOut(timeout))
            case .invalidURL, .emptyHost, .emptyScheme, .missingSocketPath:
                throw ScrapeError(url: url, reason: .invalidURL("\(error)"))
            default:
                throw ScrapeError(url: url, reason: .unreachable("\(error)"))
            }
        } catch {
            throw ScrapeError(url: url, reason: .unreachable("\(error)"))
        }
    }

    /// `127.0.0.1:8081` + `/metrics` → `http://127.0.0.1:8081/metrics`; an instance given with its scheme keeps it.
    public static func url(instance: String, metricsPath: String) -> String {
        var base = instance.contains("://") ? instance : "http://" + instance
        while base.hasSuffix("/") { base.removeLast() }
        return base + (metricsPath.hasPrefix("/") ? metricsPath : "/" + metricsPath)
    }
}
