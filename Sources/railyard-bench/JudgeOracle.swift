import Foundation
import RailyardCore
import RailyardSimulation

/// The limit the judges are measured against: Wald's sequential probability ratio test between two
/// canaries it knows exactly — the canary at the tolerance (`null`) and another (`alternative`) — on the
/// same data as the judges: given a request's cell (error or success, latency bucket), which group served
/// it. With canary cell probability c_j and baseline b_j (equal traffic), a request in cell j is the
/// canary's with probability r_j / (1 + r_j), r_j = c_j / b_j, independently of the others, so each
/// request's log-likelihood ratio is exact. It stops at log((1 − α)/α) for the alternative or log(α/(1 − α))
/// for the null. No test with these error rates needs fewer requests on average (Wald–Wolfowitz), so a
/// judge's requests over the oracle's are what it pays for not knowing the effect in advance.
struct JudgeOracle: Sendable {
    private let canaryStep: [Double]
    private let baselineStep: [Double]
    private(set) var statistic = 0.0
    private var previousCanary: [Double]
    private var previousBaseline: [Double]
    let upper: Double
    let lower: Double

    init(baseline: CanaryTrafficModel, null: CanaryTrafficModel, alternative: CanaryTrafficModel, alpha: Double) {
        let b = baseline.cells(canary: false), c0 = null.cells(canary: true), c1 = alternative.cells(canary: true)
        var canaryStep: [Double] = [], baselineStep: [Double] = []
        for j in b.indices {
            guard b[j] > 1e-300, c0[j] > 1e-300, c1[j] > 1e-300 else {
                canaryStep.append(0); baselineStep.append(0); continue
            }
            let r0 = c0[j] / b[j], r1 = c1[j] / b[j]
            canaryStep.append(log(r1 / (1 + r1)) - log(r0 / (1 + r0)))
            baselineStep.append(log((1 + r0) / (1 + r1)))
        }
        self.canaryStep = canaryStep
        self.baselineStep = baselineStep
        previousCanary = Array(repeating: 0, count: b.count)
        previousBaseline = previousCanary
        upper = log((1 - alpha) / alpha)
        lower = -upper
    }

    /// Starts counting from these cumulative cell counts (a regression that starts late: the oracle knows when).
    mutating func start(canary: [Double], baseline: [Double]) {
        previousCanary = canary
        previousBaseline = baseline
    }

    /// The alternative (+1), the null (−1), or undecided (0), after the requests up to these cumulative cell counts.
    mutating func observe(canary: [Double], baseline: [Double]) -> Int {
        for j in canaryStep.indices {
            statistic += (canary[j] - previousCanary[j]) * canaryStep[j] + (baseline[j] - previousBaseline[j]) * baselineStep[j]
        }
        previousCanary = canary
        previousBaseline = baseline
        return statistic >= upper ? 1 : statistic <= lower ? -1 : 0
    }
}
