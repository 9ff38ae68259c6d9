import Foundation
import RailyardCore
import RailyardEngine
import RailyardPorts
import Testing

/// A restart settles every process the fake driver knows of: adopted or stopped, never left.
@Suite struct ProcessReconcilerTests {
    @Test func aRestartAdoptsHealthyProcessesAndStopsEveryOther() async throws {
        let config = try FakeEngine.config(waves: "    - name: canary\n      target: dc1\n      steps: [deploy, promote]")
        let first = FakeEngine(config: config)
        try await first.run { try await first.engine.operations.up(actor: "test") }
        let running = try await first.store.instances(includeStopped: false)
        #expect(running.count == 3)

        // What a crash can leave: a record that says failed over a live process, a live process no
        // record names, and a record whose pid was never stored.
        var failed = running[0]
        failed.state = .failed
        try await first.store.save(failed)
        let stray = try await first.driver.launch(LaunchSpec(arguments: ["payin", "v9"], logPath: "", owner: FakeEngine.root, label: "payin-v9-x"))
        var pidless = running[1]
        pidless.pid = nil
        pidless.state = .starting
        try await first.store.save(pidless)
        #expect(try await first.engine.operations.status().unaccounted.map(\.pid).sorted() == [running[0].pid!, running[1].pid!, stray.pid].sorted())

        let restarted = FakeEngine(config: config, store: first.store, driver: first.driver, routers: first.routers, clock: first.clock)
        try await restarted.engine.controller.prepare()
        #expect(!first.driver.isAlive(LaunchedProcess(pid: stray.pid, startTime: stray.startTime)))
        #expect(!first.driver.isAlive(LaunchedProcess(pid: running[0].pid!, startTime: running[0].pidStart)))
        let adopted = try #require(try await first.store.instances(includeStopped: true).first { $0.id == running[1].id })
        #expect(adopted.state == .running && adopted.pid == running[1].pid)
        #expect(try await restarted.engine.operations.status().unaccounted.isEmpty)
    }

    @Test func downStopsEveryProcessWhateverItsRecordSays() async throws {
        let config = try FakeEngine.config(waves: "    - name: canary\n      target: dc1\n      steps: [deploy, promote]")
        let f = FakeEngine(config: config)
        try await f.run {
            try await f.engine.operations.up(actor: "test")
            var instance = try #require(try await f.store.instances(includeStopped: false).first)
            instance.state = .stopped   // the record lies: the process still runs
            try await f.store.save(instance)
            _ = try await f.driver.launch(LaunchSpec(arguments: ["payin", "v7"], logPath: "", owner: FakeEngine.root, label: "unknown"))
            try await f.engine.operations.down(actor: "test")
        }
        #expect(f.driver.processes(ownedBy: FakeEngine.root).isEmpty)
        #expect(f.driver.alive("payin").isEmpty && f.driver.alive("router").isEmpty)
    }
}
