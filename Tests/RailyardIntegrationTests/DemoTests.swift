import Foundation
import Testing

/// `railyard demo` end to end, as the README's first command runs it.
@Suite(.serialized) struct DemoTests {
    @Test func demoReleasesTrain2026_48AndItsHotfixRollsBackTheFaultyVersionAndLeavesNothingRunning() throws {
        let folder = try RailyardBinary.temporaryFolder("demo")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: RailyardBinary.path)
        process.arguments = ["demo", "--output", "json", "--dir", folder + "/work"]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // A demo that hangs must fail this test, not the whole run: it promises to end in three minutes.
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 240, execute: watchdog)
        defer { watchdog.cancel() }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "demo failed: \(errorText)")

        let summary = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "not JSON: \(String(decoding: data, as: UTF8.self))")
        let rollouts = try #require(summary["rollouts"] as? [[String: Any]])
        let played = rollouts.map { "\($0["service"] as? String ?? "?") \($0["version"] as? String ?? "?") \($0["outcome"] as? String ?? "?")" }
        // Train 2026.48 providers first (fx, wallet, payin), its hotfix, then the faulty v3.
        #expect(played == ["fx v2 promoted", "wallet v2 promoted", "payin v2 promoted", "payin v2.1 promoted", "payin v3 rolled_back"],
                "\(played); reasons: \(rollouts.map { $0["reason"] as? String ?? "-" })")
        #expect((rollouts.last?["reason"] as? String ?? "").contains("analysis failed: error-rate"), "the analysis rolled it back, and says why with its numbers")
        let trains = try #require(summary["trains"] as? [[String: Any]])
        #expect(trains.map { "\($0["id"] as? String ?? "?") \($0["kind"] as? String ?? "?") \($0["state"] as? String ?? "?")" }
                == ["2026.48 regular done", "2026.48-hotfix.1 hotfix done"])
        #expect(trains.first?["services"] as? [String] == ["fx", "payin", "wallet"] && trains.allSatisfy { $0["production_at"] is String })
        let figures = try #require(summary["figures"] as? [String: Any])
        let seed = try #require(figures["seed"] as? [String: Any]), dora = try #require(figures["dora"] as? [String: Any])
        // The simulated days: 4 days in testing (a rejected ticket, its fix, the 2-day soak).
        #expect(abs((seed["validation_days_per_train"] as? Double ?? 0) - 4) < 0.01, "\(seed)")
        #expect(seed["non_regression_runs_per_day"] == nil, "not measured, never guessed")
        #expect(dora["deployments"] as? Int == 2 && dora["change_failure_rate"] as? Double == 0.5, "the hotfix counts 2026.48 as failed: \(dora)")
        #expect(FileManager.default.fileExists(atPath: folder + "/work/change-record-2026.48.md"))
        #expect(RailyardBinary.processes(mentioning: folder).isEmpty, "the demo left processes running")
    }
}
