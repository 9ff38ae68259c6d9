import Foundation
import Hummingbird
import RailyardAPI
import RailyardCore
import RailyardEngine

/// The nightly part of the API: start a run (by hand, or for a merged ticket), list runs, read a run's
/// report or its merged JUnit XML, and quarantine a test.
enum NightlyRoutes {
    static func register(on api: RouterGroup<APIRequestContext>, engine: RailyardEngine) {
        let access = engine.access

        api.get("nightly/runs") { request, context in
            try await APIRoutes.respond(request, context, access: access) { _ in
                let parameters = request.uri.queryParameters
                var limit = 20
                if let text = parameters.get("limit") {
                    guard let value = Int(text), (1...500).contains(value) else {
                        throw Refusal(.badRequest, "limit must be a whole number from 1 to 500, not '\(text)'", field: "limit")
                    }
                    limit = value
                }
                return try await engine.nightly.runs(train: parameters.get("train"), limit: limit)
            }
        }

        api.post("nightly/runs") { request, context in
            try await APIRoutes.respond(request, context, access: access, status: .accepted) { identity in
                let body = try await RequestBody.decodeIfPresent(API.NightlyRunRequest.self, from: request, fields: ["train"])
                return try await engine.nightly.start(train: body?.train, actor: identity.name)
            }
        }

        api.get("nightly/runs/:id") { request, context in
            try await APIRoutes.respond(request, context, access: access) { _ in
                try await engine.nightly.report(id: try context.parameters.require("id"))
            }
        }

        api.get("nightly/runs/:id/junit.xml") { request, context in
            do {
                let run = try await engine.nightly.run(id: try context.parameters.require("id"))
                return Response(status: .ok, headers: [.contentType: "application/xml; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(string: JUnitXMLWriter.merged(run))))
            } catch {
                return await APIRoutes.problem(for: error, request, context, access: access)
            }
        }

        api.post("trains/:id/tickets/:ticket/merged") { request, context in
            try await APIRoutes.respond(request, context, access: access, status: .accepted) { identity in
                try await engine.nightly.merged(train: try context.parameters.require("id"), ticket: try context.parameters.require("ticket"),
                                                actor: identity.name)
            }
        }

        api.get("nightly/quarantine") { request, context in
            try await APIRoutes.respond(request, context, access: access) { _ in try await engine.nightly.quarantine() }
        }

        api.post("nightly/quarantine") { request, context in
            try await APIRoutes.respond(request, context, access: access, status: .created) { identity in
                let body = try await RequestBody.decode(API.QuarantineRequest.self, from: request, fields: ["test", "reason", "owner", "expires_in"])
                guard let duration = DurationText.parse(body.expiresIn), duration > .zero else {
                    throw Refusal(.badRequest, "expires_in '\(body.expiresIn)' is not a duration such as 14d or 72h", field: "expires_in")
                }
                let expires = engine.ports.clock.now().addingTimeInterval(duration.timeInterval)
                return try await engine.nightly.quarantine(test: body.test, reason: body.reason, owner: body.owner, expires: expires, actor: identity.name)
            }
        }
    }
}
