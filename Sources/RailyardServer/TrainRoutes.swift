import Foundation
import Hummingbird
import RailyardAdapters
import RailyardAPI
import RailyardCore
import RailyardEngine

/// The trains part of the API: create a train, import its tickets from a tracker's export, read it,
/// move it to its next stage, cancel it.
enum TrainRoutes {
    static func register(on api: RouterGroup<APIRequestContext>, engine: RailyardEngine) {
        let access = engine.access

        api.get("trains") { request, context in
            try await APIRoutes.respond(request, context, access: access) { _ in try await engine.trains.trains() }
        }

        api.post("trains") { request, context in
            try await APIRoutes.respond(request, context, access: access, status: .created) { identity in
                let body = try await RequestBody.decode(API.TrainRequest.self, from: request, fields: ["id", "captain", "services", "kind", "fixes"])
                let train = try await engine.trains.create(id: body.id, captain: body.captain, services: body.services ?? [:],
                                                           kind: body.kind ?? .regular, fixes: body.fixes, actor: identity.name)
                return API.TrainView(train: train, tickets: [])
            }
        }

        api.get("trains/:id") { request, context in
            try await APIRoutes.respond(request, context, access: access) { _ in
                let id = try context.parameters.require("id")
                return API.TrainView(train: try await engine.trains.train(id: id), tickets: try await engine.trains.tickets(train: id),
                                     forecast: try await engine.trains.forecast(train: id))
            }
        }

        api.post("trains/:id/tickets") { request, context in
            try await APIRoutes.respond(request, context, access: access) { identity in
                let body = try await RequestBody.decode(API.TicketImportRequest.self, from: request, fields: ["file_name", "content", "skip_invalid"])
                guard let format = TicketFileReader.Format(fileName: body.fileName) else {
                    throw Refusal(.badRequest, "\(body.fileName): the file name must end in .csv or .json", field: "file_name")
                }
                let table = TicketFileReader.read(body.content, format: format)
                let outcome = try await engine.trains.importTickets(train: try context.parameters.require("id"), header: table.header, rows: table.rows,
                                                                    fileProblems: table.diagnostics, file: body.fileName,
                                                                    skipInvalid: body.skipInvalid ?? false, actor: identity.name)
                return API.TicketImportResult(imported: outcome.imported, skipped: outcome.skipped)
            }
        }

        api.get("trains/:id/plan") { request, context in
            try await APIRoutes.respond(request, context, access: access) { _ in try await engine.trains.plan(train: try context.parameters.require("id")) }
        }

        api.post("trains/:id/tickets/:ticket/answers") { request, context in
            try await APIRoutes.respond(request, context, access: access) { identity in
                let answers = try await RequestBody.decode(RiskAnswers.self, from: request,
                                                           fields: ["scripts", "rollbackable", "backward_compatible", "scope"])
                return try await engine.trains.answer(train: try context.parameters.require("id"), ticket: try context.parameters.require("ticket"),
                                                      answers: answers, actor: identity.name)
            }
        }

        api.post("trains/:id/review") { request, context in
            try await APIRoutes.respond(request, context, access: access) { identity in
                try await engine.trains.signReview(train: try context.parameters.require("id"), actor: identity.name)
            }
        }

        api.post("trains/:id/advance") { request, context in
            try await APIRoutes.respond(request, context, access: access) { identity in
                try await engine.trains.advance(id: try context.parameters.require("id"), actor: identity.name)
            }
        }

        api.post("trains/:id/skip") { request, context in
            try await APIRoutes.respond(request, context, access: access) { identity in
                let body = try await RequestBody.decode(API.SkipRequest.self, from: request, fields: ["to", "reason"])
                guard !body.reason.trimmingCharacters(in: .whitespaces).isEmpty, body.reason.count <= 1000 else {
                    throw Refusal(.badRequest, "reason must say why, in 1 to 1000 characters", field: "reason")
                }
                return try await engine.trains.skip(id: try context.parameters.require("id"), to: body.to, actor: identity.name,
                                                    isApprover: identity.role == .approver, reason: body.reason)
            }
        }

        // Moves a simulated clock forward (serve --simulated-clock): a demo's days pass in seconds.
        api.post("clock/advance") { request, context in
            try await APIRoutes.respond(request, context, access: access) { identity in
                let body = try await RequestBody.decode(API.ClockAdvanceRequest.self, from: request, fields: ["by"])
                guard let clock = engine.ports.clock as? SimulatedClock else {
                    throw Refusal(.conflict, "this server runs on the real clock; only `railyard serve --simulated-clock` can be moved forward")
                }
                guard let step = DurationText.parse(body.by), step > .zero, step <= .seconds(366 * 86_400) else {
                    throw Refusal(.badRequest, "by must be a duration from 1ms to 366 days, e.g. 3d or 12h", field: "by")
                }
                let before = clock.now()
                clock.advance(by: step.timeInterval)
                try await engine.store.append(AuditEvent(at: clock.now(), actor: identity.name, kind: "clock.advanced", subject: "clock",
                                                         message: "simulated clock moved forward by \(body.by)",
                                                         before: before.formatted(.iso8601), after: clock.now().formatted(.iso8601)))
                return API.ClockView(now: clock.now())
            }
        }

        api.get("schedule") { request, context in
            try await APIRoutes.respond(request, context, access: access) { _ in try await engine.trains.schedule() }
        }

        api.post("schedule/skip") { request, context in
            try await APIRoutes.respond(request, context, access: access) { identity in
                let body = try await RequestBody.decode(API.ScheduleRunRequest.self, from: request, fields: ["train", "reason"])
                return try await engine.trains.skipRun(train: body.train, reason: try Self.reason(body.reason ?? ""), actor: identity.name)
            }
        }

        api.post("schedule/resume") { request, context in
            try await APIRoutes.respond(request, context, access: access) { identity in
                let body = try await RequestBody.decode(API.ScheduleRunRequest.self, from: request, fields: ["train", "reason"])
                return try await engine.trains.resumeRun(train: body.train, actor: identity.name, scheduler: engine.scheduler)
            }
        }

        api.get("figures") { request, context in
            try await APIRoutes.respond(request, context, access: access) { _ in try await engine.trains.figures() }
        }

        api.get("figures/chart.svg") { request, context in
            do {
                let svg = ReleaseFiguresChart.svg(try await engine.trains.figures())
                return Response(status: .ok, headers: [.contentType: "image/svg+xml"], body: .init(byteBuffer: ByteBuffer(string: svg)))
            } catch {
                return await APIRoutes.problem(for: error, request, context, access: access)
            }
        }

        api.get("trains/:id/record") { request, context in
            try await APIRoutes.respond(request, context, access: access) { _ in try await engine.trains.record(train: try context.parameters.require("id")) }
        }

        api.get("trains/:id/gates") { request, context in
            try await APIRoutes.respond(request, context, access: access) { _ in try await engine.trains.gates(train: try context.parameters.require("id")) }
        }

        api.post("trains/:id/tickets/:ticket/validations") { request, context in
            try await APIRoutes.respond(request, context, access: access, status: .created) { identity in
                let body = try await RequestBody.decode(API.ValidationRequest.self, from: request, fields: ["environment", "verdict", "comment"])
                return try await engine.trains.validate(train: try context.parameters.require("id"), ticket: try context.parameters.require("ticket"),
                                                        environment: body.environment, verdict: body.verdict, comment: body.comment,
                                                        actor: identity.name)
            }
        }

        api.post("trains/:id/services") { request, context in
            try await APIRoutes.respond(request, context, access: access) { identity in
                let body = try await RequestBody.decode(API.TrainServicesRequest.self, from: request, fields: ["services"])
                return try await engine.trains.setServices(train: try context.parameters.require("id"), services: body.services, actor: identity.name)
            }
        }

        api.put("trains/:id/tickets/:ticket") { request, context in
            try await APIRoutes.respond(request, context, access: access) { identity in
                let body = try await RequestBody.decode(API.TicketRequest.self, from: request, fields: ["title", "type", "owner", "services", "merged_at"])
                return try await engine.trains.putTicket(train: try context.parameters.require("id"), ticket: try context.parameters.require("ticket"),
                                                         title: body.title, type: body.type, owner: body.owner, services: body.services,
                                                         mergedAt: body.mergedAt, actor: identity.name)
            }
        }

        api.post("trains/:id/soak") { request, context in
            try await APIRoutes.respond(request, context, access: access) { identity in
                let body = try await RequestBody.decode(API.SoakRequest.self, from: request, fields: ["action", "duration", "reason"])
                let reason = try Self.reason(body.reason)
                var extra: Duration?
                if let text = body.duration {
                    guard let duration = DurationText.parse(text) else {
                        throw Refusal(.badRequest, "duration '\(text)' is not a duration such as 12h or 90m", field: "duration")
                    }
                    extra = duration
                }
                return try await engine.trains.changeSoak(train: try context.parameters.require("id"), kind: body.action, by: extra, reason: reason,
                                                          actor: identity.name)
            }
        }

        api.post("trains/:id/approvals") { request, context in
            try await APIRoutes.respond(request, context, access: access, status: .created) { identity in
                let body = try await RequestBody.decode(API.ApprovalItemRequest.self, from: request, fields: ["title", "assignee"])
                return try await engine.trains.addApproval(train: try context.parameters.require("id"), title: body.title, assignee: body.assignee,
                                                           actor: identity.name)
            }
        }

        api.post("trains/:id/approvals/:item/approve") { request, context in
            try await APIRoutes.respond(request, context, access: access) { identity in
                guard let item = Int(try context.parameters.require("item")) else {
                    throw Refusal(.notFound, "no checklist item '\(try context.parameters.require("item"))': items are numbered 1, 2, …")
                }
                return try await engine.trains.approve(train: try context.parameters.require("id"), item: item, actor: identity.name, role: identity.role)
            }
        }

        api.post("trains/:id/gates/:gate/override") { request, context in
            try await APIRoutes.respond(request, context, access: access) { identity in
                let name = try context.parameters.require("gate")
                guard let gate = TrainGate(rawValue: name) else {
                    throw Refusal(.notFound, "no gate '\(name)'\(Suggestion.hint(for: name, among: TrainGate.allCases.map(\.rawValue)))")
                }
                let body = try await RequestBody.decode(API.ReasonRequest.self, from: request, fields: ["reason"])
                return try await engine.trains.override(train: try context.parameters.require("id"), gate: gate, reason: try Self.reason(body.reason),
                                                        actor: identity.name)
            }
        }

        api.post("trains/:id/cancel") { request, context in
            try await APIRoutes.respond(request, context, access: access) { identity in
                let body = try await RequestBody.decode(API.ReasonRequest.self, from: request, fields: ["reason"])
                guard !body.reason.trimmingCharacters(in: .whitespaces).isEmpty, body.reason.count <= 1000 else {
                    throw Refusal(.badRequest, "reason must say why, in 1 to 1000 characters", field: "reason")
                }
                return try await engine.trains.cancel(id: try context.parameters.require("id"), actor: identity.name, reason: body.reason)
            }
        }
    }

    /// A reason a person gives: 1 to 1000 characters, not only blanks.
    static func reason(_ text: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 1000 else {
            throw Refusal(.badRequest, "reason must say why, in 1 to 1000 characters", field: "reason")
        }
        return trimmed
    }
}
