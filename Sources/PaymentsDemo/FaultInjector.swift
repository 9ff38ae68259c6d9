import Foundation
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
    private let slowPPM: Int
    private let declinePPM: Int
    private let label: String
    private let requestCount = Mutex(0)

    /// How long a captured pay-in takes to settle after its answer.
    var settlement: Duration { .milliseconds(behaviour.settlementMs) }

    init(behaviour: VersionBehaviour, service: DemoService, version: String) {
        self.behaviour = behaviour
        self.ratePPM = Int((min(max(behaviour.failureRate, 0), 1) * Double(Self.scale)).rounded())
        self.slowPPM = Int((min(max(behaviour.slowRate, 0), 1) * Double(Self.scale)).rounded())
        self.declinePPM = Int((min(max(behaviour.declineRate, 0), 1) * Double(Self.scale)).rounded())
        self.label = "\(service.rawValue) \(version)"
    }

    /// Call first thing in a payment handler: sleeps the extra latency (more for the slow ones, spread
    /// evenly like the faults), then throws a 500 if this request is one of those that fail. Returns whether
    /// the payment is one of those to decline (pay-in only: the route answers 402).
    @discardableResult
    func apply() async throws -> Bool {
        let n = requestCount.withLock { count in
            count += 1
            return count
        }
        // The first `healthyRequests` are served well: the slow tail starts late too.
        let slow = behaviour.slowLatencyMs > 0 && n > behaviour.healthyRequests && Self.hit(n - behaviour.healthyRequests, ppm: slowPPM) ? behaviour.slowLatencyMs : 0
        let extra = Self.extraLatencyMs(request: n, median: behaviour.extraLatencyMs, spread: behaviour.latencySpread) + Double(slow)
        if extra > 0 {
            try await Task.sleep(for: .microseconds(Int((extra * 1000).rounded())))
        }
        // The first `healthyRequests` are served well: the faults start late.
        if n > behaviour.healthyRequests, shouldFail(request: n - behaviour.healthyRequests) {
            throw DemoHTTPError(
                .internalServerError,
                "injected fault: \(label) fails \(behaviour.failureRate * 100)% of payment requests (request \(n))"
            )
        }
        return Self.hit(n, ppm: declinePPM)
    }

    func shouldFail(request n: Int) -> Bool { Self.hit(n, ppm: ratePPM) }

    /// Request n's added latency: `median` × e^(spread · z_n), z_n = (√3/π) log(u/(1 − u)) with u_n the golden-ratio
    /// sequence (n · 0.618… mod 1): deterministic, as the faults are, and spread evenly over the distribution, so
    /// any hundred requests fill it.
    static func extraLatencyMs(request n: Int, median: Int, spread: Double) -> Double {
        guard spread > 0, median > 0 else { return Double(median) }
        let u = (Double(n) * 0.618_033_988_749_894_8).truncatingRemainder(dividingBy: 1)
        let clamped = min(max(u, 1e-6), 1 - 1e-6)
        let z = 3.0.squareRoot() / Double.pi * log(clamped / (1 - clamped))
        return Double(median) * exp(spread * z)
    }

    /// Request n is one of a rate's: floor(n · rate) steps up at n.
    static func hit(_ n: Int, ppm: Int) -> Bool {
        n * ppm / scale > (n - 1) * ppm / scale
    }
}
