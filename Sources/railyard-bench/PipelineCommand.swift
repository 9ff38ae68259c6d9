import ArgumentParser
import AsyncHTTPClient
import Dispatch
import Foundation
import RailyardAdapters
import RailyardCore
import RailyardPorts
import RailyardEngine
#if canImport(Glibc)
import Glibc
#endif

/// `railyard-bench pipeline`: what the deployment pipeline costs on this machine, with real
/// router and instance processes: the engine's overhead per step, the time from an abort to
/// all traffic on stable, and the latency the built-in router adds.
struct PipelineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Step overhead, abort→stable time, and router vs direct latency, with real processes.",
        discussion: """
            Runs two throw-away fleets (one payin instance behind one built-in router each) in a
            temporary folder, and stops everything and removes the folder at the end.

            step_overhead_ms    one wave [deploy, setWeight 10..90 (9 steps), promote], no bake; time from the
                                deploy step's completion to the 9th setWeight's completion (audit timestamps) / 9.
                                Median over runs.
            abort_to_stable_ms  a rollout waiting at `pause: approval` after `setWeight: 50`: time from calling
                                abort until the router's admin snapshot shows no canary and stable at 100%.
                                Median over runs.
            direct_*/router_*   GET /health on the instance vs through the router (/payin/health), open loop at a
                                fixed rate per URL, both schedules interleaved; nearest-rank percentiles.
            """
    )

    @Option(help: "text (a table with the goals) or json (the figures alone).") var output: BenchOutput = .text
    @Option(help: "Rollouts measured for each of step overhead and abort→stable (median reported).") var runs: Int = 5
    @Option(help: "Requests per second sent to each URL in the latency test.") var rate: Double = 200
    @Option(help: "Measured requests per URL in the latency test.") var requests: Int = 3000
    @Option(help: "Warm-up requests per URL, not counted.") var warmup: Int = 200

    static let weights = [10, 20, 30, 40, 50, 60, 70, 80, 90]

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        guard rate > 0, rate <= 5000 else { throw ValidationError("--rate must be in (0, 5000]") }
        guard requests >= 100 else { throw ValidationError("--requests must be at least 100") }
        guard warmup >= 0 else { throw ValidationError("--warmup cannot be negative") }
    }

    func run() async throws {
        let railyard = try Self.findRailyard()
        let settings = Settings(runs: runs, rate: rate, requests: requests, warmup: warmup)
        let work = Task { try await Self.measure(railyard: railyard, settings: settings) }
        let signals = Self.cancelOnSignals { work.cancel() }
        defer { signals.forEach { $0.cancel() } }
        let figures: Figures
        do {
            figures = try await work.value
        } catch is CancellationError {
            Progress.say("interrupted: everything the bench started was stopped")
            throw ExitCode(130)
        }
        switch output {
        case .json: print(figures.json)
        case .text: print(figures.table(settings: settings))
        }
    }

    // MARK: - Measurements

    struct Settings: Sendable {
        var runs: Int
        var rate: Double
        var requests: Int
        var warmup: Int
    }

    struct Figures: Sendable {
        var stepOverhead: [Double] = []
        /// Per run, the mean time from a setWeight's step_started to its step_completed.
        var stepInside: [Double] = []
        var abortToStable: [Double] = []
        var abortCallReturn: [Double] = []
        var direct: [Double] = []   // sorted
        var router: [Double] = []   // sorted
        var directFailures = 0
        var routerFailures = 0
        var sendLateP99 = 0.0
    }

    static func measure(railyard: String, settings: Settings) async throws -> Figures {
        var figures = Figures()
        let client = HTTPClient(eventLoopGroup: .singletonMultiThreadedEventLoopGroup,
                                configuration: HTTPClient.Configuration(timeout: .init(connect: .seconds(5))))
        do {
            try await measureSteps(railyard: railyard, settings: settings, into: &figures)
            try await measureAbortAndLatency(railyard: railyard, settings: settings, client: client, into: &figures)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        return figures
    }

    /// Runs `body` on a fresh fleet and tears it down whatever happens (the folder is kept on failure).
    static func withFleet<T>(railyard: String, label: String, steps: [String], _ body: (BenchFleet) async throws -> T) async throws -> T {
        Progress.say("▶ starting a fleet (\(label)): router + payin v1")
        let fleet = try await BenchFleet.start(railyard: railyard, label: label, steps: steps)
        do {
            let result = try await body(fleet)
            Progress.say("  stopping the fleet (\(label))")
            await fleet.tearDown()
            return result
        } catch {
            let interrupted = error is CancellationError
            Progress.say("  stopping the fleet (\(label))" + (interrupted ? "" : "; state and logs kept in \(fleet.folder)"))
            await fleet.tearDown(keepFolder: !interrupted)
            throw error
        }
    }

    static func measureSteps(railyard: String, settings: Settings, into figures: inout Figures) async throws {
        let steps = ["deploy"] + weights.map { "setWeight: \($0)" } + ["promote"]
        var insideSteps: [Double] = []
        figures.stepOverhead = try await withFleet(railyard: railyard, label: "steps", steps: steps) { fleet in
            var perStep: [Double] = []
            for run in 0..<settings.runs {
                let version = "v\(run + 2)"
                let record = try await fleet.engine.rollouts.deploy(service: BenchFleet.service, version: version, actor: BenchFleet.actor)
                let done = try await fleet.engine.rollouts.settle(id: record.id)
                guard done.phase == .promoted else {
                    throw BenchError("rollout \(record.id) ended \(done.phase.rawValue), not promoted: \(done.reason ?? "no reason")")
                }
                let events = try await fleet.engine.rollouts.history(subject: record.id, limit: 1000)
                    .sorted { ($0.id ?? 0, $0.at) < ($1.id ?? 0, $1.at) }
                let started = events.filter { $0.kind == "rollout.step_started" }
                let completed = events.filter { $0.kind == "rollout.step_completed" }
                // deploy, 9 × setWeight, promote
                guard completed.count == weights.count + 2, started.count == weights.count + 2 else {
                    throw BenchError("rollout \(record.id): expected \(weights.count + 2) steps started and completed in the audit log, "
                                     + "found \(started.count) and \(completed.count)")
                }
                let span = completed[weights.count].at.timeIntervalSince(completed[0].at) * 1000
                let ms = span / Double(weights.count)
                // Inside a setWeight step: from its step_started to its step_completed (store the start, apply on the router).
                let inside = (1...weights.count).map { completed[$0].at.timeIntervalSince(started[$0].at) * 1000 }.reduce(0, +)
                    / Double(weights.count)
                insideSteps.append(inside)
                let snapshot = try await fleet.router().snapshot()
                let groups = snapshot.services[BenchFleet.service] ?? []
                guard groups.count == 1, groups[0].version == version, groups[0].weight == 100 else {
                    throw BenchError("after promoting \(version) the router shows \(groups.map { "\($0.name) \($0.version) \($0.weight)%" })")
                }
                perStep.append(ms)
                Progress.say("  run \(run + 1)/\(settings.runs): \(version) promoted, \(weights.count) setWeight steps in "
                             + String(format: "%.1f ms → %.2f ms/step (%.2f ms from step_started to step_completed)", span, ms, inside))
            }
            return perStep
        }
        figures.stepInside = insideSteps
    }

    static func measureAbortAndLatency(railyard: String, settings: Settings, client: HTTPClient, into figures: inout Figures) async throws {
        let steps = ["deploy", "setWeight: 50", "pause: approval", "promote"]
        figures = try await withFleet(railyard: railyard, label: "abort", steps: steps) { [figures] fleet in
            var figures = figures
            let routerRecord = try await fleet.routerRecord()
            let admin = BuiltInRouter(adminURL: routerRecord.adminURL, httpClient: client)
            let clock = ContinuousClock()
            for run in 0..<settings.runs {
                let version = "v\(run + 2)"
                let record = try await fleet.engine.rollouts.deploy(service: BenchFleet.service, version: version, actor: BenchFleet.actor)
                _ = try await fleet.waitFor(record.id, what: "awaiting approval") { $0.phase == .awaitingApproval }
                let before = try await admin.snapshot().services[BenchFleet.service] ?? []
                guard before.first(where: { $0.name == "canary" })?.weight == 50 else {
                    throw BenchError("rollout \(record.id) awaits approval but the router shows \(before.map { "\($0.name) \($0.weight)%" })")
                }
                let start = clock.now
                let abort = Task { () async throws -> Duration in
                    _ = try await fleet.engine.rollouts.abort(id: record.id, actor: BenchFleet.actor, reason: "railyard-bench: abort→stable timing")
                    return clock.now - start
                }
                var stableAt: Duration?
                while stableAt == nil {
                    let groups = (try await admin.snapshot()).services[BenchFleet.service] ?? []
                    if Self.allStable(groups) {
                        stableAt = clock.now - start
                    } else if clock.now - start > .seconds(30) {
                        abort.cancel()
                        throw BenchError("30 s after aborting \(record.id) the router still shows \(groups.map { "\($0.name) \($0.weight)%" })")
                    } else {
                        try await Task.sleep(for: .microseconds(500))
                    }
                }
                let returned = try await abort.value
                let ended = try await fleet.engine.rollouts.settle(id: record.id)
                guard ended.phase == .rolledBack else {
                    throw BenchError("rollout \(record.id) ended \(ended.phase.rawValue) after abort, not rolled_back")
                }
                figures.abortToStable.append(stableAt!.milliseconds)
                figures.abortCallReturn.append(returned.milliseconds)
                Progress.say("  run \(run + 1)/\(settings.runs): \(version) at 50%, aborted → stable 100% on the router after "
                             + String(format: "%.1f ms (abort() returned after %.1f ms)", stableAt!.milliseconds, returned.milliseconds))
            }

            guard let instance = try await fleet.engine.fleet.liveInstances(service: BenchFleet.service, version: "v1", target: BenchFleet.target).first else {
                throw BenchError("no live payin v1 instance left for the latency test")
            }
            let direct = "http://\(instance.address)/health"
            let routed = "\(routerRecord.trafficURL)/\(BenchFleet.service)/health"
            let seconds = Double(settings.warmup + settings.requests) / settings.rate
            Progress.say("▶ latency: GET \(direct) vs \(routed), \(Int(settings.rate)) req/s each, "
                         + "\(settings.requests) (+\(settings.warmup) warm-up) each, ~\(Int(seconds.rounded())) s")
            let probe = LatencyProbe(urls: [direct, routed], rate: settings.rate, count: settings.requests, warmup: settings.warmup)
            let result = await probe.run(client: client, label: "latency")
            try Task.checkCancellation()
            figures.direct = result.samples[0].sorted()
            figures.router = result.samples[1].sorted()
            figures.directFailures = result.failures[0]
            figures.routerFailures = result.failures[1]
            figures.sendLateP99 = result.sendLateP99
            guard !figures.direct.isEmpty, !figures.router.isEmpty else {
                throw BenchError("the latency test got no successful answer (direct failures \(result.failures[0]), router failures \(result.failures[1]))")
            }
            return figures
        }
    }

    /// No canary taking traffic, and stable at 100%.
    static func allStable(_ groups: [GroupStats]) -> Bool {
        !groups.contains { $0.name == "canary" && $0.weight > 0 } && groups.first { $0.name == "stable" }?.weight == 100
    }

    // MARK: - Environment

    /// The `railyard` binary built next to this one (`.build/release/railyard`).
    static func findRailyard() throws -> String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let folder = URL(fileURLWithPath: me).deletingLastPathComponent().path
        let railyard = folder + "/railyard"
        guard FileManager.default.isExecutableFile(atPath: railyard) else {
            throw BenchError("""
                no railyard binary at \(railyard): the bench starts routers and instances with it.
                Build it first, in the same configuration as the bench:  swift build -c release --product railyard
                """)
        }
        return railyard
    }

    /// Ctrl-C and SIGTERM cancel the measurement, which then stops what it started.
    static func cancelOnSignals(_ cancel: @escaping @Sendable () -> Void) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                Progress.say("signal \(number): stopping the fleet…")
                cancel()
            }
            source.resume()
            return source
        }
    }
}
