import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `posix_spawn` with what a detached service needs and Foundation's `Process` does not give:
/// a new session, stdin from /dev/null, stdout and stderr appended to a log, every other
/// descriptor closed, and default signal handling (Railyard ignores SIGPIPE; its children must not).
enum ProcessSpawner {
    struct SpawnError: Error, CustomStringConvertible {
        let description: String
    }

    /// glibc's POSIX_SPAWN_SETSID, which Swift's Glibc module does not export.
    static let setSessionFlag: Int32 = 0x80

    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    /// glibc ≥ 2.34 has `posix_spawn_file_actions_addclosefrom_np`; it is not imported into Swift.
    static let closeFrom: CloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()

    /// `arguments` run from `folder`: a fixed `/bin/sh` line changes directory and execs them, so no
    /// shell ever parses the arguments themselves.
    static func inFolder(_ folder: String, _ arguments: [String], label: String) -> [String] {
        ["/bin/sh", "-c", #"cd "$1" && shift && exec "$@""#, label, folder] + arguments
    }

    /// Runs to completion in its own session; at `timeout` the whole session's group is killed. A
    /// cancelled task kills the group too, reaps it, and throws `CancellationError`.
    static func runToCompletion(arguments: [String], environment: [String: String], logPath: String,
                                timeout: Duration) async throws -> (status: Int32, timedOut: Bool) {
        let pid = try spawnDetached(arguments: arguments, environment: environment, logPath: logPath)
        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        var timedOut = false
        var killed = false
        while waitpid(pid, &status, WNOHANG) == 0 {
            if !killed, Task.isCancelled || ContinuousClock.now >= deadline {
                timedOut = !Task.isCancelled
                killed = true
                kill(-pid, SIGKILL)
            }
            // A cancelled task's sleep returns at once: the group was killed, its end is a moment away.
            if Task.isCancelled { usleep(2_000) } else { try? await Task.sleep(for: .milliseconds(5)) }
        }
        if Task.isCancelled { throw CancellationError() }
        // WIFEXITED / WEXITSTATUS, which are macros in C.
        let exited = status & 0x7f == 0
        return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), timedOut)
    }

    static func spawnDetached(arguments: [String], environment: [String: String], logPath: String) throws -> Int32 {
        guard let program = arguments.first else { throw SpawnError(description: "empty command") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        if let closeFrom {
            _ = closeFrom(&actions, 3)
        } else {
            for fd in openDescriptors() where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(setSessionFlag | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = program.contains("/")
            ? posix_spawn(&pid, program, &actions, &attributes, argv, envp)
            : posix_spawnp(&pid, program, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw SpawnError(description: "cannot start \(program): \(String(cString: strerror(result)))")
        }
        return pid
    }

    static func openDescriptors() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
    }
}
