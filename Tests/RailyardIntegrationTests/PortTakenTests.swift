import Foundation
import RailyardAdapters
import RailyardPorts
import Testing

/// What the fleet's retry on another port rests on (`Fleet.portAttempts`, `FleetPortTakenTests`): a real
/// service told a port that another process holds exits, and its start error says the port was taken.
@Suite struct PortTakenTests {
    @Test func aServiceWhosePortIsTakenExitsSayingSo() async throws {
        let folder = try RailyardBinary.temporaryFolder("port-taken")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let held = try FreePort.reserve()
        let driver = LocalProcessDriver()
        let log = folder + "/payin.log"
        let process = try await driver.launch(LaunchSpec(
            arguments: [RailyardBinary.path, "payments-demo", "--service", "payin", "--version", "v1", "--port", "\(held.port)"], logPath: log))
        let error = await #expect(throws: InstanceStartError.self) {
            try await driver.waitHealthy(process, url: "http://127.0.0.1:\(held.port)/health", timeout: .seconds(30), logPath: log)
        }
        #expect(error?.portTaken == true, "\(error.map { "\($0)" } ?? "no error")")
        #expect(!driver.isAlive(process))

        // A start that failed for another reason is not retried on another port.
        #expect(InstanceStartError(message: "exited", logTail: ["cannot open ledger: permission denied"]).portTaken == false)
    }
}
