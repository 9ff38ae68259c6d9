import AsyncHTTPClient
import Foundation
import Synchronization

/// Open-loop latency of `GET` on several URLs at one fixed rate each: request `i` of each URL is
/// sent at `start + i / rate` whatever the previous answers did (no back-to-back loop), and the
/// schedules are interleaved evenly within each period (which URL leads alternates), so all see
/// the same machine state. A latency runs from the moment the request is handed to the client to
/// the end of its body.
struct LatencyProbe {
    struct Result {
        var samples: [[Double]]   // per URL, milliseconds, warm-up excluded
        var failures: [Int]       // per URL
        /// How late the sender started requests against their schedule (p99, ms): a check that the rate held.
        var sendLateP99: Double
    }

    struct Outcome: Sendable { var url: Int; var index: Int; var ms: Double?; var late: Double }

    /// Where the request tasks leave their outcomes.
    final class Outcomes: Sendable {
        let list = Mutex<[Outcome]>([])
        func append(_ outcome: Outcome) { list.withLock { $0.append(outcome) } }
        var all: [Outcome] { list.withLock { $0 } }
    }

    let urls: [String]
    let rate: Double
    let count: Int
    let warmup: Int

    func run(client: HTTPClient, label: String) async -> Result {
        let urls = self.urls
        let period = Duration.seconds(1 / rate)
        let offset = period / urls.count
        let clock = ContinuousClock()
        let start = clock.now + .milliseconds(50)
        let total = warmup + count
        let outcomes = Outcomes()
        outcomes.list.withLock { $0.reserveCapacity(total * urls.count) }
        var lastReport = clock.now

        await withDiscardingTaskGroup { group in
            for index in 0..<total {
                for slot in 0..<urls.count {
                    // Alternate which URL leads within each period.
                    let which = index % 2 == 0 ? slot : urls.count - 1 - slot
                    let due = start + period * index + offset * slot
                    try? await clock.sleep(until: due, tolerance: .zero)
                    if Task.isCancelled { return }
                    group.addTask {
                        let sent = clock.now
                        let late = (sent - due).milliseconds
                        var request = HTTPClientRequest(url: urls[which])
                        request.method = .GET
                        var ms: Double?
                        do {
                            let response = try await client.execute(request, timeout: .seconds(5))
                            _ = try await response.body.collect(upTo: 1 << 20)
                            if response.status.code == 200 { ms = (clock.now - sent).milliseconds }
                        } catch {}
                        let outcome = Outcome(url: which, index: index, ms: ms, late: late)
                        outcomes.append(outcome)
                    }
                }
                if clock.now - lastReport > .seconds(3) {
                    lastReport = clock.now
                    Progress.say("  \(label): \(index + 1)/\(total) requests per URL sent")
                }
            }
        }

        var samples = urls.map { _ in [Double]() }
        var failures = urls.map { _ in 0 }
        var late: [Double] = []
        for outcome in outcomes.all where outcome.index >= warmup {
            late.append(outcome.late)
            if let ms = outcome.ms { samples[outcome.url].append(ms) } else { failures[outcome.url] += 1 }
        }
        return Result(samples: samples, failures: failures, sendLateP99: Stats.percentile(late, 99) ?? 0)
    }
}
