import ArgumentParser
import Foundation
import RailyardAPI
import RailyardCore

struct NightlyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nightly",
        abstract: "The nightly build and non-regression: runs, their reports, and quarantined tests.",
        discussion: """
            A nightly run of a train builds the versions it changes (each service's `build` in railyard.yml) into \
            artifacts with their sha256, deploys the versions under test to the nightly environment, then runs the \
            non-regression suites of `nightly: suites` against its router. Its verdict is the train's non-regression \
            gate. `railyard serve` starts runs on `nightly: schedule`; this command starts one by hand.

            Example:
              railyard nightly run --train 2026.48
              railyard nightly show 2026.48-n3
              railyard nightly show 2026.48-n3 --junit merged.xml
              railyard nightly merged 2026.48 PAY-1234
              railyard nightly quarantine payments.payin.balanceSeesConcurrentPayins --reason "race in the sandbox ledger, PAY-1301" --owner dave --for 14d
            """,
        subcommands: [NightlyRunCommand.self, NightlyShowCommand.self, NightlyListCommand.self, NightlyMergedCommand.self, NightlyQuarantineCommand.self]
    )
}

/// Follows a run until it ends, printing each phase and finished suite as it comes; exits 1 unless it passed.
func followNightly(_ started: NightlyRunRecord, options: ClientOptions) async throws {
    print("nightly \(started.id) started: \(started.triggerText); suites \(started.plannedSuites.joined(separator: ", "))")
    var phase = started.phase
    var suites = 0
    while true {
        let report = try await clientCall { try await options.client.nightlyReport(started.id) }
        let run = report.run
        if run.phase != phase, run.state == .running {
            phase = run.phase
            print("  \(phase.rawValue)…")
        }
        while suites < run.suites.count {
            let suite = run.suites[suites]
            print("  suite \(suite.name): \(NightlySummary.text(TestRunReport(tests: suite.tests)))" + (suite.broken.map { "; broken: \($0)" } ?? ""))
            suites += 1
        }
        if run.state != .running {
            print(NightlyText.render(report))
            if run.state != .passed { throw ExitCode(1) }
            return
        }
        try await Task.sleep(for: .milliseconds(500))
    }
}

struct NightlyRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Start a nightly run now and follow it (release-owner, developer or tester).",
        discussion: """
            Without --train, the train in development (or nightly) is run; with none, the fleet as it runs. The run \
            is followed live until it ends; the command exits 0 when it passed, 1 otherwise. With --no-follow it \
            prints the run and returns at once. Refused while another run goes (one at a time).
            """)
    @Option(help: "The train to run, e.g. 2026.48.") var train: String?
    @Flag(name: .customLong("no-follow"), help: "Return once the run is started.") var noFollow = false
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let started = try await clientCall { try await options.client.startNightly(train: train) }
        if options.output == .json, noFollow { return try printJSON(started) }
        if noFollow { return print(NightlyText.line(started)) }
        if options.output == .json {
            while true {
                let report = try await clientCall { try await options.client.nightlyReport(started.id) }
                if report.run.state != .running {
                    try printJSON(report)
                    if report.run.state != .passed { throw ExitCode(1) }
                    return
                }
                try await Task.sleep(for: .milliseconds(500))
            }
        }
        try await followNightly(started, options: options)
    }
}

struct NightlyShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "A run's report: per suite and per test, with the trend over the last runs, and the gate.",
        discussion: """
            Shows each test's pass rate and median duration over the train's last runs, the run a failing test \
            first failed in, flaky tests proposed for quarantine, failures linked to services and tickets, and \
            why a broken run is broken. --output json prints the whole report; --junit FILE writes the run's \
            suites as one merged JUnit XML file for other tools.
            """)
    @Argument(help: "The run, e.g. 2026.48-n3 (default: the newest).") var run: String?
    @Option(help: "Write the run as one merged JUnit XML file here.") var junit: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let id: String
        if let run {
            id = run
        } else {
            guard let newest = try await clientCall({ try await options.client.nightlyRuns(limit: 1) }).first else {
                var standardError = StandardError()
                print("error: no nightly run yet: start one with `railyard nightly run`", to: &standardError)
                throw ExitCode(1)
            }
            id = newest.id
        }
        if let junit {
            let xml = try await clientCall { try await options.client.nightlyJUnit(id) }
            try xml.write(to: URL(fileURLWithPath: junit))
            print("wrote \(junit) (\(xml.count) bytes)")
            return
        }
        let report = try await clientCall { try await options.client.nightlyReport(id) }
        if options.output == .json { return try printJSON(report) }
        print(NightlyText.render(report))
    }
}

