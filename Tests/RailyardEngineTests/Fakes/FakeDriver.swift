import Foundation
import RailyardPorts
import Synchronization

/// Fake driver: processes are entries in a table, never real. A version listed in `unhealthy` never
/// answers its health check; `kill(_:)` makes a process die behind the engine's back; a process told a
/// port of `takeNextPorts(_:)` exits as a real one does when another process took its port first.
final class FakeDriver: InstanceDriver {
    struct Process: Equatable { var spec: LaunchSpec; var alive: Bool }
    struct State {
        var processes: [Int32: Process] = [:]
        var nextPid: Int32 = 1000
        var nextPort = 20000
        var unhealthy: Set<String> = []
        var taken: Set<Int> = []
    }
    let state = Mutex(State())
    /// Called as each stop begins, before the process is marked dead: lets a test see what held at that moment.
    let onStop = Mutex<(@Sendable (LaunchedProcess) -> Void)?>(nil)

    init(unhealthy: Set<String> = []) { state.withLock { $0.unhealthy = unhealthy } }

    func launch(_ spec: LaunchSpec) async throws -> LaunchedProcess {
        state.withLock { state in
            state.nextPid += 1
            state.processes[state.nextPid] = Process(spec: spec, alive: true)
            return LaunchedProcess(pid: state.nextPid, startTime: "t\(state.nextPid)")
        }
    }

    func waitHealthy(_ process: LaunchedProcess, url: String, timeout: Duration, logPath: String) async throws {
        let portTaken = state.withLock { state in
            guard let entry = state.processes[process.pid], entry.spec.arguments.contains(where: { Int($0).map(state.taken.contains) ?? false }) else { return false }
            state.processes[process.pid]?.alive = false
            return true
        }
        if portTaken {
            throw InstanceStartError(message: "process \(process.pid) exited before it was healthy (fake)",
                                     logTail: ["Fatal error: bind(descriptor:ptr:bytes:): Address already in use (errno: 98)"])
        }
        let healthy = state.withLock { state in
            guard let entry = state.processes[process.pid], entry.alive else { return false }
            return !state.unhealthy.contains { entry.spec.arguments.contains($0) }
        }
        guard healthy else { throw InstanceStartError(message: "process \(process.pid) not healthy (fake)", logTail: ["boom: fake says unhealthy"]) }
    }

    func isAlive(_ process: LaunchedProcess) -> Bool {
        state.withLock { state in
            state.processes[process.pid].map { $0.alive && (process.startTime == nil || process.startTime == "t\(process.pid)") } ?? false
        }
    }

    func stop(_ process: LaunchedProcess, grace: Duration) async {
        onStop.withLock { $0 }?(process)
        state.withLock { $0.processes[process.pid]?.alive = false }
    }

    func processes(ownedBy owner: String) -> [OwnedProcess] {
        state.withLock { state in
            state.processes.filter { $0.value.alive && $0.value.spec.owner == owner }.sorted { $0.key < $1.key }
                .map { OwnedProcess(process: LaunchedProcess(pid: $0.key, startTime: "t\($0.key)"), label: $0.value.spec.label ?? "") }
        }
    }

    func allocatePort() throws -> Int { state.withLock { $0.nextPort += 1; return $0.nextPort } }

    /// The next `count` ports this driver hands out are taken by someone else by the time they are bound.
    func takeNextPorts(_ count: Int) { state.withLock { $0.taken.formUnion(($0.nextPort + 1)...($0.nextPort + count)) } }

    /// Live processes whose arguments contain `word` (a version, `router`).
    func alive(_ word: String) -> [Int32] {
        state.withLock { $0.processes.filter { $0.value.alive && $0.value.spec.arguments.contains(word) }.map(\.key).sorted() }
    }

    func kill(_ pid: Int32) { state.withLock { $0.processes[pid]?.alive = false } }
}
