import AsyncHTTPClient
import Foundation
import Testing
import RailyardAdapters
import RailyardPorts

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Real Prometheus and Alertmanager binaries (Debian's `prometheus`, `prometheus-alertmanager`), which the
/// Prometheus source and Alertmanager notifier tests start themselves. `.ci/run` installs them.
///
/// Missing binaries skip those tests with a printed reason, except when `CI` is set: then the tests run and fail,
/// saying what is missing.
enum ExternalBinary {
    static let prometheusNames = ["prometheus"]
    static let alertmanagerNames = ["prometheus-alertmanager", "alertmanager"]

    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty } ?? false }

    /// The first of `names` found on PATH (or in /usr/bin, /usr/local/bin), as an absolute path.
    static func find(_ names: [String]) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin", "/bin"]
        for name in names {
            for directory in directories {
                let candidate = directory + "/" + name
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }

    /// Whether a test needing one of `names` should run: when it is found, or under CI (where its absence is a
    /// failure). Prints why the test is skipped otherwise.
    static func shouldRun(_ names: [String], package: String) -> Bool {
        if find(names) != nil || isCI { return true }
        print("SKIP: \(names.joined(separator: " or ")) not found on PATH (install Debian's `\(package)`; "
            + "with CI set these tests fail instead of skipping)")
        return false
    }

    /// The binary's path, or a failure naming what to install (only reached when it is missing under CI).
    static func require(_ names: [String], package: String) throws -> String {
        try #require(
            find(names),
            "\(names.joined(separator: " or ")) not found on PATH and CI is set: `apt-get install -y \(package)` (.ci/run does)"
        )
    }
}

/// A child process the test owns: started with its output in a log file, ended (SIGTERM, then SIGKILL) when the
/// test is done with it, its temporary directory removed.
final class ExternalServer: @unchecked Sendable {
    let process = Process()
    let directory: URL
    let logURL: URL
    let baseURL: String
    private var stopped = false

    /// Starts `executable` with `arguments`; `directory` is a fresh temporary directory it may use.
    init(executable: String, arguments: [String], directory: URL, baseURL: String) throws {
        self.directory = directory
        self.baseURL = baseURL
        self.logURL = directory.appendingPathComponent("server.log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Starts `executable` on a free loopback port with `config` written to `configName` in a fresh directory,
    /// waits until it is ready, and retries on another port (up to 3 times): a free port can be taken between
    /// `FreePort.next()` and the bind. `arguments` gets the config path, the directory and the port.
    static func start(_ executable: String, name: String, configName: String, config: String,
                      arguments: (_ configPath: String, _ directory: URL, _ port: Int) -> [String]) async throws -> ExternalServer {
        var lastError: (any Error)?
        for _ in 0..<3 {
            let directory = try temporaryDirectory("railyard-\(name)")
            let configURL = directory.appendingPathComponent(configName)
            try config.write(to: configURL, atomically: true, encoding: .utf8)
            let port = try FreePort.next()
            let server = try ExternalServer(executable: executable, arguments: arguments(configURL.path, directory, port),
                                            directory: directory, baseURL: "http://127.0.0.1:\(port)")
            do {
                try await server.waitUntilReady()
                return server
            } catch {
                server.stop()
                lastError = error
            }
        }
        throw lastError ?? ExternalServerError(message: "\(name) did not start")
    }

    static func temporaryDirectory(_ prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Polls `GET path` until it answers 200, for at most `timeout`; throws with the server's log otherwise.
    func waitUntilReady(path: String = "/-/ready", timeout: Duration = .seconds(30)) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            guard process.isRunning else {
                throw ExternalServerError(message: "\(process.executableURL?.lastPathComponent ?? "server") exited (status \(process.terminationStatus)) before it was ready; log:\n\(log)")
            }
            var request = HTTPClientRequest(url: baseURL + path)
            request.method = .GET
            if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(2)) {
                _ = try? await response.body.collect(upTo: 1 << 20)
                if response.status == .ok { return }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ExternalServerError(message: "\(baseURL)\(path) not ready after \(timeout); log:\n\(log)")
    }

    /// SIGTERM, up to 10 s to exit, then SIGKILL; removes the temporary directory.
    func stop() {
        guard !stopped else { return }
        stopped = true
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }
}

struct ExternalServerError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Runs `body`, then stops `server` whether `body` threw or not.
func withExternalServer<T>(_ server: ExternalServer, _ body: (ExternalServer) async throws -> T) async throws -> T {
    do {
        let result = try await body(server)
        server.stop()
        return result
    } catch {
        server.stop()
        throw error
    }
}

@Suite("Prometheus binaries")
struct PrometheusBinaryTests {
    @Test(.enabled(if: ExternalBinary.shouldRun(ExternalBinary.prometheusNames, package: "prometheus")))
    func prometheusIsInstalled() throws {
        let path = try ExternalBinary.require(ExternalBinary.prometheusNames, package: "prometheus")
        #expect(FileManager.default.isExecutableFile(atPath: path))
    }

    @Test(.enabled(if: ExternalBinary.shouldRun(ExternalBinary.alertmanagerNames, package: "prometheus-alertmanager")))
    func alertmanagerIsInstalled() throws {
        let path = try ExternalBinary.require(ExternalBinary.alertmanagerNames, package: "prometheus-alertmanager")
        #expect(FileManager.default.isExecutableFile(atPath: path))
    }
}
