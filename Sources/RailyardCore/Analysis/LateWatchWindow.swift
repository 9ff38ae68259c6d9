import Foundation

/// What a late watch counted since its evidence last stood at nothing (R ≤ 1): the stretch its alarm rests
/// on, shown beside the totals since the pass, which a regression that starts late dilutes.
public struct LateWatchWindow: Codable, Sendable, Equatable {
    public var looks = 0
    public var canaryRequests = 0.0
    public var canaryFailed = 0.0
    public var baselineRequests = 0.0
    public var baselineFailed = 0.0

    public init() {}

    /// Adds one interval's counts, then starts over if the watch's evidence (log(1 + R)) is back to log 2 or less.
    mutating func add(canaryRequests m: Double, canaryFailed x: Double, baselineRequests b: Double, baselineFailed y: Double, evidence: Double) {
        looks += 1
        canaryRequests += m
        canaryFailed += x
        baselineRequests += b
        baselineFailed += y
        if evidence <= log(2.0) { self = LateWatchWindow() }
    }

    /// "over the last 12 looks (since its evidence began to rise): 24.0% of 480 slower on the canary vs 8.0% of 470 on baseline".
    func text(_ what: String) -> String {
        func share(_ failed: Double, _ requests: Double) -> String {
            requests > 0 ? "\(JudgeText.percent(failed / requests)) of \(JudgeText.count(requests))" : "n/a"
        }
        return "over the last \(looks) look\(looks == 1 ? "" : "s") (since its evidence began to rise): \(share(canaryFailed, canaryRequests)) \(what) on the canary "
            + "vs \(share(baselineFailed, baselineRequests)) on baseline"
    }
}
