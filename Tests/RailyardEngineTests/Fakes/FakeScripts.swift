import Foundation
import RailyardCore
import RailyardPorts
import Synchronization

/// Fake script runner: records each run; a path listed in `failing` exits 1.
final class FakeScriptRunner: ScriptRunner {
    let runs = Mutex<[String]>([])
    let failing: Set<String>
    init(failing: Set<String> = []) { self.failing = failing }

    func run(path: String, environment: [String: String], timeout: Duration, logPath: String, owner: String?, label: String?) async throws -> ScriptResult {
        runs.withLock { $0.append(URL(fileURLWithPath: path).lastPathComponent) }
        return failing.contains(URL(fileURLWithPath: path).lastPathComponent)
            ? ScriptResult(exitCode: 1, timedOut: false, outputTail: ["fake failure"]) : ScriptResult(exitCode: 0, timedOut: false, outputTail: [])
    }
}

/// Fake script files: a checksum per file name, which a test can change.
final class FakeScriptFiles: ScriptFiles {
    let sums = Mutex<[String: String]>([:])
    func sha256(ofFileAt path: String) throws -> String {
        sums.withLock { $0[URL(fileURLWithPath: path).lastPathComponent] ?? "0000" }
    }
}

/// Fake HTTP probe: every URL answers 200 unless it is listed with another status.
struct FakeProbe: HTTPProbe {
    var statuses: [String: Int] = [:]
    func get(_ url: String, timeout: Duration) async throws -> Int { statuses[url] ?? 200 }
}

/// Fake metric source: cumulative counters per instance address, which a test grows between looks.
final class FakeMetricSource: MetricSource {
    let counters = Mutex<[String: GroupCounters]>([:])

    func read(instances: [String], metricsPath: String, extractor: CountersExtractor) async throws -> GroupCounters {
        counters.withLock { counters in
            instances.reduce(into: GroupCounters.zero) { sum, address in
                sum.requests += counters[address]?.requests ?? 0
                sum.errors += counters[address]?.errors ?? 0
            }
        }
    }

    /// Adds `requests` (of which `errors` failed) to the instance at `address`.
    func add(_ address: String, requests: Double, errors: Double) {
        counters.withLock { $0[address, default: .zero].requests += requests; $0[address, default: .zero].errors += errors }
    }
}
