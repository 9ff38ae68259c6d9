import Foundation
import Metrics
import RailyardCore

/// Railyard's own metrics, through the swift-metrics facade: the composition root picks the backend
/// (Prometheus text on `railyard serve`'s `/metrics`); elsewhere they go nowhere.
public struct EngineMetrics: Sendable {
    let factory: any MetricsFactory

    public init(factory: any MetricsFactory = NOOPMetricsHandler.instance) { self.factory = factory }

    public static let stepDuration = "railyard_step_duration_seconds"
    public static let routerApply = "railyard_router_apply_seconds"
    public static let reconcileFindings = "railyard_reconcile_findings_total"
    public static let analyses = "railyard_analyses_total"
    public static let rollouts = "railyard_rollouts"

    /// How long one run of a step took (a pause or an analysis waits on the clock, so it is long), and how it ended.
    func stepFinished(_ step: StepSpec, after elapsed: Duration, outcome: String) {
        let kind = String(step.description.prefix { $0 != ":" })
        Timer(label: Self.stepDuration, dimensions: [("step", kind), ("outcome", outcome)], factory: factory)
            .recordNanoseconds(Int64(elapsed.timeInterval * 1e9))
    }

    func routerApplied(target: String, after elapsed: Duration) {
        Timer(label: Self.routerApply, dimensions: [("target", target)], factory: factory).recordNanoseconds(Int64(elapsed.timeInterval * 1e9))
    }

    /// What a restart found: processes adopted or stopped, records of processes that were gone.
    func reconciled(_ finding: String, count: Int) {
        guard count > 0 else { return }
        Counter(label: Self.reconcileFindings, dimensions: [("finding", finding)], factory: factory).increment(by: count)
    }

    func analysisEnded(_ verdict: VerdictKind) {
        Counter(label: Self.analyses, dimensions: [("verdict", verdict.rawValue)], factory: factory).increment()
    }

    /// Rollouts in each phase now; set when the metrics are read.
    public func rollouts(byPhase counts: [RolloutPhase: Int]) {
        for phase in RolloutPhase.allCases {
            Gauge(label: Self.rollouts, dimensions: [("phase", phase.rawValue)], factory: factory).record(counts[phase] ?? 0)
        }
    }
}
