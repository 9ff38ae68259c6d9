import Foundation
import Hummingbird
import RailyardCore
import RailyardEngine

/// Checks every request against `EndpointAccess`'s table before its route runs: 405 for a method the
/// path does not take, 401 without a valid token, 403 for a role the endpoint does not accept. Every
/// 401 and 403 is audited (rate-limited per client) with the endpoint.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let table: [String: EndpointAccess.Rule]
    let access: AccessControl

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let endpoint = "\(request.method.rawValue) \(request.uri.path)"
        guard let pattern = context.endpointPath else {
            let allowed = EndpointAccess.methods(forPath: request.uri.path, in: table)
            guard allowed.isEmpty else {
                return ProblemResponse.make(.methodNotAllowed, "\(request.uri.path) takes \(allowed.joined(separator: ", ")), not \(request.method.rawValue)",
                                            instance: request.uri.path, headers: [.allow: allowed.joined(separator: ", ")])
            }
            return ProblemResponse.make(.notFound, "no endpoint \(request.uri.path); see docs/openapi.yaml", instance: request.uri.path)
        }
        guard let rule = table["\(request.method.rawValue) \(pattern)"] else {
            await access.recordRefusal(client: context.client, endpoint: endpoint, identity: nil, status: 403, reason: "no access rule")
            return ProblemResponse.make(.forbidden, "\(endpoint) has no access rule, so no one may call it", instance: request.uri.path)
        }
        guard case .roles(let roles, let why) = rule else { return try await next(request, context) }

        switch try await access.authenticate(token: Self.bearer(request)) {
        case .failure(let failure):
            await access.recordRefusal(client: context.client, endpoint: endpoint, identity: nil, status: 401, reason: failure.description)
            return ProblemResponse.make(.unauthorized, "\(failure); \(why)", instance: request.uri.path, requiredRoles: roles,
                                        headers: [.wwwAuthenticate: #"Bearer realm="railyard""#])
        case .success(let identity):
            guard roles.contains(identity.role) else {
                let reason = "\(why); \(identity.name)'s token has role \(identity.role.rawValue)"
                await access.recordRefusal(client: context.client, endpoint: endpoint, identity: identity.name, status: 403, reason: reason)
                return ProblemResponse.make(.forbidden, reason, instance: request.uri.path, requiredRoles: roles)
            }
            var context = context
            context.identity = identity
            return try await next(request, context)
        }
    }

    /// The token of `Authorization: Bearer TOKEN`, or nil.
    static func bearer(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }
}
