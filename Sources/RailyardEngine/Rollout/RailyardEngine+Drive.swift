import AsyncHTTPClient
import Foundation
import RailyardAdapters
import RailyardCore

extension RailyardEngine {
    static let actor = "railyard"

    /// Runs the rollout's next actions until it ends, waits for a person, or is cancelled (abort, shutdown).
    func drive(_ id: String) async {
        do {
            while !Task.isCancelled {
                let record = try await existing(id)
                switch machine.nextAction(for: record) {
                case .none:
                    drivers[id] = nil
                    return
                case .runStep(let step, let wave, let resuming):
                    if resuming {
                        try await fleet.audit(actor: Self.actor, kind: "rollout.step_resumed", subject: id,
                                              message: "re-running '\(step)' of wave '\(wave.name)' after a restart (steps are idempotent)")
                    }
                    do {
                        try await run(step, wave: wave, record: record)
                    } catch let failure as StepFailure {
                        try Task.checkCancellation()
                        let current = try await existing(id)
                        try await transition(current, .stepFailed(reason: failure.reason), actor: Self.actor,
                                             message: "'\(step)' of wave '\(wave.name)' failed: rolling back", reason: failure.reason)
                    }
                case .waitUntil(let deadline):
                    try await clock.sleep(until: deadline)
                    try await transition(record, .pauseElapsed, actor: Self.actor, message: "pause of wave '\(machine.wave(of: record).name)' elapsed")
                case .waitForApproval:
                    let (signal, continuation) = AsyncStream<Void>.makeStream()
                    approvalSignals[id] = continuation
                    // The approval may have landed between reading the record and registering the signal.
                    if try await existing(id).phase != .awaitingApproval { approvalSignals[id] = nil; continue }
                    for await _ in signal { break }
                case .rollback(let action):
                    try await rollback(action, record: record)
                case .retireOldVersion:
                    try await retire(record)
                }
            }
        } catch is CancellationError {
            return
        } catch {
            try? await fleet.audit(actor: Self.actor, kind: "rollout.stalled", subject: id,
                                   message: "the controller stopped on an unexpected error; the rollout stays as stored until it is resumed or aborted",
                                   reason: "\(error)")
        }
        if drivers[id] != nil, !Task.isCancelled { drivers[id] = nil }
    }

    // MARK: Steps

    func run(_ step: StepSpec, wave: WaveSpec, record start: RolloutRecord) async throws {
        var record = start
        let service = record.service, version = record.version
        guard let spec = config.service(named: service) else { throw StepFailure("service \(service) is no longer in railyard.yml") }
        let target = wave.target ?? ""
        switch step {
        case .scripts:
            if !record.stepStarted { record = try await transition(record, .stepStarted(.none), actor: Self.actor, message: "running pre-deployment scripts") }
            record = try await runScripts(record)
        case .deploy:
            let stable = try await stableVersion(service: service, target: target, spec: spec)
            if !record.stepStarted {
                record = try await transition(record, .stepStarted(.deploy(target: target, stableVersion: stable)), actor: Self.actor,
                                              message: "deploying \(service) \(version) in \(target) beside stable \(stable)")
            }
            do {
                try await fleet.ensureInstances(service: spec, version: version, target: target, rolloutID: record.id, actor: Self.actor)
                if wave.steps.contains(where: \.isAnalysis) {
                    // Fresh instances of the stable version, the same age as the canary, for a fair comparison.
                    try await fleet.ensureInstances(service: spec, version: stable, target: target, rolloutID: record.id, actor: Self.actor,
                                                    role: .baseline)
                }
                try await fleet.route(service: service, target: target, stable: stable, canary: version,
                                      canaryWeight: record.targets[target]?.canaryWeight ?? 0)
            } catch let error as CancellationError {
                throw error
            } catch {
                throw StepFailure("deploy of \(service) \(version) in \(target) failed: \(error)")
            }
        case .smoke:
            if !record.stepStarted { record = try await transition(record, .stepStarted(.none), actor: Self.actor, message: "smoke tests in \(target)") }
            try await smoke(spec: spec, version: version, target: target)
        case .setWeight(let weight):
            if !record.stepStarted {
                record = try await transition(record, .stepStarted(.setWeight(target: target, weight: weight)), actor: Self.actor,
                                              message: "sending \(weight)% of \(target)'s \(service) traffic to \(version)")
            }
            try await routeOrFail(record, target: target, weight: weight)
        case .pause(let duration):
            let until = clock.now().addingTimeInterval(duration.timeInterval)
            _ = try await transition(record, .pauseStarted(until: until), actor: Self.actor,
                                     message: "baking for \(DurationText.format(duration)) in wave '\(wave.name)'")
            return
        case .approval:
            _ = try await transition(record, .approvalRequested, actor: Self.actor,
                                     message: "waiting for approval in wave '\(wave.name)': `railyard rollout approve \(record.id)`")
            return
        case .analysis(let analysis):
            if !record.stepStarted {
                record = try await transition(record, .stepStarted(.none), actor: Self.actor,
                                              message: "analysing \(version) against a baseline in \(target) (\(analysis.judge.rawValue), α=\(analysis.alpha))")
            }
            if case .inconclusive(let reason) = try await runAnalysis(analysis, record: record, target: target) {
                _ = try await transition(record, .analysisInconclusive(reason: reason), actor: Self.actor,
                                         message: "analysis inconclusive: waiting for a person to approve or abort", reason: reason)
                return
            }
        case .promote:
            var stable = record.targets[target]?.stableVersion ?? ""
            if stable.isEmpty { stable = try await stableVersion(service: service, target: target, spec: spec) }
            if !record.stepStarted {
                record = try await transition(record, .stepStarted(.promote(target: target, stableVersion: stable)), actor: Self.actor,
                                              message: "promoting \(version) in \(target): all traffic to it")
            }
            try await routeOrFail(record, target: target, weight: 100)
            if try await !fleet.liveInstances(service: service, target: target, role: .baseline).isEmpty {
                try await fleet.stopInstances(service: service, version: stable, target: target, actor: Self.actor,
                                              why: "analysis over: \(version) promoted in \(target)", role: .baseline)
                try await routeOrFail(record, target: target, weight: 100)
            }
        }
        try Task.checkCancellation()
        try await transition(record, .stepCompleted, actor: Self.actor, message: "'\(step)' of wave '\(wave.name)' done")
    }

