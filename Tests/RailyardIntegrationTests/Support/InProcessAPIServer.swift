import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import RailyardAdapters
import RailyardPorts
import RailyardCore
import RailyardEngine
import RailyardServer
import ServiceLifecycle

/// The real API routes over a real engine (SQLite store in a temporary folder), served by
/// Hummingbird on a loopback port inside this process. Nothing is started in the fleet unless
/// a test asks for it, so service commands never run.
final class InProcessAPIServer: Sendable {
    let engine: RailyardEngine
    /// Every route the API registered, as "METHOD /path/{param}".
    let routes: [String]
    let folder: String
    let baseURL: String
    let services: ServiceGroup
    let task: Task<Void, any Error>
    /// A token for each person of `people`, by name.
    let tokens: [String: String]

    /// The people the tests act as, one per role (two approvers, for four-eyes).
    static let people: [String: Role] = [
        "alice": .releaseOwner, "bob": .approver, "carol": .approver, "olivia": .admin, "dave": .developer, "vic": .viewer, "tess": .tester,
    ]

    /// One answer of the API: its status and body, parsed as JSON when it is JSON.
    struct Answer: Sendable, CustomStringConvertible {
        var status: Int
        var text: String
        var contentType: String
        var json: JSONValue?
        var description: String { "\(status) \(text)" }

        /// The `detail` of a problem answer, or "" when there is none.
        var error: String { json?["detail"]?.string ?? "" }
    }

    private init(engine: RailyardEngine, routes: [String], folder: String, baseURL: String, services: ServiceGroup, task: Task<Void, any Error>,
                 tokens: [String: String]) {
        self.tokens = tokens
        self.services = services
        self.engine = engine
        self.routes = routes
        self.folder = folder
        self.baseURL = baseURL
        self.task = task
    }

    /// Writes `files` (paths relative to the folder of railyard.yml), parses `config`, builds the
    /// engine the way `railyard serve` does and serves the API on a port the system chooses.
    /// Runs `body` on a fresh server and always stops it, also when `body` throws.
    static func run(config yaml: String, files: [String: String] = [:], _ body: (InProcessAPIServer) async throws -> Void) async throws {
        let server = try await start(config: yaml, files: files)
        do {
            try await body(server)
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }

    static func start(config yaml: String, files: [String: String] = [:]) async throws -> InProcessAPIServer {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("railyard-api-contract-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (path, text) in files {
            let full = folder + "/" + path
            try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: full).deletingLastPathComponent().path,
                                                    withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
        let config = try ConfigLoader.parse(yaml, file: folder + "/railyard.yml", baseDirectory: folder)
        let metrics = ServerMetrics()
        let engine = try await Composition.engine(config: config, paths: RailyardPaths(root: folder + "/state"), routerCommand: ["/bin/false"],
                                                  telemetry: metrics.engineMetrics)
        try await engine.prepare()
        var tokens: [String: String] = [:]
        for (name, role) in people { tokens[name] = try await engine.access.create(name: name, role: role, lifetime: nil, by: "test").token }

        let router = Router(context: APIRequestContext.self)
        APIRoutes.register(on: router, engine: engine, metrics: metrics, onDown: {})
        let routes = router.routes.map { "\($0.method.rawValue) \($0.path.description)" }
        var logger = Logger(label: "railyard.api-contract-test")
        logger.logLevel = .error
        let (ports, portsContinuation) = AsyncStream<Int>.makeStream()
        // Port 0: the listener reports the port it got, so no other process can take it first.
        let app = Application(router: router,
                              configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "railyard-test"),
                              onServerRunning: { channel in portsContinuation.yield(channel.localAddress?.port ?? 0) },
                              logger: logger)
        let services = ServiceGroup(configuration: .init(services: engine.services + [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await services.run() }
        var port = 0
        for await reported in ports { port = reported; break }
        guard port > 0 else {
            task.cancel()
            throw InProcessAPIServerFailure("the API server did not report its port")
        }
        return InProcessAPIServer(engine: engine, routes: routes, folder: folder, baseURL: "http://127.0.0.1:\(port)", services: services, task: task,
                                  tokens: tokens)
    }

    /// Sends one real HTTP request as `person` (one of `people`; nil for no token) or with `token`;
    /// `path` starts with `/`.
    func send(_ method: String, _ path: String, body: String? = nil, as person: String? = "alice", token: String? = nil) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .init(rawValue: method)
        if let bearer = token ?? person.flatMap({ tokens[$0] }) { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        let data = Data(bytes.readableBytesView)
        return Answer(status: Int(response.status.code), text: String(decoding: data, as: UTF8.self),
                      contentType: response.headers.first(name: "Content-Type") ?? "",
                      json: try? JSONDecoder().decode(JSONValue.self, from: data))
    }

    /// What a server-sent-events answer carried within a time window.
    struct StreamAnswer: Sendable, CustomStringConvertible {
        var status: Int
        var contentType: String
        /// Each event's `data:` line, in order.
        var events: [String]
        /// The server ended the stream within the window.
        var ended: Bool
        /// Everything received.
        var text: String
        /// The body as JSON, when it is JSON (an error answer).
        var json: JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }
        var description: String { "\(status) \(contentType) ended: \(ended) events: \(events)" }
    }

    /// Opens a server-sent-events stream, reads it for `window` (or until it ends) and closes it.
    func stream(_ path: String, window: Duration = .milliseconds(500)) async throws -> StreamAnswer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.headers.add(name: "Accept", value: "text/event-stream")
        request.headers.add(name: "Authorization", value: "Bearer \(tokens["vic"]!)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let received = StreamText()
        let ended = await withTaskGroup(of: Bool?.self) { group in
            group.addTask {
                do {
                    for try await chunk in response.body { received.append(String(buffer: chunk)) }
                    return true
                } catch {
                    return false
                }
            }
            group.addTask {
                try? await Task.sleep(for: window)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? false
        }
        let events = received.text.components(separatedBy: "\n").filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
        return StreamAnswer(status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type") ?? "",
                            events: events, ended: ended, text: received.text)
    }

    /// Polls a rollout until its phase is one of `phases`.
    func waitForPhase(_ id: String, _ phases: Set<String>, timeout: Duration = .seconds(30)) async throws -> Answer {
        let deadline = ContinuousClock.now + timeout
        var last: Answer?
        while ContinuousClock.now < deadline {
            let answer = try await send("GET", "/api/v1/rollouts/\(id)")
            if let phase = answer.json?["phase"]?.string, phases.contains(phase) { return answer }
            last = answer
            try await Task.sleep(for: .milliseconds(20))
        }
        throw InProcessAPIServerFailure("rollout \(id) did not reach \(phases.sorted()); last answer: \(last.map(\.description) ?? "none")")
    }

    /// Stops the listener, the engine's rollout drivers and the store, and removes the folder.
    func stop() async throws {
        // The feed first: ending its listeners ends the open event streams, which graceful
        // shutdown would otherwise wait for.
        engine.feed.finishAll()
        await services.triggerGracefulShutdown()
        _ = await task.result
        try await engine.store.close()
        try? FileManager.default.removeItem(atPath: folder)
    }
}

struct InProcessAPIServerFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A JSON document, decoded without Foundation's number/boolean ambiguity.
enum JSONValue: Decodable, Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int64.self) { self = .integer(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var array: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer: "integer"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// Text received on a stream, shared between the reading task and the caller.
final class StreamText: @unchecked Sendable {
    private let lock = NSLock()
    private var received = ""
    func append(_ text: String) { lock.lock(); received += text; lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return received }
}
