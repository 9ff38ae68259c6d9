import AsyncHTTPClient
import Foundation
import NIOCore
import RailyardCore
import Synchronization

/// The typed client of Railyard's HTTP API (`docs/openapi.yaml`): what the CLI, the demo and
/// scripts use to talk to `railyard serve`. It imports no engine.
public struct RailyardClient: Sendable {
    public let baseURL: String
    /// The bearer token that proves who is asking; nil calls only what is open (health).
    public let token: String?
    let http: HTTPClient
    let connectTimeout: Duration

    /// A refused or unreachable call: `status` 0 when the server could not be reached at all.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let status: Int
        public let message: String
        /// The roles that may make the call, when it was refused for want of one.
        public let requiredRoles: [Role]
        /// Every problem of an imported file, by line and field.
        public let errors: [ImportDiagnostic]
        public var isUnreachable: Bool { status == 0 }
        /// 401 or 403: no token, a bad one, or a role that may not do this.
        public var isNotAllowed: Bool { status == 401 || status == 403 }
        public var description: String { message }
        public init(status: Int, message: String, requiredRoles: [Role] = [], errors: [ImportDiagnostic] = []) {
            self.status = status
            self.message = message
            self.requiredRoles = requiredRoles
            self.errors = errors
        }
    }

    /// - Parameter connectTimeout: how long connecting may take; a refused connection fails at once
    ///   whatever this is. A long call (a watch) still reads for as long as it needs.
    public init(baseURL: String, token: String?, connectTimeout: Duration = .seconds(2)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.connectTimeout = connectTimeout
        self.http = Self.http(connectTimeout: connectTimeout)
    }

    /// One HTTP client per connect timeout, for the life of the process: connecting fails fast (a
    /// refused connection is not retried until the request's deadline).
    static let clients = Mutex<[Duration: HTTPClient]>([:])
    static func http(connectTimeout: Duration) -> HTTPClient {
        clients.withLock { clients in
            if let client = clients[connectTimeout] { return client }
            var configuration = HTTPClient.Configuration(timeout: .init(connect: .nanoseconds(Int64(connectTimeout.timeInterval * 1e9))))
            configuration.connectionPool.retryConnectionEstablishment = false
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[connectTimeout] = client
            return client
        }
    }

    // MARK: Fleet

    public func health() async throws { _ = try await send("GET", "health") }
    public func status() async throws -> FleetStatus { try await get("status") }
    /// The stable version's counters of `service` in `target`, read through the server's metric source.
    /// `histograms`: the service's own histograms to read too (metric names).
    public func serviceCounters(service: String, target: String, histograms: [String] = [], counters: [String] = []) async throws -> API.ServiceCounters {
        func list(_ names: [String]) -> String { names.joined(separator: ",").addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? "" }
        let query = [histograms.isEmpty ? nil : "histograms=" + list(histograms), counters.isEmpty ? nil : "counters=" + list(counters)].compactMap { $0 }
        return try await get("targets/\(escaped(target))/services/\(escaped(service))/counters" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
    }
    public func up() async throws -> FleetStatus { try await post("fleet/up", body: [String: String]()) }
    /// Rolls back what is in flight and stops everything; the server stops after answering.
    public func down() async throws { let _: [String: String] = try await post("fleet/down", body: [String: String]()) }

    // MARK: Rollouts

    public func rollouts() async throws -> [API.RolloutView] { try await get("rollouts") }
    public func rollout(_ id: String) async throws -> API.RolloutView { try await get("rollouts/\(escaped(id))") }
    public func deploy(service: String, version: String) async throws -> API.RolloutView {
        try await post("rollouts", body: API.DeployRequest(service: service, version: version))
    }
    public func approve(_ id: String) async throws -> API.RolloutView { try await post("rollouts/\(escaped(id))/approve", body: [String: String]()) }
    public func abort(_ id: String, reason: String) async throws -> API.RolloutView {
        try await post("rollouts/\(escaped(id))/abort", body: API.AbortRequest(reason: reason))
    }
    public func history(subject: String? = nil, limit: Int = 200) async throws -> [AuditEvent] {
        var path = "history?limit=\(limit)"
        if let subject { path += "&subject=\(subject.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? subject)" }
        return try await get(path)
    }

    /// Every change of a rollout as the server stores it (server-sent events), starting with its state
    /// now; ends when the rollout ends.
    public func changes(of id: String) -> AsyncThrowingStream<API.RolloutView, any Error> {
        let request = makeRequest("GET", "rollouts/\(escaped(id))/stream")
        let http = self.http, baseURL = self.baseURL, connect = connectTimeout
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let response: HTTPClientResponse
                    do {
                        response = try await http.execute(request, timeout: .hours(24))
                    } catch {
                        throw Self.unreachable(baseURL, error, connectTimeout: connect)
                    }
                    guard response.status.code == 200 else {
                        let data = Data((try await response.body.collect(upTo: 1 << 20)).readableBytesView)
                        throw Self.refusal(Int(response.status.code), data)
                    }
                    var pending = ""
                    var body = response.body.makeAsyncIterator()
                    while true {
                        // The server gone mid-stream (stopped, killed, restarting) is unreachable, as before it
                        // answered: the caller may follow the rollout again once it is back.
                        let next: ByteBuffer?
                        do { next = try await body.next() } catch { throw Self.lost(baseURL, error) }
                        guard let chunk = next else { break }
                        pending += String(buffer: chunk)
                        while let end = pending.range(of: "\n\n") {
                            let event = String(pending[..<end.lowerBound])
                            pending.removeSubrange(..<end.upperBound)
                            for line in event.split(separator: "\n") where line.hasPrefix("data: ") {
                                continuation.yield(try API.decoder.decode(API.RolloutView.self, from: Data(line.dropFirst(6).utf8)))
                            }
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    // MARK: Identities

    public func whoami() async throws -> API.WhoAmI { try await get("whoami") }
    public func tokens() async throws -> [API.TokenView] { try await get("tokens") }
    public func createToken(name: String, role: Role, expiresIn: String?) async throws -> API.CreatedToken {
        try await post("tokens", body: API.TokenRequest(name: name, role: role, expiresIn: expiresIn))
    }
    public func revokeToken(_ id: String) async throws -> API.TokenView {
        try API.decoder.decode(API.TokenView.self, from: try await send("DELETE", "tokens/\(escaped(id))"))
    }

    // MARK: Trains

    public func trains() async throws -> [TrainRecord] { try await get("trains") }
    public func train(_ id: String) async throws -> API.TrainView { try await get("trains/\(escaped(id))") }
    public func createTrain(_ request: API.TrainRequest) async throws -> API.TrainView { try await post("trains", body: request) }
    public func importTickets(train id: String, fileName: String, content: String, skipInvalid: Bool) async throws -> API.TicketImportResult {
        try await post("trains/\(escaped(id))/tickets", body: API.TicketImportRequest(fileName: fileName, content: content, skipInvalid: skipInvalid))
    }
    public func trainPlan(_ id: String) async throws -> TrainPlan { try await get("trains/\(escaped(id))/plan") }
    public func answer(train id: String, ticket: String, answers: RiskAnswers) async throws -> Ticket {
        try await post("trains/\(escaped(id))/tickets/\(escaped(ticket))/answers", body: answers)
    }
    public func signReview(train id: String) async throws -> TrainRecord { try await post("trains/\(escaped(id))/review", body: [String: String]()) }
    public func advanceTrain(_ id: String) async throws -> TrainRecord { try await post("trains/\(escaped(id))/advance", body: [String: String]()) }
    public func gates(train id: String) async throws -> [GateResult] { try await get("trains/\(escaped(id))/gates") }
    public func changeRecord(train id: String) async throws -> ChangeRecord { try await get("trains/\(escaped(id))/record") }
    public func figures() async throws -> ReleaseFigures { try await get("figures") }
    public func schedule() async throws -> ScheduleState { try await get("schedule") }
    public func skipRun(train: String, reason: String) async throws -> ScheduleState {
        try await post("schedule/skip", body: API.ScheduleRunRequest(train: train, reason: reason))
    }
    public func resumeRun(train: String) async throws -> ScheduleState {
        try await post("schedule/resume", body: API.ScheduleRunRequest(train: train, reason: nil))
    }
    public func setServices(train id: String, _ services: [String: String]) async throws -> TrainRecord {
        try await post("trains/\(escaped(id))/services", body: API.TrainServicesRequest(services: services))
    }
    public func putTicket(train id: String, ticket: String, _ request: API.TicketRequest) async throws -> Ticket {
        try API.decoder.decode(Ticket.self, from: try await send("PUT", "trains/\(escaped(id))/tickets/\(escaped(ticket))", body: try API.encoder.encode(request)))
    }
    public func advanceClock(by duration: String) async throws -> API.ClockView { try await post("clock/advance", body: API.ClockAdvanceRequest(by: duration)) }
    public func nightlyRuns(train: String? = nil, limit: Int = 20) async throws -> [NightlyRunRecord] {
        try await get("nightly/runs?limit=\(limit)" + (train.map { "&train=\(escaped($0))" } ?? ""))
    }
    public func startNightly(train: String?) async throws -> NightlyRunRecord { try await post("nightly/runs", body: API.NightlyRunRequest(train: train)) }
    public func nightlyReport(_ id: String) async throws -> NightlyReport { try await get("nightly/runs/\(escaped(id))") }
    public func nightlyJUnit(_ id: String) async throws -> Data { try await send("GET", "nightly/runs/\(escaped(id))/junit.xml") }
    public func merged(train id: String, ticket: String) async throws -> NightlyRunRecord {
        try await post("trains/\(escaped(id))/tickets/\(escaped(ticket))/merged", body: [String: String]())
    }
    public func quarantine() async throws -> [QuarantineEntry] { try await get("nightly/quarantine") }
    public func quarantine(_ request: API.QuarantineRequest) async throws -> QuarantineEntry { try await post("nightly/quarantine", body: request) }
    public func figuresChart() async throws -> Data { try await send("GET", "figures/chart.svg") }
    public func validate(train id: String, ticket: String, _ request: API.ValidationRequest) async throws -> Validation {
        try await post("trains/\(escaped(id))/tickets/\(escaped(ticket))/validations", body: request)
    }
    public func changeSoak(train id: String, _ request: API.SoakRequest) async throws -> TrainRecord {
        try await post("trains/\(escaped(id))/soak", body: request)
    }
    public func addApproval(train id: String, _ request: API.ApprovalItemRequest) async throws -> TrainRecord {
        try await post("trains/\(escaped(id))/approvals", body: request)
    }
    public func approve(train id: String, item: Int) async throws -> TrainRecord {
        try await post("trains/\(escaped(id))/approvals/\(item)/approve", body: [String: String]())
    }
    public func override(train id: String, gate: TrainGate, reason: String) async throws -> TrainRecord {
        try await post("trains/\(escaped(id))/gates/\(gate.rawValue)/override", body: API.ReasonRequest(reason: reason))
    }
    public func skipTrain(_ id: String, to stage: TrainState, reason: String) async throws -> TrainRecord {
        try await post("trains/\(escaped(id))/skip", body: API.SkipRequest(to: stage, reason: reason))
    }
    public func cancelTrain(_ id: String, reason: String) async throws -> TrainRecord {
        try await post("trains/\(escaped(id))/cancel", body: API.ReasonRequest(reason: reason))
    }

    // MARK: Analyses

    public func analyses(ofRollout id: String) async throws -> [AnalysisRecord] { try await get("rollouts/\(escaped(id))/analyses") }
    public func analysis(_ id: String) async throws -> API.AnalysisReport { try await get("analyses/\(escaped(id))") }
    public func analysisPlot(_ id: String) async throws -> Data { try await send("GET", "analyses/\(escaped(id))/plot.svg") }

    // MARK: Transport

    func get<T: Decodable>(_ path: String) async throws -> T { try API.decoder.decode(T.self, from: try await send("GET", path)) }

    func post<T: Decodable>(_ path: String, body: some Encodable) async throws -> T {
        try API.decoder.decode(T.self, from: try await send("POST", path, body: try API.encoder.encode(body)))
    }

    func escaped(_ segment: String) -> String { segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? segment }

    func makeRequest(_ method: String, _ path: String, body: Data? = nil) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: baseURL + "/api/v1/" + path)
        request.method = .init(rawValue: method)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        return request
    }

    func send(_ method: String, _ path: String, body: Data? = nil) async throws -> Data {
        let response: HTTPClientResponse
        do {
            response = try await http.execute(makeRequest(method, path, body: body), timeout: .seconds(600))
        } catch {
            throw Self.unreachable(baseURL, error, connectTimeout: connectTimeout)
        }
        let data = Data((try await response.body.collect(upTo: 64 << 20)).readableBytesView)
        guard (200..<300).contains(response.status.code) else { throw Self.refusal(Int(response.status.code), data) }
        return data
    }

    static func refusal(_ status: Int, _ data: Data) -> Failure {
        guard let problem = try? API.decoder.decode(API.Problem.self, from: data) else {
            return Failure(status: status, message: String(decoding: data, as: UTF8.self))
        }
        return Failure(status: status, message: problem.detail, requiredRoles: problem.requiredRoles ?? [], errors: problem.errors ?? [])
    }

    /// The server stopped answering in the middle of a stream it had begun.
    static func lost(_ baseURL: String, _ error: any Error) -> Failure {
        Failure(status: 0, message: "lost the Railyard server at \(baseURL) in the middle of the stream (\(error)); "
                + "the rollout goes on there: follow it again once the server answers")
    }

    /// Says in words why the server could not be reached, rather than NIO's error text.
    static func unreachable(_ baseURL: String, _ error: any Error, connectTimeout: Duration) -> Failure {
        let text = "\(error)".lowercased()
        let why = if text.contains("refused") {
            "nothing listens there (connection refused)"
        } else if text.contains("connecttimeout") || text.contains("connect timeout") {
            "no answer to the connection within \(String(format: "%g", connectTimeout.timeInterval)) s (--connect-timeout)"
        } else if text.contains("reset") || text.contains("eof") || text.contains("closed") {
            "the connection was closed before an answer came"
        } else if text.contains("deadline") || text.contains("timeout") {
            "no answer in time"
        } else {
            "\(error)"
        }
        return Failure(status: 0, message: "cannot reach the Railyard server at \(baseURL): \(why); start it with `railyard serve`")
    }
}
