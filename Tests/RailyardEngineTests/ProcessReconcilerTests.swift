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
        try await restarted.engine.prepare()
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

    /// A crash between storing a new instance and launching it leaves a `starting` record with no
    /// process: the deploy step runs again, while a serving instance that died means a rollback.
    @Test(arguments: [InstanceRecord.State.starting, .running])
    func aNewInstanceGoneAfterACrashRollsBackOnlyIfItWasServing(state: InstanceRecord.State) async throws {
        let config = try FakeEngine.config(waves: "    - name: canary\n      target: dc1\n      steps: [deploy, promote]")
        let first = FakeEngine(config: config)
        try await first.run { try await first.engine.operations.up(actor: "test") }
        // A rollout stopped inside its deploy step, as the store would have it after a SIGKILL.
        let machine = RolloutMachine(config: config)
        let created = RolloutRecord(id: "payin-v2-0001", service: "payin", version: "v2", createdBy: "test", at: first.clock.now())
        let deploying = try machine.apply(.stepStarted(.deploy(target: "dc1", stableVersion: "v1")), to: created, at: first.clock.now())
        try await first.store.save(deploying, events: [])
        var launched: Int32?
        if state == .running {
            launched = try await first.driver.launch(LaunchSpec(arguments: ["payin", "--version", "v2"], logPath: "")).pid
            first.driver.kill(launched!)
        }
        try await first.store.save(InstanceRecord(id: "payin-v2-dc1-9", service: "payin", version: "v2", target: "dc1", port: 9, pid: launched,
                                                  pidStart: launched.map { "t\($0)" }, logPath: "", state: state, rolloutID: deploying.id,
                                                  startedAt: first.clock.now()))

        let restarted = FakeEngine(config: config, store: first.store, driver: first.driver, routers: first.routers, clock: first.clock)
        try await restarted.run {
            let ended = try await restarted.settle(deploying.id)
            if state == .starting {
                #expect(ended.phase == .promoted, "\(ended.phase.rawValue): \(ended.reason ?? "")")
            } else {
                #expect(ended.phase == .rolledBack && ended.reason?.contains("died while Railyard was down") == true, "\(ended.reason ?? "")")
            }
        }
    }
}
