import Foundation
import Hummingbird
import RailyardPorts

/// The admin listener's routes, a small JSON runtime API in the spirit of HAProxy's:
/// `GET /health`, `GET /state`, `PUT /services/{service}`, `DELETE /services/{service}`.
enum RouterAdminAPI {
    /// Body of `PUT /services/{service}`.
    struct ApplyBody: Codable, Sendable {
        var groups: [BackendGroup]
    }

    struct Health: Codable, Sendable {
        var status: String
        var name: String
    }

    /// Admin bodies are a handful of groups; anything bigger is a mistake.
    static let maxBodySize = 1 << 20

    static func router(name: String, table: RouteTable) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("/health") { _, _ in
            RouterJSON.response(.ok, Health(status: "ok", name: name))
        }
        router.get("/state") { _, _ in
            RouterJSON.response(.ok, table.snapshot())
        }
        router.put("/services/:service") { request, context in
            let service = context.parameters.get("service") ?? ""
            let body: ApplyBody
            do {
                let buffer = try await request.body.collect(upTo: maxBodySize)
                body = try JSONDecoder().decode(ApplyBody.self, from: Data(buffer.readableBytesView))
            } catch {
                return RouterJSON.error(.badRequest, "body is not {\"groups\": [BackendGroup]}: \(error)", router: name)
            }
            if let problem = RouteValidator.problem(service: service, groups: body.groups) {
                return RouterJSON.error(.badRequest, problem, router: name)
            }
            do {
                return RouterJSON.response(.ok, try table.apply(service: service, groups: body.groups))
            } catch {
                return RouterJSON.error(.internalServerError, "could not keep the change: \(error)", router: name)
            }
        }
        router.delete("/services/:service") { _, context in
            let service = context.parameters.get("service") ?? ""
            do {
                return RouterJSON.response(.ok, try table.remove(service: service))
            } catch {
                return RouterJSON.error(.internalServerError, "could not keep the change: \(error)", router: name)
            }
        }
        return router
    }
}
