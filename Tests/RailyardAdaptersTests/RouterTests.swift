import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import RailyardAdapters
import RailyardPorts
import ServiceLifecycle
import Synchronization
import Testing

/// The built-in router end to end: real backends, the real router on loopback, the real client.
@Suite("Built-in router", .serialized)
struct RouterTests {
    @Test("splits traffic exactly by weight and counts it")
    func splitsByWeight() async throws {
        try await withFixture(backends: ["stable-a", "stable-b", "canary"]) { f in
            try await f.router.apply(service: "payin", groups: [
                BackendGroup(name: "stable", version: "v1", weight: 80, servers: [f.server("stable-a"), f.server("stable-b")]),
                BackendGroup(name: "canary", version: "v2", weight: 20, servers: [f.server("canary")]),
            ])
            let total = 2_000
            let answers = try await f.sendConcurrently(total, workers: 20, path: "/payin/whoami")

            let statuses = Set(answers.map(\.status))
            let byGroup = tally(answers.map { $0.group ?? "none" })
            let byBackend = tally(answers.map(\.body))
            #expect(statuses == [200])
            let canaryShare = Double(byGroup["canary", default: 0]) * 100 / Double(total)
            #expect(abs(canaryShare - 20) <= 5, "canary got \(canaryShare)% of traffic")
            #expect(byGroup["stable", default: 0] + byGroup["canary", default: 0] == total)
            // Round-robin inside the stable group.
            #expect(abs(byBackend["stable-a", default: 0] - byBackend["stable-b", default: 0]) <= 1)
            #expect(byBackend["canary", default: 0] == byGroup["canary", default: 0])

            let snapshot = try await f.router.snapshot()
            let stable = try #require(snapshot.group("stable", of: "payin"))
            let canary = try #require(snapshot.group("canary", of: "payin"))
            #expect(abs(Double(canary.requests) * 100 / Double(total) - 20) <= 5)
            // Smooth weighted round-robin is exact over whole cycles of 100.
            #expect(stable.requests == 1_600 && canary.requests == 400)
            #expect(stable.requests == byGroup["stable"] && canary.requests == byGroup["canary"])
            #expect(stable.errors == 0 && canary.errors == 0)
        }
    }

    @Test("swaps weights atomically while requests are in flight")
    func swapsWhileInFlight() async throws {
        try await withFixture(backends: ["v1", "v2"]) { f in
            let v1 = f.server("v1"), v2 = f.server("v2")
            try await f.router.apply(service: "wallet", groups: [
                BackendGroup(name: "stable", version: "v1", weight: 100, servers: [v1]),
                BackendGroup(name: "canary", version: "v2", weight: 0, servers: [v2]),
            ])
            let before = try await f.router.snapshot().generation
            let inFlight = 50
            let slow = Task { try await f.sendConcurrently(inFlight, workers: inFlight, path: "/wallet/held") }

            // Swap only once every slow request has reached its backend.
            try await f.backend("v1").waitForSlowArrivals(inFlight)
            try await f.router.apply(service: "wallet", groups: [
                BackendGroup(name: "stable", version: "v1", weight: 0, servers: [v1]),
                BackendGroup(name: "canary", version: "v2", weight: 100, servers: [v2]),
            ])
            let swapped = try await f.router.snapshot()
            #expect(swapped.generation == before + 1)
            // The slow requests are still on their way back: counted in flight to v1 until answered.
            #expect(swapped.inFlight == [v1: inFlight], "\(swapped.inFlight)")
            #expect(!swapped.routes(to: v1) && swapped.routes(to: v2))

            let after = try await f.sendConcurrently(20, workers: 5, path: "/wallet/whoami")
            for answer in after {
                #expect(answer.status == 200 && answer.group == "canary" && answer.version == "v2" && answer.body == "v2")
            }
            f.backend("v1").releaseHeld()

            let old = try await slow.value
            #expect(old.count == inFlight)
            for answer in old {
                #expect(answer.status == 200 && answer.group == "stable" && answer.body == "v1")
            }

            let snapshot = try await f.router.snapshot()
            let stable = try #require(snapshot.group("stable", of: "wallet"))
            let canary = try #require(snapshot.group("canary", of: "wallet"))
            // Counters survive the weight change because name and version did not change.
            #expect(stable.requests == inFlight && canary.requests == 20)
            #expect(stable.errors == 0 && canary.errors == 0)
            #expect(snapshot.inFlight.isEmpty, "every request was answered: \(snapshot.inFlight)")
        }
    }

