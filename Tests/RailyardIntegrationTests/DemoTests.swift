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
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "demo failed: \(errorText)")

        let summary = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "not JSON: \(String(decoding: data, as: UTF8.self))")
        let rollouts = try #require(summary["rollouts"] as? [[String: Any]])
        #expect(rollouts.count == 2)
        #expect(rollouts.first?["version"] as? String == "v2")
        #expect(rollouts.first?["outcome"] as? String == "promoted")
        #expect(rollouts.last?["version"] as? String == "v3")
        #expect(rollouts.last?["outcome"] as? String == "rolled_back")
        #expect((rollouts.last?["reason"] as? String ?? "").contains("canary v3"), "the rollback says why, with the canary's numbers")
        #expect(RailyardBinary.processes(mentioning: folder).isEmpty, "the demo left processes running")
    }
}
