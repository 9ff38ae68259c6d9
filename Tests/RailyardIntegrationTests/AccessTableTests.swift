import Foundation
import RailyardCore
import RailyardServer
import Testing

/// `EndpointAccess`'s table against the API as served: every route has a rule, the document shows the
/// same rule, and every endpoint answers each role, no token, a bad, an expired and a revoked token as
/// the table says.
@Suite("Access table: every endpoint × every role and bad token", .serialized)
struct AccessTableTests {
    /// A body each endpoint accepts, so an allowed call fails for some other reason than its input.
    static let bodies: [String: String] = [
        "POST /api/v1/rollouts": #"{"service": "payin", "version": "v7"}"#,
        "POST /api/v1/rollouts/{id}/abort": #"{"reason": "access table"}"#,
        "POST /api/v1/tokens": #"{"name": "zed", "role": "viewer"}"#,
        "POST /api/v1/trains": #"{"id": "2026.47", "captain": "carol"}"#,
        "POST /api/v1/trains/{id}/tickets": #"{"file_name": "x.csv", "content": "Issue key,Summary,Assignee,Component/s\nPAY-1,t,dave,payin\n"}"#,
        "POST /api/v1/trains/{id}/cancel": #"{"reason": "access table"}"#,
        "POST /api/v1/trains/{id}/skip": #"{"to": "production", "reason": "access table"}"#,
        "POST /api/v1/trains/{id}/tickets/{ticket}/answers": #"{"scripts": true}"#,
        "POST /api/v1/trains/{id}/tickets/{ticket}/validations": #"{"environment": "testing", "verdict": "validated", "comment": "ok"}"#,
        "POST /api/v1/trains/{id}/soak": #"{"action": "end", "reason": "access table"}"#,
        "POST /api/v1/trains/{id}/approvals": #"{"title": "Go", "assignee": "bob"}"#,
        "POST /api/v1/trains/{id}/gates/{gate}/override": #"{"reason": "access table"}"#,
        "POST /api/v1/clock/advance": #"{"by": "1h"}"#,
        "POST /api/v1/schedule/skip": #"{"train": "2026.52", "reason": "access table"}"#,
        "POST /api/v1/schedule/resume": #"{"train": "2026.52"}"#,
        "POST /api/v1/trains/{id}/services": #"{"services": {}}"#,
        "PUT /api/v1/trains/{id}/tickets/{ticket}": #"{"title": "t", "owner": "dave", "services": ["payin"]}"#,
    ]

    /// A concrete path for a route: `{id}` becomes an id that does not exist.
    static func path(_ route: String) -> String {
        String(route.split(separator: " ")[1]).replacingOccurrences(of: "{id}", with: "nope").replacingOccurrences(of: "{ticket}", with: "PAY-0")
            .replacingOccurrences(of: "{item}", with: "1").replacingOccurrences(of: "{gate}", with: "performance")
    }