    func routeOrFail(_ record: RolloutRecord, target: String, weight: Int) async throws {
        do {
            let stable = record.targets[target]?.stableVersion ?? config.service(named: record.service)?.initialVersion ?? ""
            try await fleet.route(service: record.service, target: target, stable: stable, canary: record.version, canaryWeight: weight)
        } catch {
            throw StepFailure("could not set \(target)'s router to \(weight)% on \(record.version): \(error)")
        }
    }

    func stableVersion(service: String, target: String, spec: ServiceSpec) async throws -> String {
        try await store.stableVersions()[service]?[target] ?? spec.initialVersion
    }

    func smoke(spec: ServiceSpec, version: String, target: String) async throws {
        let instances = try await fleet.liveInstances(service: spec.name, version: version, target: target)
        guard !instances.isEmpty else { throw StepFailure("smoke: no instance of \(spec.name) \(version) runs in \(target)") }
        for instance in instances {
            for path in [spec.healthPath] + spec.smokePaths {
                let url = "http://\(instance.address)\(path)"
                do {
                    let response = try await httpClient.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
                    _ = try await response.body.collect(upTo: 1 << 20)
                    guard (200..<300).contains(response.status.code) else { throw StepFailure("smoke: GET \(url) answered \(response.status.code)") }
                } catch let failure as StepFailure {
                    throw failure
                } catch {
                    throw StepFailure("smoke: GET \(url) failed: \(error)")
                }
            }
        }
    }

    // MARK: Scripts

