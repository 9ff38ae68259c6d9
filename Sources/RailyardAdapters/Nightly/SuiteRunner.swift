import Foundation
import RailyardCore
import RailyardPorts

/// Runs one non-regression suite of railyard.yml as real processes: lists its tests (when it has a
/// `list` command), splits them into shards by the durations of earlier runs, runs the shards side
/// by side, reads each shard's JUnit XML, then runs the failed tests again (`nightly: reruns`) so a
/// test that passes on a re-run shows as flaky. A shard that writes no report, or a malformed one,
/// makes the run broken with the reason; it never crashes the caller.
public struct SuiteRunner: Sendable {
    public let suite: SuiteSpec
    /// Where the shards' reports, test lists and logs go.
    public let folder: String
    /// The folder commands run in (railyard.yml's).
    public let workingDirectory: String
    /// The router of the environment under test, given as `RAILYARD_ROUTER_URL`.
    public let routerURL: String
    public let reruns: Int
    /// Added to every process' environment: the marks a restarted Railyard finds them by.
    public let marks: [String: String]

    public init(suite: SuiteSpec, folder: String, workingDirectory: String, routerURL: String, reruns: Int, marks: [String: String] = [:]) {
        self.marks = marks
        self.suite = suite
        self.folder = folder
        self.workingDirectory = workingDirectory
        self.routerURL = routerURL
        self.reruns = reruns
    }

    public typealias Result = SuiteOutcome

    /// - Parameter durations: unit → seconds, from earlier runs.
    public func run(durations: [String: Double]) async throws -> Result {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var units: [String] = []
        if let list = suite.list {
            let log = path("list.out")
            let (status, timedOut) = try await ProcessSpawner.runToCompletion(arguments: inFolder(list), environment: environment(shard: 0, of: 1, tests: nil),
                                                                                logPath: log, timeout: .seconds(120))
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            guard status == 0, !timedOut else {
                return Result(executions: [], broken: "listing the tests failed (\(timedOut ? "timed out" : "exit \(status)")): " + Self.tail(output),
                              plan: ShardPlan.balance([], durations: [:], shards: 1), durations: [:])
            }
            units = output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        let listed = units
        let plan = ShardPlan.balance(listed, durations: durations, shards: listed.isEmpty ? 1 : suite.shards)
        var executions: [TestCaseResult] = []
        var broken: [String] = []
        let rounds = try await withThrowingTaskGroup(of: (Int, [TestCaseResult]?, String?).self) { group in
            for (index, shard) in plan.shards.enumerated() where !(listed.count > 0 && shard.tests.isEmpty) {
                let count = plan.shards.count
                group.addTask { try await self.runShard(index, of: count, tests: listed.isEmpty ? nil : shard.tests, label: "shard\(index + 1)") }
            }
            var results: [(Int, [TestCaseResult]?, String?)] = []
            for try await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }
        }
        for (_, found, problem) in rounds {
            executions += found ?? []
            if let problem { broken.append(problem) }
        }
        var measured: [String: Double] = [:]
        for unit in units {
            let key = Self.normalized(unit)
            measured[unit] = executions.filter { $0.id == key || $0.id.hasPrefix(key + ".") }.reduce(0) { $0 + $1.seconds }
        }
        // Failed tests run again, alone, up to `reruns` rounds (only when the suite can be given a list).
        if !units.isEmpty, broken.isEmpty, reruns > 0 {
            for round in 1...reruns {
                let failing = TestRunReport(executions: executions).failing.map(\.id)
                let again = units.filter { unit in failing.contains { $0 == Self.normalized(unit) || $0.hasPrefix(Self.normalized(unit) + ".") } }
                guard !again.isEmpty else { break }
                let (_, found, problem) = try await runShard(0, of: 1, tests: again, label: "rerun\(round)")
                executions += found ?? []
                if let problem { broken.append(problem); break }
            }
        }
        return Result(executions: executions, broken: broken.isEmpty ? nil : broken.joined(separator: "; "), plan: plan, durations: measured)
    }

    func runShard(_ index: Int, of count: Int, tests: [String]?, label: String) async throws -> (Int, [TestCaseResult]?, String?) {
        let report = path("\(label).xml"), log = path("\(label).log")
        try? FileManager.default.removeItem(atPath: report)
        if let tests { try (tests.joined(separator: "\n") + "\n").write(toFile: path("\(label).tests"), atomically: true, encoding: .utf8) }
        var env = environment(shard: index + 1, of: count, tests: tests == nil ? nil : path("\(label).tests"))
        env["RAILYARD_JUNIT"] = report
        env["RAILYARD_RERUN"] = label.hasPrefix("rerun") ? String(label.dropFirst("rerun".count)) : "0"
        let (status, timedOut) = try await ProcessSpawner.runToCompletion(arguments: inFolder(suite.command), environment: env, logPath: log,
                                                                            timeout: suite.timeout)
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        guard FileManager.default.fileExists(atPath: report) else {
            let why = timedOut ? "timed out after \(DurationText.format(suite.timeout))" : "exit \(status)"
            return (index, nil, "\(suite.name) \(label) wrote no JUnit XML (\(why)): " + Self.tail(output))
        }
        do {
            return (index, try JUnitXMLReader.read(file: report), timedOut ? "\(suite.name) \(label) timed out after \(DurationText.format(suite.timeout))" : nil)
        } catch {
            return (index, nil, "\(suite.name) \(label): \(error.description)")
        }
    }

    func environment(shard: Int, of count: Int, tests: String?) -> [String: String] {
        marks.merging(["RAILYARD_ROUTER_URL": routerURL, "RAILYARD_SUITE": suite.name, "RAILYARD_SHARD": String(shard),
                       "RAILYARD_SHARD_COUNT": String(count), "RAILYARD_TESTS": tests ?? ""]) { $1 }
    }

    /// The command run from railyard.yml's folder (no shell parses the command itself).
    func inFolder(_ arguments: [String]) -> [String] { ProcessSpawner.inFolder(workingDirectory, arguments, label: "railyard-suite") }

    func path(_ name: String) -> String { "\(folder)/\(suite.name)-\(name)" }

    /// A listed test as the JUnit id it reports as: `tests/test_pay.py::TestX::test_y` → `tests.test_pay.TestX.test_y`.
    public static func normalized(_ unit: String) -> String {
        unit.replacingOccurrences(of: ".py::", with: ".").replacingOccurrences(of: "::", with: ".").replacingOccurrences(of: "/", with: ".")
    }

    static func tail(_ output: String) -> String {
        output.split(separator: "\n").suffix(5).joined(separator: " | ")
    }
}