struct NightlyListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The newest nightly runs, with their state and why.")
    @Option(help: "Only this train's runs.") var train: String?
    @Option(help: "How many runs.") var limit = 20
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let runs = try await clientCall { try await options.client.nightlyRuns(train: train, limit: limit) }
        if options.output == .json { return try printJSON(runs) }
        if runs.isEmpty { print("no nightly run yet") }
        for run in runs { print(NightlyText.line(run)) }
    }
}

struct NightlyMergedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merged", abstract: "Record a ticket as merged and run only the suites of the services it touches (release-owner or developer).",
        discussion: """
            A suite runs for the change when its `services` in railyard.yml include a service the ticket touches \
            (a suite with no `services` runs on every change): minutes instead of a night. The full nightly still \
            runs on its schedule, and only a full run is the train's gate.

            Example:
              railyard nightly merged 2026.48 PAY-1234
            """)
    @Argument(help: "The train's id.") var train: String
    @Argument(help: "The ticket, e.g. PAY-1234.") var ticket: String
    @Flag(name: .customLong("no-follow"), help: "Return once the run is started.") var noFollow = false
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let started = try await clientCall { try await options.client.merged(train: train, ticket: ticket) }
        if options.output == .json { return try printJSON(started) }
        if noFollow { return print(NightlyText.line(started)) }
        try await followNightly(started, options: options)
    }
}

struct NightlyQuarantineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine", abstract: "List quarantined tests, or quarantine one with a reason, an owner and an expiry (release-owner or tester).",
        discussion: """
            A quarantined test still runs and is reported, but its failure does not fail the gate until the \
            quarantine expires (at most 90 days); then it fails the gate again until it is renewed or fixed.

            Example:
              railyard nightly quarantine
              railyard nightly quarantine payments.payin.balanceSeesConcurrentPayins --reason "race in the sandbox ledger, PAY-1301" --owner dave --for 14d
            """)
    @Argument(help: "The test's id (classname.name), as `nightly show` prints it; none to list.") var test: String?
    @Option(help: "Why (what is flaky, and what is being done).") var reason: String?
    @Option(help: "Who must fix it.") var owner: String?
    @Option(name: .customLong("for"), help: "How long, e.g. 14d.") var duration = "14d"
    @OptionGroup var options: ClientOptions

    func validate() throws {
        if test != nil, reason == nil || owner == nil {
            throw ValidationError("quarantining a test needs --reason and --owner")
        }
    }

    func run() async throws {
        guard let test, let reason, let owner else {
            let entries = try await clientCall { try await options.client.quarantine() }
            if options.output == .json { return try printJSON(entries) }
            if entries.isEmpty { print("no test is quarantined") }
            let now = Date()
            for entry in entries {
                print("\(entry.test)  until \(entry.expires.formatted(.iso8601))\(entry.isActive(at: now) ? "" : " (expired)")  owner \(entry.owner)  by \(entry.by): \(entry.reason)")
            }
            return
        }
        let entry = try await clientCall {
            try await options.client.quarantine(API.QuarantineRequest(test: test, reason: reason, owner: owner, expiresIn: duration))
        }
        if options.output == .json { return try printJSON(entry) }
        print("\(entry.test) quarantined until \(entry.expires.formatted(.iso8601)), owner \(entry.owner)")
    }
}
