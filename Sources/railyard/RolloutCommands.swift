import ArgumentParser
import Foundation
import RailyardAPI
import RailyardAdapters
import RailyardCore

struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Roll out VERSION of SERVICE through the deployment process of railyard.yml.",
        discussion: """
            Refused, with the reason, while another rollout of the same service is in flight. Once the rollout \
            has started, measures the service's traffic through each target's router for --traffic-window \
            seconds and warns when an analysis step cannot decide within its max_duration and max_extension \
            at that traffic (as `railyard analysis plan` predicts); the rollout goes on either way.

            Before anything starts, the service's latency buckets (as its stable version fills them today) are \
            checked against the analysis steps' latency metrics: a metric that could never pass on them is a \
            config error, and nothing is deployed (exit 1; --traffic-window 0 skips both checks).
            """)
    @OptionGroup var options: ClientOptions
    @Argument(help: "A service of railyard.yml.") var service: String
    @Argument(help: "The version to roll out.") var version: String
    @Flag(help: "Follow the rollout until it ends (exit 2 if it is rolled back).") var watch = false
    @Option(help: "The config file whose analysis steps are checked against today's traffic.") var config: String = Defaults.configPath
    @Option(help: "Seconds of live traffic measured for that check (0 skips it).") var trafficWindow: Double = 10

    func validate() throws {
        guard trafficWindow >= 0 else { throw ValidationError("--traffic-window must be a number of seconds, 0 to skip the check") }
    }

    func run() async throws {
        let check = TrafficCheck(services: [service], config: config, window: trafficWindow)
        if trafficWindow > 0, let loaded = try? ConfigFile.load(path: config) {
            let layout = await check.layout(try options.client, loaded: loaded)
            if layout.errors > 0 {
                let say = { (line: String) in options.output == .json ? FileHandle.standardError.write(Data((line + "\n").utf8)) : print(line) }
                layout.lines.forEach(say)
                say("not deployed: \(layout.errors) latency metric\(layout.errors == 1 ? "" : "s") of \(config) could never pass on \(service)'s "
                    + "buckets; fix the config or the buckets (--traffic-window 0 skips the check)")
                throw ExitStatus.refused
            }
        }
        let view = try await clientCall { try await options.client.deploy(service: service, version: version) }
        if options.output == .json && !watch {
            try printJSON(view)
            if trafficWindow > 0 { for line in await check.run(try options.client) { FileHandle.standardError.write(Data((line + "\n").utf8)) } }
            return
        }
        print("rollout \(view.id) started: \(view.service) \(view.version)")
        if trafficWindow > 0 { for line in await check.run(try options.client) { print(line) } }
        if watch { try await RolloutWatcher(client: try await clientCall { try options.client }, output: options.output).follow(view.id) }
    }
}

struct RolloutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout", abstract: "List, inspect, follow, approve or abort rollouts.",
        subcommands: [List.self, Get.self, Watch.self, Approve.self, Abort.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recent rollouts, newest first.")
        @OptionGroup var options: ClientOptions
        func run() async throws {
            let views = try await clientCall { try await options.client.rollouts() }
            if options.output == .json { try printJSON(views); return }
            if views.isEmpty { print("no rollouts yet"); return }
            for view in views { print(RolloutText.line(view)) }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One rollout: phase, step, weights per target, rollback plan.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Rollout id.") var id: String
        func run() async throws {
            let view = try await clientCall { try await options.client.rollout(id) }
            if options.output == .json { try printJSON(view); return }
            print(RolloutText.detail(view))
        }
    }

    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Follow a rollout live until it ends (exit 2 if it is rolled back).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Rollout id.") var id: String
        func run() async throws { try await RolloutWatcher(client: try await clientCall { try options.client }, output: options.output).follow(id) }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let a rollout that waits for a person go on.",
            discussion: """
                A rollout waits for a person (phase awaiting_approval, its reason in `rollout show`) at a `pause: approval` step, \
                after an analysis that could not decide by its deadline, or at a promote whose late watch held an alarm on \
                one canary instance (a slow host, not the version; the watch goes on while it waits). Approving lets it go on \
                (in production, four eyes: not the person who deployed it); `rollout abort` rolls it back instead.
                """)
        @OptionGroup var options: ClientOptions
        @Argument(help: "Rollout id.") var id: String
        func run() async throws {
            let view = try await clientCall { try await options.client.approve(id) }
            if options.output == .json { try printJSON(view) } else { print("approved: " + RolloutText.line(view)) }
        }
    }

    struct Abort: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Roll a rollout back now: traffic to stable first, then new instances stopped, then rollback scripts in reverse.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Rollout id.") var id: String
        @Option(help: "Why; recorded in the audit log.") var reason: String = "aborted from the command line"
        func run() async throws {
            let view = try await clientCall { try await options.client.abort(id, reason: reason) }
            if options.output == .json { try printJSON(view) } else { print("rolling back: " + RolloutText.line(view)) }
        }
    }
}

/// Follows a rollout on the server's event stream: prints each new audit event, the rollout's progress
/// as it changes and each look of a running analysis. No polling: the server pushes every change.
struct RolloutWatcher {
    let client: RailyardClient
    let output: OutputFormat

    func follow(_ id: String) async throws {
        var seen = Set<Int64>()
        var last: API.RolloutView?
        var lastLook = -1.0
        let changes = client.changes(of: id)
        do {
            for try await view in changes {
                let events = try await client.history(subject: id, limit: 500)
                for event in events where !seen.contains(event.id ?? -1) {
                    seen.insert(event.id ?? -1)
                    if output == .text { print(EventLine.render(event)) }
                }
                if output == .text, view.phase != last?.phase || view.step != last?.step {
                    print("  ▸ " + RolloutText.progress(view))
                }
                if output == .text, let live = view.analysis, live.look.elapsed != lastLook {
                    lastLook = live.look.elapsed
                    print("  ◆ " + AnalysisText.liveLine(live))
                }
                last = view
                if view.phase.isTerminal { break }
            }
        } catch let failure as RailyardClient.Failure {
            _ = try await clientCall { () async throws -> Void in throw failure }
        }
        // The stream ends with the rollout; a server that went away mid-watch ends it early.
        guard let final = last, final.phase.isTerminal else {
            _ = try await clientCall { () async throws -> Void in
                throw RailyardClient.Failure(status: 0, message: "the event stream of \(id) ended before the rollout did")
            }
            return
        }
        if output == .json { try printJSON(final) }
        if final.phase == .rolledBack { throw ExitStatus.rolledBack }
    }
}
