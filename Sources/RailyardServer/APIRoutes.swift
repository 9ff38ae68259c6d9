import Foundation
import Hummingbird
import RailyardAPI
import RailyardCore
import RailyardEngine

/// The HTTP API over the engine. Requests name services and versions, never commands: what runs
/// comes from `railyard.yml` only.
public enum APIRoutes {
    public static func register(on router: Router<BasicRequestContext>, engine: RailyardEngine, metrics: ServerMetrics? = nil,
                                onDown: @escaping @Sendable () async -> Void) {
        let deployment = engine.config.deployment
        let api = router.group("api/v1")

        // Railyard's own metrics, for Prometheus: rollouts by phase, step durations, reconcile findings,
        // router apply latency, analyses by verdict.
        if let metrics {
            router.get("metrics") { _, _ in
                let text = try await metrics.render(engine: engine)
                return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(string: text)))
            }
        }

        api.get("health") { _, _ in json(["status": "ok"]) }

        api.get("status") { _, _ in try await respond { try await engine.operations.status() } }

        api.post("fleet/up") { request, _ in
            try await respond {
                try await engine.operations.up(actor: actor(of: request))
                return try await engine.operations.status()
            }
        }

        api.post("fleet/down") { request, _ in
            try await respond {
                try await engine.operations.down(actor: actor(of: request))
                await onDown()
                return ["status": "down"]
            }
        }

        api.get("rollouts") { _, _ in
            try await respond { try await engine.rollouts.rollouts().map { API.RolloutView($0, deployment: deployment) } }
        }

        api.post("rollouts") { request, _ in
            try await respond(status: .created) {
                let body = try await decode(API.DeployRequest.self, from: request)
                return API.RolloutView(try await engine.rollouts.deploy(service: body.service, version: body.version, actor: actor(of: request)),
                                       deployment: deployment)
            }
        }

        api.get("rollouts/:id") { _, context in
            try await respond {
                let id = try context.parameters.require("id")
                return API.RolloutView(try await engine.rollouts.rollout(id: id), deployment: deployment, analysis: engine.rollouts.liveAnalysis(rolloutID: id))
            }
        }

        api.get("rollouts/:id/analyses") { _, context in
            try await respond { try await engine.rollouts.analyses(rolloutID: try context.parameters.require("id")) }
        }

        api.get("analyses/:id") { _, context in
            try await respond {
                let report = try await engine.rollouts.analysisReport(id: try context.parameters.require("id"))
                return API.AnalysisReport(analysis: report.record, looks: report.looks.map { .init(look: $0.look, judgement: $0.judgement) })
            }
        }

        api.get("analyses/:id/plot.svg") { _, context in
            do {
                let report = try await engine.rollouts.analysisReport(id: try context.parameters.require("id"))
                let svg = AnalysisPlot.svg(title: "\(report.record.service) \(report.record.canaryVersion) vs \(report.record.baselineVersion) in \(report.record.target)",
                                           looks: report.looks.map(\.look), judgements: report.looks.map(\.judgement))
                return Response(status: .ok, headers: [.contentType: "image/svg+xml"], body: .init(byteBuffer: ByteBuffer(string: svg)))
            } catch let refusal as Refusal {
                return json(API.ErrorBody(error: refusal.reason), status: .notFound)
            }
        }

        // Server-sent events: every change of the rollout, as the JSON of `GET /rollouts/{id}`.
        api.get("rollouts/:id/stream") { _, context in
            let id = try context.parameters.require("id")
            let changes = engine.feed.changes()
            guard let first = try? await engine.rollouts.rollout(id: id) else {
                return json(API.ErrorBody(error: "no rollout '\(id)'"), status: .notFound)
            }
            let body = ResponseBody { writer in
                var last = ""
                func send(_ record: RolloutRecord) async throws {
                    let view = API.RolloutView(record, deployment: deployment, analysis: engine.rollouts.liveAnalysis(rolloutID: id))
                    let data = String(decoding: try API.compactEncoder.encode(view), as: UTF8.self)
                    guard data != last else { return }
                    last = data
                    try await writer.write(ByteBuffer(string: "event: rollout\ndata: \(data)\n\n"))
                }
                try await send(first)
                if !first.phase.isTerminal {
                    for await record in changes where record.id == id {
                        try await send(record)
                        if record.phase.isTerminal { break }
                    }
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
        }

        api.post("rollouts/:id/approve") { request, context in
            try await respond {
                API.RolloutView(try await engine.rollouts.approve(id: try context.parameters.require("id"), actor: actor(of: request)), deployment: deployment)
            }
        }

        api.post("rollouts/:id/abort") { request, context in
            try await respond {
                let body = (try? await decode(API.AbortRequest.self, from: request)) ?? API.AbortRequest(reason: nil)
                return API.RolloutView(try await engine.rollouts.abort(id: try context.parameters.require("id"), actor: actor(of: request),
                                                              reason: body.reason ?? "no reason given"), deployment: deployment)
            }
        }

        api.get("history") { request, _ in
            try await respond {
                let limit = request.uri.queryParameters.get("limit", as: Int.self) ?? 200
                return try await engine.rollouts.history(subject: request.uri.queryParameters.get("subject"), limit: min(max(limit, 1), 5000))
            }
        }
    }

    /// Who asked: the CLI sends the user's name; it lands in the audit log with every change.
    static func actor(of request: Request) -> String {
        let name = request.headers[.init("X-Railyard-Actor")!] ?? "anonymous"
        return String(name.prefix(64)).filter { !$0.isNewline }
    }

    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: 1 << 20)
        } catch {
            throw Refusal(.badRequest, "request body larger than 1 MiB")
        }
        do {
            return try API.decoder.decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw Refusal(.badRequest, "invalid request body: \(error)")
        }
    }

    static func respond(status: HTTPResponse.Status = .ok, _ body: () async throws -> some Encodable) async throws -> Response {
        do {
            return json(try await body(), status: status)
        } catch let refusal as Refusal {
            let code: HTTPResponse.Status = switch refusal.kind {
            case .badRequest: .badRequest
            case .notFound: .notFound
            case .conflict: .conflict
            }
            return json(API.ErrorBody(error: refusal.reason), status: code)
        } catch {
            return json(API.ErrorBody(error: "\(error)"), status: .internalServerError)
        }
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? API.encoder.encode(value)) ?? Data(#"{"error":"encoding failed"}"#.utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
