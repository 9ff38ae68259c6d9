import Foundation
import RailyardAdapters
import RailyardPorts
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The local driver with real processes.
@Suite struct LocalProcessDriverTests {
    let driver = LocalProcessDriver()
    let logFolder = FileManager.default.temporaryDirectory.appendingPathComponent("railyard-driver-\(UUID().uuidString.prefix(8))").path

    @Test func launchesDetachedInItsOwnSessionWithOnlyItsLogOpen() async throws {
        let log = logFolder + "/sleeper.log"
        let process = try await driver.launch(LaunchSpec(arguments: ["/bin/sh", "-c", "echo started; exec sleep 600"], logPath: log))
        #expect(driver.isAlive(process))
        #expect(getsid(process.pid) == process.pid, "its own session, so a signal to Railyard's group does not reach it")
        // Look once the shell has become `sleep`, so what is listed is the program's own table, not the shell's mid-`exec`.
        for _ in 0..<500 where (try? String(contentsOfFile: "/proc/\(process.pid)/comm", encoding: .utf8)) != "sleep\n" {
            try await Task.sleep(for: .milliseconds(10))
        }
        let fdFolder = "/proc/\(process.pid)/fd"
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: fdFolder).compactMap(Int.init).sorted()
        let targets = descriptors.map { "\($0) → " + ((try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fdFolder)/\($0)")) ?? "?") }
        #expect(descriptors == [0, 1, 2], "nothing of Railyard's (sockets, the store) is inherited: \(targets)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(process.pid)/fd/1") == log)

        // The same pid with another start time is not our process (pid reuse).
        #expect(!driver.isAlive(LaunchedProcess(pid: process.pid, startTime: "1")))

        await driver.stop(process, grace: .seconds(2))
        #expect(!driver.isAlive(process))
        #expect(kill(process.pid, 0) != 0, "stopped and reaped, not left as a zombie")
        try? FileManager.default.removeItem(atPath: logFolder)
    }

    /// Port 1 needs root to bind and nothing here does: a free port could be taken by a parallel test's server.
    static let nobodyListens = "http://127.0.0.1:1/health"

    @Test func stopKillsTheWholeProcessGroupAfterTheGrace() async throws {
        // A process that ignores SIGTERM and has a child (whose pid it writes down): both must go.
        try FileManager.default.createDirectory(atPath: logFolder, withIntermediateDirectories: true)
        let childFile = logFolder + "/child.pid"
        let process = try await driver.launch(LaunchSpec(
            arguments: ["/bin/sh", "-c", "trap '' TERM; sleep 600 & echo $! > '\(childFile)'; wait"], logPath: logFolder + "/stubborn.log"))
        var child: Int32?
        for _ in 0..<1000 where child == nil {   // the shell gets to it when the machine does
            try await Task.sleep(for: .milliseconds(10))
            child = (try? String(contentsOfFile: childFile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        let sleeper = try #require(child, "the shell never wrote its child's pid; log: \(LocalProcessDriver.tail(of: logFolder + "/stubborn.log"))")
        #expect(driver.isAlive(LaunchedProcess(pid: sleeper, startTime: nil)))
        await driver.stop(process, grace: .milliseconds(300))
        #expect(!driver.isAlive(process))
        #expect(!driver.isAlive(LaunchedProcess(pid: sleeper, startTime: nil)), "child \(sleeper) of the stopped instance still runs")
        try? FileManager.default.removeItem(atPath: logFolder)
    }

    @Test func healthTimeoutAndEarlyExitReportTheLastLogLines() async throws {
        let dying = try await driver.launch(LaunchSpec(
            arguments: ["/bin/sh", "-c", "echo 'cannot open ledger: permission denied' >&2; sleep 0.2; exit 3"], logPath: logFolder + "/dying.log"))
        let early = await #expect(throws: InstanceStartError.self) {
            try await driver.waitHealthy(dying, url: Self.nobodyListens, timeout: .seconds(30), logPath: logFolder + "/dying.log")
        }
        #expect(early?.description.contains("exited before it was healthy") == true, "\(early.map { "\($0)" } ?? "no error")")
        #expect(early?.logTail == ["cannot open ledger: permission denied"])

        let silent = try await driver.launch(LaunchSpec(arguments: ["/bin/sh", "-c", "echo listening soon; exec sleep 600"], logPath: logFolder + "/silent.log"))
        let timeout = await #expect(throws: InstanceStartError.self) {
            try await driver.waitHealthy(silent, url: Self.nobodyListens, timeout: .milliseconds(300), logPath: logFolder + "/silent.log")
        }
        #expect(timeout?.description.contains("not healthy within") == true)
        #expect(timeout?.logTail == ["listening soon"])
        await driver.stop(silent, grace: .seconds(1))
        try? FileManager.default.removeItem(atPath: logFolder)
    }

    @Test func argumentsAreNeverParsedByAShell() async throws {
        let marker = logFolder + "/pwned"
        let process = try await driver.launch(LaunchSpec(arguments: ["/bin/echo", "v1; touch \(marker)"], logPath: logFolder + "/echo.log"))
        for _ in 0..<100 where driver.isAlive(process) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(LocalProcessDriver.tail(of: logFolder + "/echo.log") == ["v1; touch \(marker)"])
        #expect(!FileManager.default.fileExists(atPath: marker))
        try? FileManager.default.removeItem(atPath: logFolder)
    }
}

/// Scripts run to completion or are killed, with their whole group, at the timeout.
@Suite struct ShellScriptRunnerTests {
    @Test func reportsExitCodeOutputAndTimeout() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("railyard-scripts-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "echo \"migrating $RAILYARD_VERSION\"; exit 4\n".write(toFile: folder + "/fail.sh", atomically: true, encoding: .utf8)
        try "sleep 600 & sleep 600\n".write(toFile: folder + "/slow.sh", atomically: true, encoding: .utf8)
        let runner = ShellScriptRunner()
        let failed = try await runner.run(path: folder + "/fail.sh", environment: ["RAILYARD_VERSION": "v2"], timeout: .seconds(10), logPath: folder + "/log")
        #expect(failed.exitCode == 4 && !failed.succeeded && !failed.timedOut)
        #expect(failed.outputTail == ["migrating v2"])
        let slow = try await runner.run(path: folder + "/slow.sh", environment: [:], timeout: .milliseconds(300), logPath: folder + "/log2")
        #expect(slow.timedOut && !slow.succeeded)
    }
}