    @Test("every route has a rule, and docs/openapi.yaml shows the same roles")
    func everyRouteHasARule() async throws {
        let document = try OpenAPIDocument()
        try await InProcessAPIServer.run(config: APIContractTests.contractConfig) { server in
            let table = EndpointAccess.table(reachesProduction: true)
            #expect(Set(server.routes) == Set(table.keys),
                    "routes without a rule: \(Set(server.routes).subtracting(table.keys).sorted()); rules without a route: \(Set(table.keys).subtracting(server.routes).sorted())")
            for (route, rule) in table {
                let documented = document.roles(of: route)
                let expected = rule.roles.map { $0.sorted().map(\.rawValue) } ?? []
                #expect(documented.map { Set($0) } == Set(expected), "\(route): the document says \(documented ?? []), the table \(expected)")
            }
        }
        let elsewhere = EndpointAccess.table(reachesProduction: false)["POST /api/v1/rollouts"]?.roles
        #expect(elsewhere == [.developer, .releaseOwner])
    }

    @Test("each role, no token, a bad, expired or revoked token: answered as the table says")
    func everyEndpointAnswersEachCallerAsTheTableSays() async throws {
        let document = try OpenAPIDocument()
        try await InProcessAPIServer.run(config: APIContractTests.contractConfig) { server in
            let table = EndpointAccess.table(reachesProduction: server.engine.config.deploymentReachesProduction)
            // An expired token, written straight to the store with a past expiry: no waiting on a clock.
            let expired = "ry_expired-token-for-the-access-table-test-0001"
            let past = Date(timeIntervalSince1970: 1_000_000_000)
            try await server.engine.store.save(
                TokenRecord(id: "tok_expired", name: "old", role: .admin, digest: server.engine.ports.tokenHasher.digest(of: expired),
                            createdAt: past, createdBy: "test", expiresAt: past.addingTimeInterval(60)),
                event: AuditEvent(at: past, actor: "test", kind: "token.created", subject: "token:tok_expired", message: "expired token for the test"))
            let (revoked, revokedRecord) = try await server.engine.access.create(name: "gone", role: .admin, lifetime: nil, by: "test")
            let olivia = try await server.engine.access.authenticate(token: server.tokens["olivia"]).get()
            _ = try await server.engine.access.revoke(id: revokedRecord.id, by: olivia)

            // fleet/down last: it stops what fleet/up started.
            let routes = table.keys.filter { $0 != "GET /api/v1/rollouts/{id}/stream" }.sorted { ($0.contains("fleet/down") ? 1 : 0, $0) < ($1.contains("fleet/down") ? 1 : 0, $1) }
            var checked = 0
            for route in routes {
                guard case .roles(let allowed, let why) = table[route]! else {
                    let open = try await server.send("GET", Self.path(route), as: nil)
                    #expect(open.status == 200, "\(route) is open: \(open)")
                    continue
                }
                let method = String(route.split(separator: " ")[0]), path = Self.path(route), body = Self.bodies[route]
                for (name, role) in InProcessAPIServer.people.sorted(by: { $0.key < $1.key }) {
                    let answer = try await server.send(method, path, body: body, as: name)
                    checked += 1
                    if allowed.contains(role) {
                        #expect(answer.status != 401 && answer.status != 403, "\(route) as \(name) (\(role.rawValue)) is allowed: \(answer)")
                    } else {
                        #expect(answer.status == 403, "\(route) as \(name) (\(role.rawValue)) is refused: \(answer)")
                        #expect(answer.contentType.hasPrefix("application/problem+json"), "\(route): \(answer.contentType)")
                        #expect(answer.error.contains(why) && answer.error.contains(role.rawValue), "\(route) as \(name): \(answer)")
                        let required = answer.json?["required_roles"]?.array?.compactMap(\.string) ?? []
                        #expect(Set(required) == Set(allowed.map(\.rawValue)), "\(route) as \(name): \(answer)")
                        #expect(document.problems(answering: route, status: 403, contentType: answer.contentType, body: answer.json).isEmpty,
                                "\(route) 403 as documented: \(answer)")
                    }
                }
                for (label, token) in [("no token", nil), ("a bad token", "ry_not-a-real-token"), ("an expired token", expired),
                                       ("a revoked token", revoked)] as [(String, String?)] {
                    let answer = try await server.send(method, path, body: body, as: nil, token: token)
                    checked += 1
                    #expect(answer.status == 401, "\(route) with \(label): \(answer)")
                    let reason = ["no token": "no token", "a bad token": "not valid", "an expired token": "expired", "a revoked token": "revoked"][label]!
                    #expect(answer.error.contains(reason), "\(route) with \(label): \(answer)")
                    #expect(document.problems(answering: route, status: 401, contentType: answer.contentType, body: answer.json).isEmpty,
                            "\(route) 401 as documented: \(answer)")
                }
            }
            #expect(checked == routes.count * 11 - 11, "\(checked) calls checked")
        }
    }

    @Test("the audit log records the identity the token proves, and every refusal with its endpoint")
    func theAuditLogRecordsProvenIdentitiesAndRefusals() async throws {
        try await InProcessAPIServer.run(config: APIContractTests.flowConfig, files: APIContractTests.flowFiles) { server in
            // A claimed name is ignored: the token says alice.
            var request = try await server.send("POST", "/api/v1/rollouts", body: #"{"service": "payin", "version": "v2"}"#, as: "alice")
            #expect(request.status == 201 && request.json?["created_by"]?.string == "alice", "\(request)")
            request = try await server.send("POST", "/api/v1/rollouts/nope/approve", as: "dave")
            #expect(request.status == 403)
            request = try await server.send("POST", "/api/v1/fleet/up", as: nil, token: "ry_guess")
            #expect(request.status == 401)
            let history = try await server.send("GET", "/api/v1/history?limit=50", as: "vic")
            let refusals = history.json?.array?.filter { $0["kind"]?.string == "access.refused" } ?? []
            #expect(refusals.count == 2, "\(history)")
            #expect(refusals.first?["actor"]?.string == "dave" && refusals.first?["subject"]?.string == "POST /api/v1/rollouts/nope/approve"
                    && refusals.first?["reason"]?.string?.contains("approving needs approver") == true, "\(refusals)")
            #expect(refusals.last?["actor"]?.string == "unauthenticated client 127.0.0.1" && refusals.last?["subject"]?.string == "POST /api/v1/fleet/up"
                    && refusals.last?["reason"]?.string?.contains("not valid") == true, "\(refusals)")
            let created = history.json?.array?.first { $0["kind"]?.string == "rollout.created" }
            #expect(created?["actor"]?.string == "alice", "\(history)")
        }
    }

    @Test("a method a path does not take answers 405 with Allow; an unknown path 404; both as problems")
    func undeclaredMethodsAnswer405() async throws {
        try await InProcessAPIServer.run(config: APIContractTests.contractConfig) { server in
            for (method, path, allow) in [("DELETE", "/api/v1/rollouts", "GET, POST"), ("PUT", "/api/v1/rollouts/x/approve", "POST"),
                                          ("PATCH", "/api/v1/health", "GET"), ("POST", "/api/v1/tokens/tok_x", "DELETE")] {
                let answer = try await server.send(method, path)
                #expect(answer.status == 405 && answer.contentType.hasPrefix("application/problem+json"), "\(method) \(path): \(answer)")
                #expect(answer.json?["detail"]?.string?.contains("takes \(allow)") == true, "\(method) \(path): \(answer)")
            }
            let unknown = try await server.send("GET", "/api/v1/nothing-here")
            #expect(unknown.status == 404 && unknown.json?["status"] == .integer(404), "\(unknown)")
        }
    }
}