    func runScripts(_ start: RolloutRecord) async throws -> RolloutRecord {
        var record = start
        let applied = Dictionary(try await store.scripts().map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        var checksums: [String: String] = [:]
        for script in config.scripts {
            let path = config.resolve(path: script.apply)
            guard let data = FileManager.default.contents(atPath: path) else { throw StepFailure("script \(script.name): cannot read \(path)") }
            checksums[script.name] = SHA256.hex(data)
            // An applied script whose file changed means production no longer matches what was reviewed.
            if let previous = applied[script.name], previous.state == .applied, previous.checksum != checksums[script.name] {
                throw StepFailure("script \(script.name) changed since rollout \(previous.rolloutID) applied it " +
                                  "(recorded sha256 \(previous.checksum.prefix(12)), file now \(checksums[script.name]!.prefix(12))); refusing to go on")
            }
        }
        for script in config.scripts {
            let checksum = checksums[script.name]!
            if let previous = applied[script.name], previous.state == .applied, previous.rolloutID != record.id { continue }
            if let previous = applied[script.name], previous.state == .applied, previous.rolloutID == record.id, record.appliedScripts.contains(script.name) { continue }
            record = try await transition(record, .scriptStarted(name: script.name), actor: Self.actor, message: "applying script \(script.name)")
            try await store.save(ScriptRecord(name: script.name, checksum: checksum, state: .applying, rolloutID: record.id, at: clock.now()))
            let result = try await scripts.run(path: config.resolve(path: script.apply), environment: scriptEnvironment(record),
                                               timeout: script.timeout, logPath: paths.scriptLog(record.id))
            try Task.checkCancellation()
            guard result.succeeded else {
                try await store.save(ScriptRecord(name: script.name, checksum: checksum, state: .failed, rolloutID: record.id, at: clock.now()))
                let why = result.timedOut ? "timed out after \(DurationText.format(script.timeout))" : "exited \(result.exitCode)"
                throw StepFailure("script \(script.name) \(why): \(result.outputTail.suffix(3).joined(separator: " | "))")
            }
            try await store.save(ScriptRecord(name: script.name, checksum: checksum, state: .applied, rolloutID: record.id, at: clock.now()))
            try await fleet.audit(actor: Self.actor, kind: "script.applied", subject: record.id,
                                  message: "script \(script.name) applied (sha256 \(checksum.prefix(12)))")
        }
        return record
    }

    func scriptEnvironment(_ record: RolloutRecord) -> [String: String] {
        ["RAILYARD_ROLLOUT": record.id, "RAILYARD_SERVICE": record.service, "RAILYARD_VERSION": record.version]
    }

    // MARK: Rollback and retirement

    func rollback(_ action: RollbackAction, record: RolloutRecord) async throws {
        switch action {
        case .routeToStable(let target):
            let stable = record.targets[target]?.stableVersion ?? ""
            try await fleet.route(service: record.service, target: target, stable: stable, canary: nil, canaryWeight: 0)
        case .stopNewInstances(let target):
            let baselines = try await fleet.liveInstances(service: record.service, target: target, role: .baseline).filter { $0.rolloutID == record.id }
            for instance in try await fleet.liveInstances(service: record.service, version: record.version, target: target) + baselines {
                try await fleet.stop(instance, actor: Self.actor, why: "rollback of \(record.id)")
            }
        case .rollbackScript(let name):
            guard let script = config.scripts.first(where: { $0.name == name }) else { break }
            let result = try await scripts.run(path: config.resolve(path: script.rollback), environment: scriptEnvironment(record),
                                               timeout: script.timeout, logPath: paths.scriptLog(record.id))
            let checksum = try await store.scripts().first { $0.name == name }?.checksum ?? ""
            if result.succeeded {
                try await store.save(ScriptRecord(name: name, checksum: checksum, state: .rolledBack, rolloutID: record.id, at: clock.now()))
            } else {
                try await fleet.audit(actor: Self.actor, kind: "alert.rollback_script_failed", subject: record.id,
                                      message: "rollback script of \(name) failed (exit \(result.exitCode)): a person must check it",
                                      reason: result.outputTail.suffix(3).joined(separator: " | "))
            }
        }
        let next = try await transition(record, .rollbackActionDone, actor: Self.actor, message: "rollback: \(action)")
        if next.phase == .rolledBack {
            await alerts.raise(name: "RolloutRolledBack", summary: "\(record.service) \(record.version) rolled back (\(record.id))",
                               reason: record.reason ?? "no reason recorded",
                               labels: ["service": record.service, "version": record.version, "rollout": record.id])
        }
    }

    /// Every wave passed: the new version becomes stable where it was promoted and the old instances stop.
    func retire(_ record: RolloutRecord) async throws {
        for (target, progress) in record.targets.sorted(by: { $0.key < $1.key }) where progress.promoted {
            try await store.setStableVersion(service: record.service, target: target, version: record.version)
            try await fleet.route(service: record.service, target: target, stable: record.version, canary: nil, canaryWeight: 0)
            if progress.stableVersion != record.version {
                try await fleet.stopInstances(service: record.service, version: progress.stableVersion, target: target,
                                              actor: Self.actor, why: "\(record.version) promoted by \(record.id)", role: nil)
            }
        }
        try await transition(record, .finished, actor: Self.actor, message: "\(record.service) \(record.version) promoted everywhere")
    }
}

extension StepSpec {
    var isAnalysis: Bool {
        if case .analysis = self { return true }
        return false
    }
}