    @Test("rejects invalid groups with the reason", arguments: [
        ([("stable", 90, true), ("canary", 20, true)], "sum to 110"),
        ([("stable", 150, true), ("canary", -50, true)], "within 0...100"),
        ([("stable", 50, true), ("stable", 50, true)], "appears twice"),
        ([("stable", 50, true), ("canary", 50, false)], "no servers"),
    ])
    func rejectsInvalidGroups(groups: [(String, Int, Bool)], reason: String) async throws {
        try await withFixture(backends: ["a"]) { f in
            let before = try await f.router.snapshot()
            let candidate = groups.map { name, weight, hasServer in
                BackendGroup(name: name, version: "v1", weight: weight, servers: hasServer ? [f.server("a")] : [])
            }
            let error = try await #require(throws: RouterError.self) {
                try await f.router.apply(service: "fx", groups: candidate)
            }
            #expect(String(describing: error).contains(reason), "\(error)")
            #expect(String(describing: error).contains("dc1"), "\(error)")
            guard case .rejected(_, _, let status, _) = error else {
                Issue.record("expected a rejection, got \(error)")
                return
            }
            #expect(status == 400)
            let after = try await f.router.snapshot()
            #expect(after == before)
        }
    }

    @Test("answers 404 for an unknown service, 503 without weight, 502 when the backend is down")
    func failureAnswers() async throws {
        try await withFixture(backends: ["up"]) { f in
            let unknown = try await f.send("/nope/anything")
            #expect(unknown.status == 404)
            #expect(unknown.body.contains("no service 'nope' behind router dc1"))

            try await f.router.apply(service: "idle", groups: [
                BackendGroup(name: "stable", version: "v1", weight: 0, servers: [f.server("up")]),
            ])
            let idle = try await f.send("/idle/whoami")
            #expect(idle.status == 503)

            let downPort = try FreePort.next()
            try await f.router.apply(service: "payout", groups: [
                BackendGroup(name: "stable", version: "v1", weight: 50, servers: [f.server("up")]),
                BackendGroup(name: "canary", version: "v2", weight: 50, servers: ["127.0.0.1:\(downPort)"]),
            ])
            var answers: [Answer] = []
            for _ in 0..<4 { answers.append(try await f.send("/payout/whoami")) }
            // 50/50 alternates stable, canary, stable, canary.
            #expect(answers.map(\.group) == ["stable", "canary", "stable", "canary"])
            #expect(answers.map(\.status) == [200, 502, 200, 502])
            #expect(answers[1].body.contains("\"error\""))

            // A 5xx answered by a backend counts as an error too (the 5th pick alternates back to stable).
            let failing = try await f.send("/payout/fail")
            #expect(failing.status == 500 && failing.group == "stable")

            let snapshot = try await f.router.snapshot()
            let canary = try #require(snapshot.group("canary", of: "payout"))
            let stable = try #require(snapshot.group("stable", of: "payout"))
            #expect(canary.requests == 2 && canary.errors == 2)
            #expect(stable.requests == 3 && stable.errors == 1)
            #expect(snapshot.inFlight.isEmpty, "a failed request is no longer in flight: \(snapshot.inFlight)")
        }
    }

    @Test("counts a streamed answer in flight until its body has been relayed whole")
    func streamedAnswerInFlight() async throws {
        try await withFixture(backends: ["v1"]) { f in
            let v1 = f.server("v1")
            try await f.router.apply(service: "payin", groups: [BackendGroup(name: "stable", version: "v1", weight: 100, servers: [v1])])
            // The head is relayed, the body holds back its second half until released.
            let response = try await f.client.execute(HTTPClientRequest(url: f.running.trafficURL + "/payin/trickle"), timeout: .seconds(30))
            #expect(response.status == .ok)
            #expect(try await f.router.snapshot().inFlight == [v1: 1], "the backend is still sending: stopping it now would cut the answer")
            f.backend("v1").releaseHeld()
            #expect(String(buffer: try await response.body.collect(upTo: 1 << 20)) == "first,second")
            var left = try await f.router.snapshot().inFlight
            for _ in 0..<200 where !left.isEmpty {
                try await Task.sleep(for: .milliseconds(10))
                left = try await f.router.snapshot().inFlight
            }
            #expect(left.isEmpty, "the body relayed whole: \(left)")
        }
    }

    @Test("forwards method, path, query, headers and body; drops hop-by-hop headers")
    func forwardsRequests() async throws {
        try await withFixture(backends: ["echo"]) { f in
            try await f.router.apply(service: "core", groups: [
                BackendGroup(name: "stable", version: "v7", weight: 100, servers: [f.server("echo")]),
            ])
            var request = HTTPClientRequest(url: f.running.trafficURL + "/core/echo/deep/path?x=1&y=two")
            request.method = .POST
            request.headers.add(name: "x-test", value: "hello")
            request.headers.add(name: "connection", value: "x-secret")
            request.headers.add(name: "x-secret", value: "connection-scoped")
            request.headers.add(name: "proxy-authorization", value: "nope")
            request.body = .bytes(ByteBuffer(string: #"{"amount":42}"#))
            let response = try await f.client.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            #expect(response.status == .ok)
            #expect(response.headers.first(name: "x-railyard-group") == "stable")
            #expect(response.headers.first(name: "x-railyard-version") == "v7")
            #expect(response.headers.first(name: "x-backend") == "echo")
            let echo = try JSONDecoder().decode(Echo.self, from: Data(body.readableBytesView))
            #expect(echo.method == "POST")
            #expect(echo.target == "/echo/deep/path?x=1&y=two")
            #expect(echo.headers["x-test"] == "hello")
            #expect(echo.headers["x-secret"] == nil)
            #expect(echo.headers["proxy-authorization"] == nil)
            #expect(echo.body == #"{"amount":42}"#)

            let root = try await f.send("/core")
            #expect(root.status == 200)
            #expect(root.body.contains(#""target":"\/""#) || root.body.contains(#""target":"/""#))
        }
    }

    @Test("a restarted router serves the groups kept in its state file")
    func restoresFromStateFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("railyard-router-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let stateFile = directory.appendingPathComponent("dc1.json").path

        try await withFixture(backends: ["v1", "v2"], stateFile: stateFile) { f in
            let groups = [
                BackendGroup(name: "stable", version: "v1", weight: 70, servers: [f.server("v1")]),
                BackendGroup(name: "canary", version: "v2", weight: 30, servers: [f.server("v2")]),
            ]
            try await f.router.apply(service: "fx", groups: groups)
            _ = try await f.sendConcurrently(10, workers: 2, path: "/fx/whoami")
            let before = try await f.router.snapshot()

            let restarted = try await f.restartRouter()
            #expect(restarted.port != 0)
            let after = try await f.router.snapshot()
            #expect(after.generation == before.generation)
            let kept = try #require(after.services["fx"])
            let keptGroups = kept.map { BackendGroup(name: $0.name, version: $0.version, weight: $0.weight, servers: $0.servers) }
            let keptRequests = kept.map(\.requests)
            #expect(keptGroups == groups)
            #expect(keptRequests == [0, 0])

            let answers = try await f.sendConcurrently(10, workers: 2, path: "/fx/whoami")
            let statuses = Set(answers.map(\.status))
            let canaryCount = answers.filter { $0.group == "canary" }.count
            #expect(statuses == [200])
            #expect(canaryCount == 3)
        }
    }

    @Test("reports whether it is alive, and the factory builds the client")
    func liveness() async throws {
        try await withFixture(backends: []) { f in
            let provider = RouterFactory.provider(kind: .builtin, routerCommand: ["railyard", "router"], httpClient: f.client)
            let adminPort = try #require(URL(string: f.running.adminURL)?.port)
            let viaFactory = provider.connect(RouterRecord(target: "dc1", port: 1, adminPort: adminPort, logPath: "", stateFile: "", running: true))
            let launch = provider.launchSpec(target: "dc1", port: 8080, adminPort: 8081, stateFile: "/s/dc1.json", logPath: "/l/dc1.log")
            #expect(launch.arguments == ["railyard", "router", "--name", "dc1", "--port", "8080", "--admin-port", "8081", "--state-file", "/s/dc1.json"])
            let alive = await viaFactory.isAlive()
            #expect(alive)
            let empty = try await viaFactory.snapshot()
            #expect(empty.services.isEmpty)
            try await f.running.stop()
            let aliveAfterStop = await viaFactory.isAlive()
            #expect(aliveAfterStop == false)
            await #expect(throws: RouterError.self) { try await viaFactory.snapshot() }

            let nobody = BuiltInRouter(adminURL: "http://127.0.0.1:\(try FreePort.next())", httpClient: f.client)
            let nobodyAlive = await nobody.isAlive()
            #expect(nobodyAlive == false)
        }
    }
}

// MARK: - Fixture

func tally(_ values: [String]) -> [String: Int] {
    values.reduce(into: [:]) { $0[$1, default: 0] += 1 }
}

extension RouterSnapshot {
    func group(_ name: String, of service: String) -> GroupStats? {
        services[service]?.first { $0.name == name }
    }
}

/// One answer seen by the test client.
struct Answer: Sendable {
    var status: Int
    var group: String?
    var version: String?
    var body: String
}

/// What the echo backend saw.
struct Echo: Codable, Sendable {
    var method: String
    var target: String
    var headers: [String: String]
    var body: String
}

final class RouterFixture: Sendable {
    let client: HTTPClient
    let backends: [String: TestBackend]
    let stateFile: String?
    private let current: Mutex<RunningRouter>

    init(client: HTTPClient, backends: [String: TestBackend], running: RunningRouter, stateFile: String?) {
        self.client = client
        self.backends = backends
        self.stateFile = stateFile
        self.current = Mutex(running)
    }

    var running: RunningRouter { current.withLock { $0 } }
    var router: BuiltInRouter { BuiltInRouter(adminURL: running.adminURL, httpClient: client, name: "dc1") }

    func backend(_ name: String) -> TestBackend { backends[name]! }
    func server(_ name: String) -> String { "127.0.0.1:\(backend(name).port)" }

    /// Stops the router and starts a new one on the same state file (new ports).
    func restartRouter() async throws -> RunningRouter {
        try await running.stop()
        let next = try await BuiltInRouterServer.start(
            BuiltInRouterOptions(port: 0, adminPort: 0, name: "dc1", stateFile: stateFile), logger: quietLogger)
        current.withLock { $0 = next }
        return next
    }

    func send(_ path: String) async throws -> Answer {
        let response = try await client.execute(HTTPClientRequest(url: running.trafficURL + path), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return Answer(
            status: Int(response.status.code),
            group: response.headers.first(name: "x-railyard-group"),
            version: response.headers.first(name: "x-railyard-version"),
            body: String(buffer: body)
        )
    }

    /// `count` requests spread over `workers` concurrent loops.
    func sendConcurrently(_ count: Int, workers: Int, path: String) async throws -> [Answer] {
        try await withThrowingTaskGroup(of: [Answer].self) { group in
            for worker in 0..<workers {
                let share = count / workers + (worker < count % workers ? 1 : 0)
                group.addTask {
                    var answers: [Answer] = []
                    for _ in 0..<share { answers.append(try await self.send(path)) }
                    return answers
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }
}

let quietLogger: Logger = {
    var logger = Logger(label: "railyard.router.tests")
    logger.logLevel = .error
    return logger
}()

/// Starts the named backends and a router "dc1" on free loopback ports, runs `body`, and shuts
/// everything down whether `body` succeeds or not.
func withFixture(
    backends names: [String], stateFile: String? = nil, _ body: (RouterFixture) async throws -> Void
) async throws {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 128)
    configuration.redirectConfiguration = .disallow
    // A stopped router must read as stopped at once, not after the client's connect retries.
    configuration.connectionPool.retryConnectionEstablishment = false
    let client = HTTPClient(eventLoopGroup: .singletonMultiThreadedEventLoopGroup, configuration: configuration)
    var backends: [String: TestBackend] = [:]
    var fixture: RouterFixture?
    var failure: (any Error)?
    do {
        for name in names { backends[name] = try await TestBackend.start(name: name) }
        let running = try await BuiltInRouterServer.start(
            BuiltInRouterOptions(port: 0, adminPort: 0, name: "dc1", stateFile: stateFile), logger: quietLogger)
        fixture = RouterFixture(client: client, backends: backends, running: running, stateFile: stateFile)
        try await body(fixture!)
    } catch {
        failure = error
    }
    if let fixture { try? await fixture.running.stop() }
    for backend in backends.values { try? await backend.stop() }
    try await client.shutdown()
    if let failure { throw failure }
}

/// A tiny real HTTP backend answering its own name:
/// `/whoami`, `/slow` (200 ms), `/held` (until `releaseHeld()`), `/trickle` (a streamed body, its second half
/// after `releaseHeld()`), `/fail` (500), `/echo/...` (what it received, as JSON).
final class TestBackend: Sendable {
    let name: String
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>
    private let slowArrivals = Mutex(0)
    /// Requests to `/held` wait for `releaseHeld()` (at most 30 s): in flight for as long as a test needs.
    fileprivate let heldReleased = Mutex(false)

    private init(name: String, port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.name = name
        self.port = port
        self.group = group
        self.task = task
    }

    static func start(name: String) async throws -> TestBackend {
        let arrivals = ArrivalBox()
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            try await TestBackend.answer(request, name: name, arrivals: arrivals)
        }
        let (ports, announce) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { announce.yield($0.localAddress?.port ?? 0) },
            logger: quietLogger
        )
        let group = ServiceGroup(configuration: .init(services: [app], logger: quietLogger))
        let task = Task {
            defer { announce.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await task.value
            throw CancellationError()
        }
        let backend = TestBackend(name: name, port: port, group: group, task: task)
        arrivals.owner.withLock { $0 = backend }
        return backend
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }

    /// Waits (with a generous bound) until `count` requests to `/slow` have arrived.
    func waitForSlowArrivals(_ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while slowArrivals.withLock({ $0 }) < count {
            guard ContinuousClock.now < deadline else {
                throw RouterError.notStarted(router: name, reason: "only \(slowArrivals.withLock { $0 }) slow requests arrived")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    func releaseHeld() { heldReleased.withLock { $0 = true } }

    fileprivate func arrivedSlow() {
        slowArrivals.withLock { $0 += 1 }
    }

    private static func answer(_ request: Request, name: String, arrivals: ArrivalBox) async throws -> Response {
        let target = request.head.path ?? "/"
        var headers = HTTPFields()
        headers[HTTPField.Name("x-backend")!] = name
        if target.hasPrefix("/slow") {
            arrivals.owner.withLock { $0 }?.arrivedSlow()
            try await Task.sleep(for: .milliseconds(200))
        }
        if target.hasPrefix("/trickle"), let backend = arrivals.owner.withLock({ $0 }) {
            // No content-length: the router streams it.
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "first,"))
                let deadline = ContinuousClock.now + .seconds(30)
                while !backend.heldReleased.withLock({ $0 }) && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
                try await writer.write(ByteBuffer(string: "second"))
                try await writer.finish(nil)
            })
        }
        if target.hasPrefix("/held"), let backend = arrivals.owner.withLock({ $0 }) {
            backend.arrivedSlow()
            let deadline = ContinuousClock.now + .seconds(30)
            while !backend.heldReleased.withLock({ $0 }) && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        }
        if target.hasPrefix("/fail") {
            return Response(status: .internalServerError, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "boom")))
        }
        if target.hasPrefix("/echo") || target == "/" {
            let body = try await request.body.collect(upTo: 1 << 20)
            var seen: [String: String] = [:]
            for field in request.headers { seen[field.name.canonicalName] = field.value }
            let echo = Echo(method: request.method.rawValue, target: target, headers: seen, body: String(buffer: body))
            let data = try JSONEncoder().encode(echo)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: name)))
    }
}

/// Lets the responder, built before the backend object exists, reach it.
final class ArrivalBox: Sendable {
    let owner = Mutex<TestBackend?>(nil)
}
