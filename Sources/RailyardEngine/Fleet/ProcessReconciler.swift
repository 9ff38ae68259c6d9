import Foundation
import RailyardCore
import RailyardPorts

/// On start, brings every process this Railyard ever started to exactly one of two ends:
/// - adopted: alive, the same process the record names (pid and start time, or found by its mark when
///   a crash came before the pid was stored), and healthy within its start timeout;
/// - stopped: its whole process group killed, so its port is free.
/// A process whose record says `stopped` or `failed`, or that no record accounts for, is always stopped.
struct ProcessReconciler: Sendable {
    let fleet: Fleet
    let store: any RailyardStore
    let driver: any InstanceDriver
    let config: RailyardConfig

    static let actor = "railyard (restart)"

    /// What the pass did, for the audit log and the tests.
    struct Findings: Sendable, Equatable {
        var adopted: [String] = []
        var stopped: [String] = []
        /// Instances that were serving and are gone: a rollout whose new version lost one rolls back.
        var lost: [InstanceRecord] = []
    }

    func reconcile() async throws -> Findings {
        var findings = Findings()
        let owned = fleet.ownedProcesses()
        let instances = Dictionary(try await store.instances(includeStopped: true).map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        let routers = Dictionary(try await store.routers().map { (Fleet.routerLabel($0.target), $0) }, uniquingKeysWith: { $1 })
        for found in owned {
            if let instance = instances[found.label] {
                try await settle(instance, found: found.process, findings: &findings)
            } else if let router = routers[found.label] {
                try await settle(router, found: found.process, findings: &findings)
            } else {
                await driver.stop(found.process, grace: fleet.stopGrace)
                findings.stopped.append(found.label)
                try await fleet.audit(actor: Self.actor, kind: "process.stopped", subject: found.label,
                                      message: "stopped pid \(found.process.pid) (\(found.label.isEmpty ? "unlabelled" : found.label)): no record accounts for it",
                                      reason: "a process Railyard started but does not know of is a leak")
            }
        }
        // Records of processes that are not there any more.
        for var router in try await store.routers() where router.running && !fleet.isAlive(router) {
            router.running = false
            try await store.save(router)
            try await fleet.audit(actor: Self.actor, kind: "alert.router_down", subject: router.target,
                                  message: "the router of \(router.target) (pid \(router.pid ?? -1)) is not running: its traffic is down; `railyard up` starts it again")
        }
        for instance in try await store.instances(includeStopped: false) where !fleet.isAlive(instance) {
            guard instance.state == .running else {
                // Still starting when Railyard stopped (perhaps never launched): not a loss. The deploy
                // step it belonged to runs again and starts one.
                try await fleet.markGone(instance, actor: Self.actor, why: "it was still starting when Railyard stopped; its deploy step starts another")
                continue
            }
            try await fleet.markGone(instance, actor: Self.actor, why: "found dead when Railyard restarted")
            findings.lost.append(instance)
        }
        return findings
    }

    func settle(_ instance: InstanceRecord, found process: LaunchedProcess, findings: inout Findings) async throws {
        let sameProcess = instance.pid == nil || (instance.pid == process.pid && (instance.pidStart == nil || instance.pidStart == process.startTime))
        guard [.starting, .running].contains(instance.state), sameProcess, let spec = config.service(named: instance.service) else {
            await driver.stop(process, grace: fleet.stopGrace)
            findings.stopped.append(instance.id)
            try await fleet.audit(actor: Self.actor, kind: "instance.stopped", subject: instance.service,
                                  message: "stopped \(instance.service) \(instance.version) in \(instance.target) (pid \(process.pid)), found alive",
                                  reason: "its record says \(instance.state.rawValue)\(sameProcess ? "" : " for another process")")
            return
        }
        var adopted = instance
        adopted.pid = process.pid
        adopted.pidStart = process.startTime
        do {
            try await driver.waitHealthy(process, url: "http://\(instance.address)\(spec.healthPath)", timeout: spec.startTimeout,
                                         logPath: instance.logPath)
        } catch {
            await driver.stop(process, grace: fleet.stopGrace)
            adopted.state = .failed
            try await store.save(adopted)
            findings.stopped.append(instance.id)
            try await fleet.audit(actor: Self.actor, kind: "instance.stopped", subject: instance.service,
                                  message: "stopped \(instance.service) \(instance.version) in \(instance.target) (pid \(process.pid)): not healthy after the restart",
                                  reason: "\(error)")
            return
        }
        guard adopted != instance || instance.state != .running else { return }
        adopted.state = .running
        try await store.save(adopted)
        findings.adopted.append(instance.id)
        try await fleet.audit(actor: Self.actor, kind: "instance.adopted", subject: instance.service,
                              message: "\(instance.service) \(instance.version)\(instance.role == .baseline ? " (baseline)" : "") in \(instance.target) (pid \(process.pid)) was \(instance.state.rawValue) and is healthy: serving")
    }

    func settle(_ router: RouterRecord, found process: LaunchedProcess, findings: inout Findings) async throws {
        let sameProcess = router.pid == nil || (router.pid == process.pid && (router.pidStart == nil || router.pidStart == process.startTime))
        if sameProcess, router.running || router.pid == nil {
            if router.pid == nil {
                // Started just before the crash: it must answer like any router it would have started.
                do {
                    try await driver.waitHealthy(process, url: router.adminURL + "/health", timeout: .seconds(15), logPath: router.logPath)
                } catch {
                    await driver.stop(process, grace: fleet.stopGrace)
                    findings.stopped.append(Fleet.routerLabel(router.target))
                    try await fleet.audit(actor: Self.actor, kind: "router.stopped", subject: router.target,
                                          message: "stopped a router of \(router.target) (pid \(process.pid)) started before the crash: not healthy",
                                          reason: "\(error)")
                    return
                }
            }
            var adopted = router
            adopted.pid = process.pid
            adopted.pidStart = process.startTime
            adopted.running = true
            if adopted != router {
                try await store.save(adopted)
                findings.adopted.append(Fleet.routerLabel(router.target))
                try await fleet.audit(actor: Self.actor, kind: "router.adopted", subject: router.target,
                                      message: "the router of \(router.target) (pid \(process.pid)) was started before the crash: serving")
            }
            return
        }
        await driver.stop(process, grace: fleet.stopGrace)
        findings.stopped.append(Fleet.routerLabel(router.target))
        try await fleet.audit(actor: Self.actor, kind: "router.stopped", subject: router.target,
                              message: "stopped a router of \(router.target) (pid \(process.pid)) found alive", reason: "its record names another process or says stopped")
    }
}
