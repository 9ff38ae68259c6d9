import ArgumentParser
import Foundation
import PaymentsDemo
import RailyardAdapters

/// `railyard router`: one built-in router process. Railyard starts these itself.
struct RouterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "router", abstract: "Run one built-in router (started by Railyard; not usually run by hand).", shouldDisplay: false)
    @Option(help: "Target name (environment or datacenter).") var name: String
    @Option(help: "Traffic port.") var port: Int
    @Option(help: "Admin API port.") var adminPort: Int
    @Option(help: "Where the routing table is kept across restarts.") var stateFile: String?

    func run() async throws {
        try await BuiltInRouterServer.run(BuiltInRouterOptions(port: port, adminPort: adminPort, name: name, stateFile: stateFile))
    }
}

/// `railyard payments-demo`: one instance of the bundled payment fleet.
struct PaymentsDemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payments-demo", abstract: "Run one service of the bundled payment fleet (what the demo deploys).", shouldDisplay: false)
    @Option(help: "core, wallet, payin, payout or fx.") var service: String
    @Option(help: "Version to report and behave as.") var version: String
    @Option(help: "Port.") var port: Int
    @Option(help: "YAML file of per-version behaviour (failure_rate, extra_latency_ms, one_instance, …).") var behaviour: String?

    func run() async throws {
        guard let demoService = DemoService(rawValue: service) else {
            throw ValidationError("unknown service '\(service)': one of \(DemoService.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var own = VersionBehaviour.healthy
        if let behaviour {
            own = BehaviourFile.behaviour(for: demoService, version: version, in: try BehaviourFile.load(path: behaviour), file: behaviour)
        }
        try await PaymentsDemoServer.run(PaymentsDemoOptions(service: demoService, version: version, port: port, behaviour: own))
    }
}

/// The payment fleet's non-regression suite, as a nightly suite command: it reads where to run from
/// the environment Railyard gives a suite (RAILYARD_ROUTER_URL, RAILYARD_TESTS, RAILYARD_JUNIT,
/// RAILYARD_RERUN) unless options say otherwise.
struct PaymentsSuiteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payments-suite", abstract: "Run the payment fleet's non-regression suite against a router, writing JUnit XML.",
        shouldDisplay: false)
    @Flag(help: "Print the suite's test ids, one per line, and run nothing.") var list = false
    @Option(help: "The router's URL (default $RAILYARD_ROUTER_URL).") var router: String?
    @Option(help: "Where to write JUnit XML (default $RAILYARD_JUNIT).") var junit: String?
    @Option(help: "A file of test ids to run, one per line (default $RAILYARD_TESTS; empty: all).") var tests: String?

    func run() async throws {
        if list {
            for test in NonRegressionSuite.cases { print(test.id) }
            return
        }
        let environment = ProcessInfo.processInfo.environment
        guard let router = router ?? environment["RAILYARD_ROUTER_URL"], !router.isEmpty else {
            throw ValidationError("no router: give --router URL or set RAILYARD_ROUTER_URL")
        }
        guard let junit = junit ?? environment["RAILYARD_JUNIT"], !junit.isEmpty else {
            throw ValidationError("nowhere to write the report: give --junit FILE or set RAILYARD_JUNIT")
        }
        var only: Set<String>?
        if let file = tests ?? environment["RAILYARD_TESTS"], !file.isEmpty {
            let names = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let known = Set(NonRegressionSuite.cases.map(\.id))
            if let unknown = names.first(where: { !known.contains($0) }) { throw ValidationError("\(file): no test '\(unknown)' in the suite") }
            only = Set(names)
        }
        let outcomes = await NonRegressionSuite.run(router: router, attempt: Int(environment["RAILYARD_RERUN"] ?? "") ?? 0, only: only)
        try NonRegressionSuite.junitXML(outcomes).write(toFile: junit, atomically: true, encoding: .utf8)
        for outcome in outcomes { print("\(outcome.failure == nil ? "✔" : "✘") \(outcome.test.id)\(outcome.failure.map { ": \($0)" } ?? "")") }
        if outcomes.contains(where: { $0.failure != nil }) { throw ExitCode(1) }
    }
}
