import Foundation
import RailyardCore
import RailyardPorts
import Testing
@testable import RailyardEngine

/// The nightly scheduler on a manual clock: nothing counts as missed at the very first start, the
/// slot runs when due, a downtime's missed slots are caught up once (the newest) and said, and a
/// slot is never run twice.
@Suite struct NightlySchedulerTests {
    /// 2026-11-30 12:00 UTC (13:00 in Paris).
    static let noon = Date(timeIntervalSince1970: 1_796_040_000)

    func ticked(_ fake: FakeEngine) async throws -> [NightlyRunRecord] {
        try await fake.engine.nightlyScheduler.tick()
        for _ in 0..<5_000 {
            let runs = try await fake.store.nightlyRuns(train: nil, limit: 50)
            if runs.allSatisfy({ $0.state != .running }) { return runs }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw FleetError("a nightly run did not finish")
    }

    @Test func runsWhenDueCatchesUpOnceAndNeverTwice() async throws {
        let clock = ManualClock(start: Self.noon)
        let fake = try FakeEngine(config: NightlyControllerTests.config(), clock: clock)
        try await fake.run(services: [fake.engine.nightlyController]) {
            _ = try await fake.engine.trains.create(id: "2026.48", captain: "alice", services: ["payin": "2026.48.1"], actor: "alice")
            _ = try await fake.engine.trains.advance(id: "2026.48", actor: "alice")  // planned → development
            #expect(try await ticked(fake).isEmpty)  // first start: nothing before now is missed
            clock.advance(by: 13 * 3600 + 30)  // 2026-12-01 02:00:30 in Paris
            var runs = try await ticked(fake)
            #expect(runs.count == 1 && runs.first?.trigger == .scheduled(Self.noon.addingTimeInterval(13 * 3600)) && runs.first?.train == "2026.48")
            #expect(try await ticked(fake).count == 1)  // the same slot again: nothing
            // Down for three days: the newest missed slot runs once, the two before it are said skipped.
            clock.advance(by: 3 * 86_400 + 600)
            runs = try await ticked(fake)
            #expect(runs.count == 2 && runs.first?.trigger == .scheduled(Self.noon.addingTimeInterval(13 * 3600 + 3 * 86_400)))
            let said = try await fake.store.events(subject: "2026.48", limit: 100).filter { $0.kind == "nightly.scheduled" }
            #expect(said.last?.reason?.contains("missed while Railyard was down, not run") == true, "\(said.map { $0.reason ?? "" })")
            #expect(said.last?.reason?.contains("2026-12-02T01:00:00Z, 2026-12-03T01:00:00Z") == true, "\(said.last?.reason ?? "")")
            #expect(try await ticked(fake).count == 2)
        }
    }
}
