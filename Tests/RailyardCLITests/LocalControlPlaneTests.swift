import Foundation
import RailyardAdapters
import Testing

@testable import railyard

/// The server the CLI starts for itself (`demo`, `down` without a server), on a real `railyard serve`.
@Suite struct LocalControlPlaneTests {
    /// The built `railyard`, beside this test bundle.
    static var executable: String {
        let folder = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
            .deletingLastPathComponent()
        let candidates = [folder.appendingPathComponent("railyard").path, folder.deletingLastPathComponent().appendingPathComponent("railyard").path]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    @Test func aPortTakenBeforeTheServerBindsItIsLeftForAnother() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("railyard-local-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let config = try DemoFleet.write(into: folder, executable: Self.executable)
        // Free when it was picked, taken before the server could bind it: what another program on the machine may do.
        let taken = try FreePort.reserve()
        var offered: [Int] = []
        let local = try await LocalControlPlane(config: config, stateDirectory: folder + "/state", log: folder + "/serve.log",
                                                executable: Self.executable) {
            let port = offered.isEmpty ? taken.port : try FreePort.next()
            offered.append(port)
            return port
        }
        #expect(offered.count == 2 && offered[0] == taken.port)
        #expect(local.url == "http://127.0.0.1:\(offered[1])")
        #expect(local.process.isRunning)
        _ = try await local.client.health()
        let log = try String(contentsOfFile: folder + "/serve.log", encoding: .utf8)
        #expect(log.contains("Address already in use"), "the first try met the taken port: \(log.suffix(400))")
        try await local.client.down()
        await local.waitForExit()
        #expect(!local.process.isRunning)
    }
}
