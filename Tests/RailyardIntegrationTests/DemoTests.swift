import Foundation
import Testing

/// `railyard demo` end to end, as the README's first command runs it.
@Suite(.serialized) struct DemoTests {
    @Test func demoPromotesTheGoodVersionRollsBackTheFaultyOneAndLeavesNothingRunning() throws {
        let folder = try RailyardBinary.temporaryFolder("demo")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: RailyardBinary.path)
        process.arguments = ["demo", "--output", "json", "--dir", folder + "/work"]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // A demo that hangs must fail this test, not the whole run: it promises to end in two minutes.
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 240, execute: watchdog)
        defer { watchdog.cancel() }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "demo failed: \(errorText)")

        let summary = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "not JSON: \(String(decoding: data, as: UTF8.self))")
        let rollouts = try #require(summary["rollouts"] as? [[String: Any]])
        #expect(rollouts.count == 2)
        #expect(rollouts.first?["version"] as? String == "v2")
        #expect(rollouts.first?["outcome"] as? String == "promoted", "v2: \(rollouts.first?["reason"] as? String ?? "no reason")")
        #expect(rollouts.last?["version"] as? String == "v3")
        #expect(rollouts.last?["outcome"] as? String == "rolled_back")
        #expect((rollouts.last?["reason"] as? String ?? "").contains("analysis failed: error-rate"), "the analysis rolled it back, and says why with its numbers")
        #expect(RailyardBinary.processes(mentioning: folder).isEmpty, "the demo left processes running")
    }
}
