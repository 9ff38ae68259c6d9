import Hummingbird
import Synchronization

/// Makes a version misbehave on its payment routes, as the behaviour file says.
///
/// The failure decision is deterministic, not random: request n (counting from 1) fails iff
/// `floor(n * rate) > floor((n - 1) * rate)`. Faults are spread evenly (rate 0.04 fails requests 25, 50, 75, 100),
/// so a canary's error rate is exact from its first hundred requests and tests can assert counts.
final class FaultInjector: Sendable {
    /// The rate is held in parts per million so the floor comparison is integer arithmetic:
    /// in `Double`, `25 * 0.04` may land on either side of 1.
    private static let scale = 1_000_000

    private let behaviour: VersionBehaviour
    private let ratePPM: Int
    private let label: String
    private let requestCount = Mutex(0)

    init(behaviour: VersionBehaviour, service: DemoService, version: String) {
        self.behaviour = behaviour
        self.ratePPM = Int((min(max(behaviour.failureRate, 0), 1) * Double(Self.scale)).rounded())
        self.label = "\(service.rawValue) \(version)"
    }

    /// Call first thing in a payment handler: sleeps the extra latency, then throws a 500 if this request is
    /// one of those that fail.
    func apply() async throws {
        if behaviour.extraLatencyMs > 0 {
            try await Task.sleep(for: .milliseconds(behaviour.extraLatencyMs))
        }
        let n = requestCount.withLock { count in
            count += 1
            return count
        }
        // The first `healthyRequests` are served well: the faults start late.
        if n > behaviour.healthyRequests, shouldFail(request: n - behaviour.healthyRequests) {
            throw DemoHTTPError(
                .internalServerError,
                "injected fault: \(label) fails \(behaviour.failureRate * 100)% of payment requests (request \(n))"
            )
        }
    }

    func shouldFail(request n: Int) -> Bool {
        n * ratePPM / Self.scale > (n - 1) * ratePPM / Self.scale
    }
}
