import Foundation
import RailyardCore
import Testing

@Suite("Train machine: stages in order, hotfix skips with reasons, cancel, release")
struct TrainMachineTests {
    let machine = TrainMachine()
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aRegularTrainGoesThroughEveryStageInOrder() throws {
        var train = TrainRecord(id: "2026.48", captain: "carol", services: ["payin": "2026.48.1"], createdBy: "alice", at: now)
        var seen = [train.state]
        while train.state != .production {
            train = try machine.apply(.advanced(by: "carol"), to: train, at: now)
            seen.append(train.state)
        }
        #expect(seen == [.planned, .development, .nightly, .testing, .perf, .ready, .production])
        #expect(throws: TrainMachine.Refusal.self) { try machine.apply(.advanced(by: "carol"), to: train, at: now) }
        train = try machine.apply(.released(by: "railyard"), to: train, at: now)
        #expect(train.state == .done)
        #expect(throws: TrainMachine.Refusal.self) { try machine.apply(.cancelled(by: "x", reason: "late"), to: train, at: now) }
    }

    @Test func aRegularTrainCannotSkip() {
        let train = TrainRecord(id: "2026.48", captain: "carol", createdBy: "alice", at: now)
        do {
            _ = try machine.apply(.skipped(to: .production, by: "carol", reason: "in a hurry"), to: train, at: now)
            Issue.record("a regular train skipped to production")
        } catch {
            #expect(error.description.contains("one stage at a time") && error.description.contains("development is next"), "\(error)")
        }
    }

    @Test func aHotfixSkipsRecordingEachStageWithItsReason() throws {
        var hotfix = TrainRecord(id: "2026.48-hotfix.1", kind: .hotfix, captain: "carol", services: ["payin": "2026.48.2"], fixes: "2026.48",
                                 createdBy: "alice", at: now)
        hotfix = try machine.apply(.advanced(by: "carol"), to: hotfix, at: now)
        hotfix = try machine.apply(.skipped(to: .testing, by: "carol", reason: "fee rounding in pay-ins"), to: hotfix, at: now)
        #expect(hotfix.state == .testing)
        #expect(hotfix.skipped == [.init(stage: .nightly, reason: "fee rounding in pay-ins", by: "carol")])
        #expect(throws: TrainMachine.Refusal.self) { try machine.apply(.skipped(to: .ready, by: "carol", reason: " "), to: hotfix, at: now) }
        #expect(throws: TrainMachine.Refusal.self) { try machine.apply(.skipped(to: .perf, by: "carol", reason: "next one only"), to: hotfix, at: now) }
        #expect(throws: TrainMachine.Refusal.self) { try machine.apply(.skipped(to: .done, by: "carol", reason: "all of it"), to: hotfix, at: now) }
        hotfix = try machine.apply(.skipped(to: .production, by: "carol", reason: "customers blocked"), to: hotfix, at: now)
        #expect(hotfix.skipped.map(\.stage) == [.nightly, .perf, .ready])
    }

    @Test func cancellingKeepsTheReasonAndIsRefusedInProduction() throws {
        var train = TrainRecord(id: "2026.49", captain: "carol", createdBy: "alice", at: now)
        let cancelled = try machine.apply(.cancelled(by: "carol", reason: "merged into 2026.50"), to: train, at: now)
        #expect(cancelled.state == .cancelled && cancelled.reason == "merged into 2026.50")
        for _ in 0..<6 { train = try machine.apply(.advanced(by: "carol"), to: train, at: now) }
        #expect(train.state == .production)
        #expect(throws: TrainMachine.Refusal.self) { try machine.apply(.cancelled(by: "carol", reason: "no"), to: train, at: now) }
    }

    @Test func trainIDsAreSafeNames() {
        #expect(TrainRecord.isValidID("2026.48") && TrainRecord.isValidID("2026.48-hotfix.1"))
        #expect(!TrainRecord.isValidID("") && !TrainRecord.isValidID("2026 48") && !TrainRecord.isValidID("../x") && !TrainRecord.isValidID("a+b"))
    }
}
