import Foundation
import RailyardAdapters
import RailyardCore
import RailyardEngine
import RailyardPorts
import RailyardServer
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A restart leaves nothing behind: every process Railyard ever started is adopted (alive, the same
/// process, healthy) or stopped, whatever the store said of it. Checked on the live processes.
@Suite(.serialized) struct RestartReconcileTests {
    static let waves = "    - name: canary\n      target: dc1\n      steps: [deploy, promote]"

    @Test func aRestartStopsAliveProcessesMarkedFailedAndUnknownOnesAndAdoptsHealthyOnes() async throws {
        try await EngineHarness.run("restart", waves: Self.waves) { harness in
            let engine = harness.engine
            let serving = try await engine.fleet.liveInstances(service: "payin", target: "dc1")
            #expect(serving.count == 1)
            let healthy = try #require(serving.first)
            let staging = try #require(try await engine.fleet.liveInstances(service: "payin", target: "staging").first)

            // The leak this guards against: a record that says failed while its process still runs.
            var failed = staging
            failed.state = .failed
            try await engine.store.save(failed)
            // A process started with this Railyard's mark that no record names (killed before its record was written).
            let stray = try await engine.ports.driver.launch(LaunchSpec(arguments: ["/bin/sleep", "600"], logPath: harness.folder + "/stray.log",
                                                                        owner: engine.ports.paths.root, label: "payin-v9-dc1-1"))
            // A record killed between spawn and storing its pid: `starting`, no pid, process alive and healthy.
            var pidless = healthy
            pidless.pid = nil
            pidless.pidStart = nil
            pidless.state = .starting
            try await engine.store.save(pidless)

            let status = try await engine.operations.status()
            #expect(status.unaccounted.map(\.pid).contains(stray.pid), "status lists the process nobody accounts for: \(status.unaccounted)")
            #expect(status.unaccounted.map(\.pid).contains(staging.pid!), "and the one whose record says failed")

            // A second engine on the same state folder: what `railyard serve` does on start.
            let restarted = try await Composition.engine(config: engine.config, paths: engine.ports.paths,
                                                         routerCommand: [RailyardBinary.path, "router"], clock: harness.clock)
            do {
                try await check(restarted, stray: stray.pid, failed: staging.pid!, healthy: healthy)
            } catch {
                try? await restarted.store.close()
                throw error
            }
            try await restarted.store.close()
        }
    }

    func check(_ restarted: RailyardEngine, stray: Int32, failed: Int32, healthy: InstanceRecord) async throws {
        try await restarted.prepare()
        #expect(!alive(stray), "the unknown process is stopped")
        #expect(!alive(failed), "the process whose record says failed is stopped")
        #expect(alive(healthy.pid!), "the healthy instance is adopted, not stopped")
        let adopted = try #require(try await restarted.store.instances(includeStopped: true).first { $0.id == healthy.id })
        #expect(adopted.state == .running && adopted.pid == healthy.pid, "adopted with its pid: \(adopted)")
        let kinds = try await restarted.store.events(subject: nil, limit: 500).map(\.kind)
        #expect(kinds.contains("process.stopped") && kinds.contains("instance.stopped") && kinds.contains("instance.adopted"))
        #expect(try await restarted.operations.status().unaccounted.isEmpty)
    }

    func alive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].dropFirst().prefix(1)
        return state != "Z" && state != "X"
    }
}
