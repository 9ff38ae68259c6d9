import Foundation
import RailyardCore
import RailyardPorts
import ServiceLifecycle

/// Evaluates the alert rules of railyard.yml on live metrics at every interval of the injected
/// clock, and raises Railyard's own alerts (a rollback, a rollout that waits for a person). Each change — firing, resolved — is written
/// to the audit log and sent once to every notifier, to all at once; a notifier that fails is logged,
/// never retried in a loop. A notifier with a `resendInterval` (Alertmanager) also gets each still-firing rule alert
/// again at that interval, so the receiver does not time it out while it still holds.
/// It runs as a service of the server's ServiceGroup and ends on graceful shutdown.
public actor AlertEvaluator: Service {
    let spec: AlertsSpec
    let fleet: Fleet
    let store: any RailyardStore
    let metrics: any MetricSource
    let extractor: CountersExtractor
    let notifiers: [any Notifier]
    let clock: any WallClock
    var trackers: [String: AlertTracker]
    var lastReadings: [String: (at: Date, counters: GroupCounters)] = [:]
    /// Rule alerts firing now, with when each notifier that wants repeats last got them.
    var firing: [String: (alert: Alert, lastSent: [Int: Date])] = [:]
    /// Notifiers (by index) whose last re-send failed: the failure is logged once per streak, not every interval.
    var resendFailing: Set<Int> = []

    public init(spec: AlertsSpec, fleet: Fleet, store: any RailyardStore, metrics: any MetricSource, extractor: CountersExtractor,
                notifiers: [any Notifier], clock: any WallClock) {
        self.spec = spec
        self.fleet = fleet
        self.store = store
        self.metrics = metrics
        self.extractor = extractor
        self.notifiers = notifiers
        self.clock = clock
        self.trackers = Dictionary(spec.rules.map { ($0.name, AlertTracker(rule: $0)) }, uniquingKeysWith: { first, _ in first })
    }

    /// Evaluates every interval until graceful shutdown (or cancellation).
    public func run() async throws {
        guard !spec.rules.isEmpty else {
            // Nothing to evaluate; a service that returns early would end the whole group.
            try? await gracefulShutdown()
            return
        }
        var next = clock.now()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await evaluate()
            next = next.addingTimeInterval(spec.interval.timeInterval)
            let clock = self.clock, deadline = next
            do { try await cancelWhenGracefulShutdown { try await clock.sleep(until: deadline) } } catch { return }
        }
    }

    /// One round over every rule.
    public func evaluate() async {
        for rule in spec.rules {
            let now = clock.now()
            guard let counters = try? await read(rule) else { continue }
            defer { lastReadings[rule.name] = (now, counters) }
            guard let previous = lastReadings[rule.name] else { continue }
            let seconds = now.timeIntervalSince(previous.at)
            let value = rule.value(over: counters.since(previous.counters), seconds: seconds)
            guard var tracker = trackers[rule.name] else { continue }
            let change = tracker.observe(value, at: now)
            trackers[rule.name] = tracker
            switch change {
            case .fired(let value, let since)?:
                let alert = Alert(name: rule.name, severity: rule.severity,
                                  summary: "\(rule.service) in \(rule.target): \(rule.expression) for \(DurationText.format(rule.holdFor))",
                                  reason: "\(rule.measure.rawValue) is \(format(value)) (threshold \(rule.comparison.rawValue) \(format(rule.threshold)))",
                                  labels: ["service": rule.service, "target": rule.target], startsAt: since)
                firing[rule.name] = (alert, Dictionary(uniqueKeysWithValues: notifiers.indices.map { ($0, now) }))
                await announce(alert, state: .firing)
            case .resolved(let value)?:
                firing[rule.name] = nil
                let alert = Alert(name: rule.name, severity: rule.severity, summary: "\(rule.service) in \(rule.target): \(rule.expression) no longer holds",
                                  reason: "\(rule.measure.rawValue) is \(value.map(format) ?? "unmeasured (no traffic)")",
                                  labels: ["service": rule.service, "target": rule.target], startsAt: now, endsAt: now)
                await announce(alert, state: .resolved)
            case nil:
                break
            }
        }
        await resendFiring(now: clock.now())
    }

    /// Sends each firing alert again to the notifiers whose `resendInterval` has passed since they last
    /// got it. Not a change of state, so not written to the audit log.
    func resendFiring(now: Date) async {
        for name in firing.keys.sorted() {
            // Re-read after each await: an alert resolved while a send was in flight is not brought back.
            guard let entry = firing[name] else { continue }
            let due = notifiers.indices.filter { index in
                guard let interval = notifiers[index].resendInterval, let last = entry.lastSent[index] else { return false }
                return now.timeIntervalSince(last) >= interval.timeInterval
            }
            guard !due.isEmpty else { continue }
            for index in due { firing[name]?.lastSent[index] = now }
            let failures = await sendAll(entry.alert, state: .firing, to: due)
            for index in due {
                guard let error = failures[index] else { resendFailing.remove(index); continue }
                guard resendFailing.insert(index).inserted else { continue }
                try? await store.append(AuditEvent(at: now, actor: "railyard", kind: "alert.notify_failed", subject: name,
                                                   message: "could not re-send \(name) (firing); further failures of this notifier are not logged until it answers again",
                                                   reason: "\(error)"))
            }
        }
    }

    /// Railyard's own alerts, e.g. a rollback with the verdict's reason (`page`), a rollout waiting for a person (`warning`).
    public func raise(name: String, severity: String = "page", summary: String, reason: String, labels: [String: String]) async {
        await announce(Alert(name: name, severity: severity, summary: summary, reason: reason, labels: labels, startsAt: clock.now()), state: .firing)
    }

    /// One of Railyard's own alerts ended (a wait answered): sent resolved, with the labels it fired with.
    public func resolve(name: String, severity: String, summary: String, reason: String, labels: [String: String]) async {
        await announce(Alert(name: name, severity: severity, summary: summary, reason: reason, labels: labels, startsAt: clock.now()), state: .resolved)
    }

    public func state(of rule: String) -> AlertTracker.State? { trackers[rule]?.state }

    func read(_ rule: AlertRule) async throws -> GroupCounters {
        guard let service = fleet.config.service(named: rule.service) else { return .zero }
        let instances = try await fleet.liveInstances(service: rule.service, target: rule.target).map(\.address)
        guard !instances.isEmpty else { return .zero }
        return try await metrics.read(instances: instances, metricsPath: service.metricsPath, extractor: extractor.ignoringProbes(of: service))
    }

    func announce(_ alert: Alert, state: AlertState) async {
        try? await store.append(AuditEvent(at: clock.now(), actor: "railyard", kind: "alert.\(state.rawValue)", subject: alert.labels["rollout"] ?? alert.labels["service"] ?? alert.name,
                                           message: "\(alert.name) \(state.rawValue): \(alert.summary)", reason: alert.reason))
        let failures = await sendAll(alert, state: state, to: Array(notifiers.indices))
        for index in failures.keys.sorted() {
            try? await store.append(AuditEvent(at: clock.now(), actor: "railyard", kind: "alert.notify_failed", subject: alert.name,
                                               message: "could not notify \(alert.name) (\(state.rawValue))", reason: "\(failures[index].map { "\($0)" } ?? "")"))
        }
    }

    /// Sends to the notifiers at `indices` all at once, so a slow or unreachable one (which may hold its
    /// whole timeout) does not hold up the others. Returns the failures by notifier index.
    func sendAll(_ alert: Alert, state: AlertState, to indices: [Int]) async -> [Int: any Error] {
        await withTaskGroup(of: (Int, (any Error)?).self) { group in
            for index in indices {
                let notifier = notifiers[index]
                group.addTask {
                    do {
                        try await notifier.send([alert], state: state)
                        return (index, nil)
                    } catch {
                        return (index, error)
                    }
                }
            }
            var failures: [Int: any Error] = [:]
            for await (index, error) in group { failures[index] = error }
            return failures
        }
    }

    func format(_ value: Double) -> String { String(format: "%.4g", value) }
}
