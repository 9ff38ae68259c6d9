import Foundation
import Hummingbird
import RailyardAPI
import RailyardCore
import RailyardEngine
import RailyardPorts

/// The HTTP API over the engine. Requests name services and versions, never commands: what runs
/// comes from `railyard.yml` only. Every route but health needs a token (`AccessMiddleware`); the
/// audit log records the identity the token proves.
public enum APIRoutes {
    public static func register(on router: Router<APIRequestContext>, engine: RailyardEngine, metrics: ServerMetrics? = nil,
                                onDown: @escaping @Sendable () async -> Void) {
        let deployment = engine.config.deployment
        router.add(middleware: AccessMiddleware(table: EndpointAccess.table(reachesProduction: engine.config.deploymentReachesProduction),
                                                access: engine.access))
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

        api.get("whoami") { request, context in try await respond(request, context, access: engine.access) { API.WhoAmI($0) } }

        api.get("status") { request, context in try await respond(request, context, access: engine.access) { _ in try await engine.operations.status() } }

        api.get("targets/:target/services/:service/counters") { request, context in
            try await respond(request, context, access: engine.access) { _ in
                let target = try context.parameters.require("target"), service = try context.parameters.require("service")
                // Histogram names reach PromQL: metric names only, and a few.
                let histograms = (request.uri.queryParameters.get("histograms") ?? "").split(separator: ",").map(String.init)
                guard histograms.count <= 20, histograms.allSatisfy(PrometheusText.isMetricName) else {
                    throw Refusal(.badRequest, "histograms must be up to 20 metric names separated by commas, such as payin_settlement_seconds", field: "histograms")
                }
                let counters = (request.uri.queryParameters.get("counters") ?? "").split(separator: ",").map(String.init)
                guard counters.count <= 20, counters.allSatisfy(PrometheusText.isMetricName) else {
                    throw Refusal(.badRequest, "counters must be up to 20 metric names separated by commas, such as payins_failed_total", field: "counters")
                }
                let read = try await engine.operations.stableCounters(service: service, target: target, histograms: histograms, counters: counters)
                return API.ServiceCounters(service: service, target: target, version: read.version, instances: read.instances, counters: read.counters)
            }
        }

        api.post("fleet/up") { request, context in
            try await respond(request, context, access: engine.access) { identity in
                try await engine.operations.up(actor: identity.name)
                return try await engine.operations.status()
            }
        }

        api.post("fleet/down") { request, context in
            try await respond(request, context, access: engine.access) { identity in
                try await engine.operations.down(actor: identity.name)
                await onDown()
                return ["status": "down"]
            }
        }

        api.get("rollouts") { request, context in
            try await respond(request, context, access: engine.access) { _ in try await engine.rollouts.rollouts().map { API.RolloutView($0, deployment: deployment) } }
        }

        api.post("rollouts") { request, context in
            try await respond(request, context, access: engine.access, status: .created) { identity in
                let body = try await RequestBody.decode(API.DeployRequest.self, from: request, fields: ["service", "version"])
                return API.RolloutView(try await engine.rollouts.deploy(service: body.service, version: body.version, actor: identity.name),
                                       deployment: deployment)
            }
        }

        api.get("rollouts/:id") { request, context in
            try await respond(request, context, access: engine.access) { _ in
                let id = try context.parameters.require("id")
                return API.RolloutView(try await engine.rollouts.rollout(id: id), deployment: deployment, analysis: engine.rollouts.liveAnalysis(rolloutID: id))
            }
        }

        api.get("rollouts/:id/analyses") { request, context in
            try await respond(request, context, access: engine.access) { _ in try await engine.rollouts.analyses(rolloutID: try context.parameters.require("id")) }
        }

        api.get("analyses/:id") { request, context in
            try await respond(request, context, access: engine.access) { _ in
                let report = try await engine.rollouts.analysisReport(id: try context.parameters.require("id"))
                return API.AnalysisReport(analysis: report.record, looks: report.looks.map { .init(look: $0.look, judgement: $0.judgement) })
            }
        }

        api.get("analyses/:id/plot.svg") { request, context in
            do {
                let report = try await engine.rollouts.analysisReport(id: try context.parameters.require("id"))
                let svg = AnalysisPlot.svg(title: "\(report.record.service) \(report.record.canaryVersion) vs \(report.record.baselineVersion) in \(report.record.target)",
                                           looks: report.looks.map(\.look), judgements: report.looks.map(\.judgement))
                return Response(status: .ok, headers: [.contentType: "image/svg+xml"], body: .init(byteBuffer: ByteBuffer(string: svg)))
            } catch {
                return await problem(for: error, request, context, access: engine.access)
            }
        }

        // Server-sent events: every change of the rollout, as the JSON of `GET /rollouts/{id}`.
        api.get("rollouts/:id/stream") { request, context in
            let id = try context.parameters.require("id")
            let changes = engine.feed.changes()
            guard let first = try? await engine.rollouts.rollout(id: id) else {
                return ProblemResponse.make(.notFound, "no rollout '\(id)'", instance: request.uri.path)
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
            try await respond(request, context, access: engine.access) { identity in
                API.RolloutView(try await engine.rollouts.approve(id: try context.parameters.require("id"), actor: identity.name), deployment: deployment)
            }
        }

        api.post("rollouts/:id/abort") { request, context in
            try await respond(request, context, access: engine.access) { identity in
                let body = try await RequestBody.decodeIfPresent(API.AbortRequest.self, from: request, fields: ["reason"])
                if let reason = body?.reason, reason.count > 1000 {
                    throw Refusal(.badRequest, "reason is longer than 1000 characters", field: "reason")
                }
                return API.RolloutView(try await engine.rollouts.abort(id: try context.parameters.require("id"), actor: identity.name,
                                                                       reason: body?.reason ?? "no reason given"), deployment: deployment)
            }
        }

        api.get("history") { request, context in
            try await respond(request, context, access: engine.access) { _ in
                let parameters = request.uri.queryParameters
                var limit = 200
                if let text = parameters.get("limit") {
                    guard let value = Int(text), (1...5000).contains(value) else {
                        throw Refusal(.badRequest, "limit must be a whole number from 1 to 5000, not '\(text)'", field: "limit")
                    }
                    limit = value
                }
                return try await engine.rollouts.history(subject: parameters.get("subject"), limit: limit)
            }
        }

        api.get("tokens") { request, context in
            try await respond(request, context, access: engine.access) { _ in
                let now = engine.ports.clock.now()
                return try await engine.access.tokens().map { API.TokenView($0, now: now) }
            }
        }

        api.post("tokens") { request, context in
            try await respond(request, context, access: engine.access, status: .created) { identity in
                let body = try await RequestBody.decode(API.TokenRequest.self, from: request, fields: ["name", "role", "expires_in"])
                var lifetime: Duration?
                if let text = body.expiresIn {
                    guard let duration = DurationText.parse(text), duration > .zero else {
                        throw Refusal(.badRequest, "expires_in '\(text)' is not a duration such as 90d, 12h or 30m", field: "expires_in")
                    }
                    lifetime = duration
                }
                let (token, record) = try await engine.access.create(name: body.name, role: body.role, lifetime: lifetime, by: identity.name)
                return API.CreatedToken(token: token, record: record)
            }
        }

        api.delete("tokens/:id") { request, context in
            try await respond(request, context, access: engine.access) { identity in
                let record = try await engine.access.revoke(id: try context.parameters.require("id"), by: identity)
                return API.TokenView(record, now: engine.ports.clock.now())
            }
        }

        TrainRoutes.register(on: api, engine: engine)
        NightlyRoutes.register(on: api, engine: engine)
    }

    /// Runs a route for the identity the access middleware proved, answering refusals as problems.
    static func respond(_ request: Request, _ context: APIRequestContext, access: AccessControl, status: HTTPResponse.Status = .ok,
                        _ body: (Identity) async throws -> any Encodable) async throws -> Response {
        guard let identity = context.identity else {
            return ProblemResponse.make(.unauthorized, "no identity: this route needs a token", instance: request.uri.path)
        }
        do {
            return json(try await body(identity), status: status)
        } catch {
            return await problem(for: error, request, context, access: access)
        }
    }

    /// A refusal as a problem answer; a forbidden one (four-eyes) is audited like the middleware's.
    static func problem(for error: any Error, _ request: Request, _ context: APIRequestContext, access: AccessControl) async -> Response {
        if let refused = error as? TrainRequests.ImportRefusal {
            let count = refused.diagnostics.count
            return ProblemResponse.make(.badRequest, "\(count) problem\(count == 1 ? "" : "s") in the file; nothing was imported",
                                        instance: request.uri.path, field: "content", errors: refused.diagnostics)
        }
        if let stale = error as? StaleWrite {
            return ProblemResponse.make(.conflict, stale.description, instance: request.uri.path)
        }
        if let conflict = error as? StoreConflict {
            return ProblemResponse.make(.conflict, conflict.description, instance: request.uri.path)
        }
        guard let refusal = error as? Refusal else {
            return ProblemResponse.make(.internalServerError, "\(error)", instance: request.uri.path)
        }
        let code: HTTPResponse.Status = switch refusal.kind {
        case .badRequest: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        case .forbidden: .forbidden
        }
        if refusal.kind == .forbidden {
            await access.recordRefusal(client: context.client, endpoint: "\(request.method.rawValue) \(request.uri.path)",
                                       identity: context.identity?.name, status: 403, reason: refusal.reason)
        }
        return ProblemResponse.make(code, refusal.reason, instance: request.uri.path, field: refusal.field)
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? API.encoder.encode(value)) ?? Data(#"{"error":"encoding failed"}"#.utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
