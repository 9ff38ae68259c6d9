import Foundation

/// What a fail asks of the canary without each of its instances, where the source reads them apart.
///
/// The whole canary's evidence decides whether a regression is shown, at the metric's α. The canary
/// without each instance must then *also* show it, but only at `othersAlpha`: the check is there to tell one
/// bad host from the version, not to prove the regression a second time on part of the data. Asked at α
/// too, it made every fail of a two-instance canary wait until half the canary proved the regression alone:
/// 1.6–1.8× the requests of the same canary read as one group (`railyard-bench judge --instances 2`,
/// docs/judges.md). Only more is asked of a fail, so its error stays at most α whatever `othersAlpha` is.
/// A canary whose other instances are as good as the baseline shows a regression at 90% confidence with
/// probability about 10% at most (Ville's inequality; a complement starts from the whole canary's first
/// interval, which no source splits), and far less when the tolerance lies well above them.
enum OddInstanceRule {
    static let othersAlpha = 0.1

    /// The level the canary without one instance is read at: never stricter than the whole's.
    static func othersAlpha(whole: Double) -> Double { max(whole, othersAlpha) }

    /// The log e-value the canary without one instance needs, never above the whole's `boundary`.
    static func othersBoundary(whole boundary: Double) -> Double { min(boundary, log(1 / othersAlpha)) }
}
