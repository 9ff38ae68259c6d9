import Foundation

/// What `railyard nightly show` prints: a run with its verdict, each test's trend over the last runs
/// (with the run a failing test first failed in), the flaky tests proposed for quarantine, and the
/// failures linked to services and tickets.
public struct NightlyReport: Codable, Sendable, Equatable {
    public var run: NightlyRunRecord
    public var trend: NightlyTrend
    public var proposals: [FlakyProposal]
    public var links: NightlyLinks
    /// Quarantine entries of this run's tests (active or expired).
    public var quarantine: [QuarantineEntry]

    /// - Parameters:
    ///   - history: runs of the same train, oldest first, up to and including `run`.
    public static func make(run: NightlyRunRecord, history: [NightlyRunRecord], tickets: [Ticket], quarantine: [QuarantineEntry],
                            nightly: NightlySpec, now: Date, window: Int = 10) -> NightlyReport {
        let upToRun = Array(history.prefix { $0.id != run.id }) + [run]
        let finished = upToRun.filter { $0.state != .running || $0.id == run.id }
        let active = Set(quarantine.filter { $0.isActive(at: now) }.map(\.test))
        let proposals = FlakyProposal.proposals(runs: finished.map { Set($0.tests.filter(\.flaky).map(\.id)) }, k: nightly.flakyK, m: nightly.flakyM,
                                                quarantined: active)
        let ids = Set(run.tests.map(\.id))
        return NightlyReport(run: run, trend: NightlyTrend.compute(runs: finished, window: window), proposals: proposals,
                             links: NightlyLinks.compute(run: run, tickets: tickets, nightly: nightly),
                             quarantine: quarantine.filter { ids.contains($0.test) })
    }
}
