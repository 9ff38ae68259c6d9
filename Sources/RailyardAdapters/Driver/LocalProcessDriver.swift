import AsyncHTTPClient
import Foundation
import RailyardPorts
#if canImport(Glibc)
import Glibc
#endif

/// Runs instances as local processes in their own session (`setsid`), output appended to a log
/// file and no descriptor of Railyard's inherited, so they keep serving when Railyard is killed
/// and never hold its ports. Arguments go straight to `posix_spawn`: no shell parses them.
public struct LocalProcessDriver: InstanceDriver {
    public init() {}

    public func launch(_ spec: LaunchSpec) async throws -> LaunchedProcess {
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: spec.logPath).deletingLastPathComponent().path,
                                                withIntermediateDirectories: true)
        let environment = ProcessMark.environment(spec.environment, owner: spec.owner, label: spec.label)
        let pid = try ProcessSpawner.spawnDetached(arguments: spec.arguments, environment: environment, logPath: spec.logPath)
        return LaunchedProcess(pid: pid, startTime: Self.startTime(of: pid))
    }

    public func waitHealthy(_ process: LaunchedProcess, url: String, timeout: Duration, logPath: String) async throws {
        let deadline = ContinuousClock.now + timeout
        var lastProblem = "no answer yet"
        while ContinuousClock.now < deadline {
            guard isAlive(process) else {
                throw InstanceStartError(message: "process \(process.pid) exited before it was healthy", logTail: Self.tail(of: logPath))
            }
            do {
                var request = HTTPClientRequest(url: url)
                request.method = .GET
                let response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(500))
                _ = try await response.body.collect(upTo: 64 * 1024)
                if response.status == .ok { return }
                lastProblem = "health answered \(response.status.code)"
            } catch {
                lastProblem = "health check failed: \(error)"
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        // A slow health request can outlast the deadline: say that the process died if it did.
        guard isAlive(process) else {
            throw InstanceStartError(message: "process \(process.pid) exited before it was healthy", logTail: Self.tail(of: logPath))
        }
        throw InstanceStartError(message: "not healthy within \(timeout) at \(url) (\(lastProblem))", logTail: Self.tail(of: logPath))
    }

    public func isAlive(_ process: LaunchedProcess) -> Bool {
        guard let stat = Self.stat(of: process.pid) else { return false }
        if let expected = process.startTime, stat.startTime != expected { return false }
        if stat.state == "Z" {
            // Our own child that exited: reap it so it does not linger as a zombie.
            var status: Int32 = 0
            _ = waitpid(process.pid, &status, WNOHANG)
            return false
        }
        return stat.state != "X"
    }

    public func stop(_ process: LaunchedProcess, grace: Duration) async {
        guard isAlive(process) else { return }
        // The instance leads its own process group (setsid): signal the group so its children go too.
        kill(-process.pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            if !isAlive(process) { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
        kill(-process.pid, SIGKILL)
        // The signal reaches the group's members when the kernel gets to them: wait until none runs, not only the leader.
        for _ in 0..<200 where isAlive(process) || Self.groupRuns(process.pid) { try? await Task.sleep(for: .milliseconds(10)) }
    }

    /// Whether a process of group `group` still runs (zombies, dead and awaiting a parent's wait, do not).
    static func groupRuns(_ group: Int32) -> Bool {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).contains { name in
            guard let pid = Int32(name), let stat = stat(of: pid) else { return false }
            return stat.group == group && stat.state != "Z" && stat.state != "X"
        }
    }

    // MARK: Owned processes

    public func processes(ownedBy owner: String) -> [OwnedProcess] {
        let me = getpid()
        let wanted = "\(ProcessMark.ownerVariable)=\(owner)"
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }.compactMap { pid in
            guard pid != me, let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return nil }
            let variables = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard variables.contains(wanted), let stat = Self.stat(of: pid), stat.state != "Z", stat.state != "X" else { return nil }
            let label = variables.first { $0.hasPrefix(ProcessMark.labelVariable + "=") }.map { String($0.dropFirst(ProcessMark.labelVariable.count + 1)) } ?? ""
            return OwnedProcess(process: LaunchedProcess(pid: pid, startTime: stat.startTime), label: label)
        }
    }

    public func allocatePort() throws -> Int { try FreePort.next() }

    // MARK: /proc

    struct ProcStat { var state: String; var group: Int32; var startTime: String }

    static func stat(of pid: Int32) -> ProcStat? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // Fields after the command name (which may hold spaces): state is field 3, the process group field 5, starttime field 22.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19 else { return nil }
        return ProcStat(state: String(fields[0]), group: Int32(fields[2]) ?? -1, startTime: String(fields[19]))
    }

    static func startTime(of pid: Int32) -> String? { stat(of: pid)?.startTime }

    public static func tail(of path: String, lines: Int = 12) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n", omittingEmptySubsequences: true).suffix(lines).map(String.init)
    }
}
