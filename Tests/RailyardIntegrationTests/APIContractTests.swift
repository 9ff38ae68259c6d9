import Foundation
import Testing

/// `docs/openapi.yaml` against the API as served: every documented operation is called over real
/// HTTP on the real routes and engine, and every answer must carry a status the document lists for
/// it and a body that matches the documented schema. The document and the routes must also list
/// the same operations.
@Suite("API contract (docs/openapi.yaml)", .serialized)
struct APIContractTests {
    /// One payin service; waves act on staging and dc1, so nothing can be deployed before `up`.
    static let contractConfig = """
        services:
          payin:
            kind: microservice
            command: "/bin/false {port} {version}"
            version: v1
            instances: { staging: 1, dc1: 1, dc2: 1 }
        environments:
          - name: staging
          - name: production
            datacenters: [dc1, dc2]
        deployment:
          waves:
            - name: staging
              target: staging
              steps: [deploy, smoke, promote]
            - name: canary
              target: dc1
              steps: [deploy, setWeight: 10, pause: approval, promote]
        """

    /// One wave with no target (a script and an approval), so rollouts run without any router or
    /// instance: it exercises the success paths of create, approve and abort.
    static let flowConfig = """
        services:
          payin:
            kind: microservice
            command: "/bin/false {port} {version}"
            version: v1
            instances: { staging: 1 }
        environments:
          - name: staging
        scripts:
          - name: 001-fee-column
            apply: scripts/001.sh
            rollback: scripts/001.rollback.sh
            timeout: 30s
        deployment:
          waves:
            - name: gate
              steps: [scripts, pause: approval]
        """

    static let flowFiles = [
        "scripts/001.sh": "#!/bin/sh\necho applied \"$RAILYARD_ROLLOUT\"\n",
        // Slow on purpose: the rollout stays `rolling_back` long enough to be aborted again.
        "scripts/001.rollback.sh": "#!/bin/sh\nsleep 3\necho rolled back \"$RAILYARD_ROLLOUT\"\n",
    ]

    /// A request sent in the contract test, and what it must answer besides matching the document.
    struct Call: Sendable {
        var operation: String
        var path: String
        var body: String? = nil
        /// Who sends it (one of `InProcessAPIServer.people`); nil for no token.
        var person: String? = "alice"
        var status: Int
        var errorContains: String? = nil
        /// A server-sent-events stream: read for a moment, then closed.
        var stream = false
    }

    static let calls: [Call] = [
        // The nightly: this railyard.yml has no suites, so a run is refused with what to add; lists and quarantine work.
        Call(operation: "GET /api/v1/nightly/runs", path: "/api/v1/nightly/runs", person: "vic", status: 200),
        Call(operation: "GET /api/v1/nightly/runs", path: "/api/v1/nightly/runs?train=2026.48&limit=0", status: 400, errorContains: "from 1 to 500"),
        Call(operation: "POST /api/v1/nightly/runs", path: "/api/v1/nightly/runs", body: "{}", status: 400, errorContains: "no nightly suites"),
        Call(operation: "POST /api/v1/nightly/runs", path: "/api/v1/nightly/runs", person: "vic", status: 403,
             errorContains: "starting a nightly run needs release-owner, developer or tester"),
        Call(operation: "GET /api/v1/nightly/runs/{id}", path: "/api/v1/nightly/runs/2026.48-n1", status: 404, errorContains: "no nightly run 2026.48-n1"),
        Call(operation: "GET /api/v1/nightly/runs/{id}/junit.xml", path: "/api/v1/nightly/runs/2026.48-n1/junit.xml", status: 404),
        Call(operation: "POST /api/v1/trains/{id}/tickets/{ticket}/merged", path: "/api/v1/trains/2026.47/tickets/PAY-1/merged", person: "dave",
             status: 404, errorContains: "no train '2026.47'"),
        Call(operation: "POST /api/v1/trains/{id}/tickets/{ticket}/merged", path: "/api/v1/trains/2026.47/tickets/PAY-1/merged", person: "tess",
             status: 403, errorContains: "recording a merge needs release-owner or developer"),
        Call(operation: "POST /api/v1/nightly/quarantine", path: "/api/v1/nightly/quarantine",
             body: #"{"test": "payments.payin.balanceSeesConcurrentPayins", "reason": "race in the sandbox ledger, PAY-1301", "owner": "dave", "expires_in": "14d"}"#,
             person: "tess", status: 201),
        Call(operation: "POST /api/v1/nightly/quarantine", path: "/api/v1/nightly/quarantine",
             body: #"{"test": "payments.x", "reason": "flaky", "owner": "dave", "expires_in": "forever"}"#, person: "tess", status: 400,
             errorContains: "expires_in 'forever'"),
        Call(operation: "POST /api/v1/nightly/quarantine", path: "/api/v1/nightly/quarantine",
             body: #"{"test": "payments.x", "reason": "flaky", "owner": "dave", "expires_in": "120d"}"#, person: "tess", status: 400,
             errorContains: "at most 90 days"),
        Call(operation: "POST /api/v1/nightly/quarantine", path: "/api/v1/nightly/quarantine",
             body: #"{"test": "payments.x", "reason": "flaky", "owner": "dave", "expires_in": "14d"}"#, person: "dave", status: 403,
             errorContains: "quarantining a test needs release-owner or tester"),
        Call(operation: "GET /api/v1/nightly/quarantine", path: "/api/v1/nightly/quarantine", person: "vic", status: 200),
        Call(operation: "GET /api/v1/health", path: "/api/v1/health", status: 200),
        Call(operation: "GET /api/v1/status", path: "/api/v1/status", status: 200),
        Call(operation: "GET /api/v1/rollouts", path: "/api/v1/rollouts", status: 200),
        Call(operation: "GET /api/v1/history", path: "/api/v1/history", status: 200),
        Call(operation: "GET /api/v1/history", path: "/api/v1/history?subject=payin&limit=5", status: 200),
        Call(operation: "GET /api/v1/history", path: "/api/v1/history?limit=not-a-number", status: 400, errorContains: "limit must be"),
        Call(operation: "GET /api/v1/history", path: "/api/v1/history?limit=5001", status: 400, errorContains: "from 1 to 5000"),
        Call(operation: "GET /api/v1/history", path: "/api/v1/history", person: nil, status: 401, errorContains: "no token"),
        Call(operation: "GET /api/v1/whoami", path: "/api/v1/whoami", person: "vic", status: 200),
        Call(operation: "GET /api/v1/tokens", path: "/api/v1/tokens", person: "olivia", status: 200),
        Call(operation: "GET /api/v1/tokens", path: "/api/v1/tokens", status: 403, errorContains: "listing tokens needs admin"),
        Call(operation: "POST /api/v1/tokens", path: "/api/v1/tokens", body: #"{"name": "erin", "role": "tester", "expires_in": "90d"}"#,
             person: "olivia", status: 201),
        Call(operation: "POST /api/v1/tokens", path: "/api/v1/tokens", body: #"{"name": "erin", "role": "boss"}"#, person: "olivia", status: 400,
             errorContains: "'role' is not valid"),
        Call(operation: "POST /api/v1/tokens", path: "/api/v1/tokens", body: #"{"name": "erin", "role": "tester", "expires_in": "soon"}"#,
             person: "olivia", status: 400, errorContains: "expires_in 'soon'"),
        Call(operation: "DELETE /api/v1/tokens/{id}", path: "/api/v1/tokens/tok_nope", person: "olivia", status: 404, errorContains: "no token 'tok_nope'"),
        // Trains: created, its tickets imported (a bad file refused whole, with every line), moved on, cancelled.
        Call(operation: "POST /api/v1/trains", path: "/api/v1/trains", body: #"{"id": "2026.48", "captain": "carol", "services": {"payin": "2026.48.1"}}"#,
             status: 201),
        Call(operation: "POST /api/v1/trains", path: "/api/v1/trains", body: #"{"id": "2026.48", "captain": "carol"}"#, status: 409,
             errorContains: "already exists"),
        Call(operation: "POST /api/v1/trains", path: "/api/v1/trains", body: #"{"id": "2026.49", "captain": "carol", "services": {"ledger": "1"}}"#,
             status: 400, errorContains: "no service 'ledger'"),
        Call(operation: "POST /api/v1/trains/{id}/tickets", path: "/api/v1/trains/2026.48/tickets",
             body: #"{"file_name": "jira.csv", "content": "Issue key,Summary,Assignee,Component/s\nPAY-1,Fee column,dave,payin\n"}"#, status: 200),
        Call(operation: "POST /api/v1/trains/{id}/tickets", path: "/api/v1/trains/2026.48/tickets",
             body: #"{"file_name": "jira.csv", "content": "Issue key,Summary,Assignee,Component/s\nPAY-2,,dave,payn\n"}"#, person: "dave", status: 400,
             errorContains: "2 problems in the file; nothing was imported"),
        Call(operation: "POST /api/v1/trains/{id}/tickets", path: "/api/v1/trains/2026.48/tickets",
             body: #"{"file_name": "jira.xlsx", "content": ""}"#, status: 400, errorContains: "must end in .csv or .json"),
        Call(operation: "GET /api/v1/trains/{id}", path: "/api/v1/trains/2026.48", person: "vic", status: 200),
        // The review: answers per ticket, refused signature while one is missing, then the plan.
        Call(operation: "POST /api/v1/trains/{id}/tickets/{ticket}/answers", path: "/api/v1/trains/2026.48/tickets/PAY-1/answers",
             body: #"{"scripts": false, "rollbackable": true, "backward_compatible": true}"#, status: 200),
        Call(operation: "POST /api/v1/trains/{id}/review", path: "/api/v1/trains/2026.48/review", status: 409, errorContains: "PAY-1 (scope)"),
        Call(operation: "POST /api/v1/trains/{id}/tickets/{ticket}/answers", path: "/api/v1/trains/2026.48/tickets/PAY-1/answers",
             body: #"{"scope": "narrow"}"#, status: 200),
        Call(operation: "POST /api/v1/trains/{id}/tickets/{ticket}/answers", path: "/api/v1/trains/2026.48/tickets/PAY-9/answers",
             body: #"{"scope": "narrow"}"#, status: 404, errorContains: "no ticket 'PAY-9'"),
        Call(operation: "POST /api/v1/trains/{id}/tickets/{ticket}/answers", path: "/api/v1/trains/2026.48/tickets/PAY-1/answers",
             body: #"{"scope": "galactic"}"#, status: 400, errorContains: "'scope' is not valid"),
        Call(operation: "POST /api/v1/trains/{id}/review", path: "/api/v1/trains/2026.48/review", status: 200),
        Call(operation: "GET /api/v1/trains/{id}/plan", path: "/api/v1/trains/2026.48/plan", person: "tess", status: 200),
        Call(operation: "GET /api/v1/trains/{id}/plan", path: "/api/v1/trains/nope/plan", status: 404),
        Call(operation: "GET /api/v1/trains/{id}", path: "/api/v1/trains/nope", status: 404, errorContains: "no train 'nope'"),
        // Content edited by hand: the versions, one ticket (checked as an imported row is).
        Call(operation: "POST /api/v1/trains/{id}/services", path: "/api/v1/trains/2026.48/services", body: #"{"services": {"payin": "2026.48.2"}}"#,
             status: 200),
        Call(operation: "POST /api/v1/trains/{id}/services", path: "/api/v1/trains/2026.48/services", body: #"{"services": {"ledger": "1"}}"#,
             status: 400, errorContains: "no service 'ledger'"),
        Call(operation: "PUT /api/v1/trains/{id}/tickets/{ticket}", path: "/api/v1/trains/2026.48/tickets/PAY-7",
             body: #"{"title": "Refund fees", "owner": "erin", "services": ["payin"], "merged_at": "2026-11-20"}"#, person: "dave", status: 200),
        Call(operation: "PUT /api/v1/trains/{id}/tickets/{ticket}", path: "/api/v1/trains/2026.48/tickets/PAY-7",
             body: #"{"title": "Refund fees", "owner": "erin", "services": ["payn"]}"#, status: 400, errorContains: "did you mean 'payin'"),
        Call(operation: "PUT /api/v1/trains/{id}/tickets/{ticket}", path: "/api/v1/trains/2026.48/tickets/PAY-7",
             body: #"{"title": "Refund fees", "owner": "erin", "services": ["payin"], "merged_at": "last week"}"#, status: 400,
             errorContains: "merged_at: 'last week' is not a date"),
        // The checklist, validation and gates: who may do what, and every closed gate named.
        Call(operation: "POST /api/v1/trains/{id}/approvals", path: "/api/v1/trains/2026.48/approvals", body: #"{"title": "Go from support", "assignee": "bob"}"#,
             status: 201),
        Call(operation: "POST /api/v1/trains/{id}/approvals", path: "/api/v1/trains/2026.48/approvals", body: #"{"title": "", "assignee": "bob"}"#,
             status: 400, errorContains: "title must be"),
        Call(operation: "POST /api/v1/trains/{id}/approvals/{item}/approve", path: "/api/v1/trains/2026.48/approvals/1/approve", status: 403,
             errorContains: "assigned to bob"),
        Call(operation: "POST /api/v1/trains/{id}/approvals/{item}/approve", path: "/api/v1/trains/2026.48/approvals/1/approve", person: "bob",
             status: 200),
        Call(operation: "POST /api/v1/trains/{id}/approvals/{item}/approve", path: "/api/v1/trains/2026.48/approvals/7/approve", person: "bob",
             status: 404, errorContains: "no checklist item #7"),
        Call(operation: "POST /api/v1/trains/{id}/tickets/{ticket}/validations", path: "/api/v1/trains/2026.48/tickets/PAY-1/validations",
             body: #"{"environment": "testing", "verdict": "validated", "comment": "fee checked"}"#, person: "tess", status: 201),
        Call(operation: "POST /api/v1/trains/{id}/tickets/{ticket}/validations", path: "/api/v1/trains/2026.48/tickets/PAY-1/validations",
             body: #"{"environment": "qa", "verdict": "validated", "comment": "x"}"#, person: "tess", status: 400, errorContains: "no environment 'qa'"),
        Call(operation: "POST /api/v1/trains/{id}/tickets/{ticket}/validations", path: "/api/v1/trains/2026.48/tickets/PAY-9/validations",
             body: #"{"environment": "testing", "verdict": "validated", "comment": "x"}"#, person: "tess", status: 404, errorContains: "no ticket 'PAY-9'"),
        Call(operation: "GET /api/v1/trains/{id}/gates", path: "/api/v1/trains/2026.48/gates", person: "vic", status: 200),
        Call(operation: "GET /api/v1/trains/{id}/record", path: "/api/v1/trains/2026.48/record", person: "vic", status: 200),
        Call(operation: "GET /api/v1/figures", path: "/api/v1/figures", person: "vic", status: 200),
        Call(operation: "GET /api/v1/schedule", path: "/api/v1/schedule", person: "vic", status: 200),
        Call(operation: "POST /api/v1/schedule/skip", path: "/api/v1/schedule/skip", body: #"{"train": "2026.52", "reason": "holidays"}"#, status: 409,
             errorContains: "sets no trains: cadence"),
        Call(operation: "POST /api/v1/schedule/resume", path: "/api/v1/schedule/resume", body: #"{"train": "2026.52"}"#, status: 404,
             errorContains: "is not skipped"),
        Call(operation: "POST /api/v1/clock/advance", path: "/api/v1/clock/advance", body: #"{"by": "3d"}"#, person: "olivia", status: 409,
             errorContains: "runs on the real clock"),
        Call(operation: "GET /api/v1/figures/chart.svg", path: "/api/v1/figures/chart.svg", person: "vic", status: 200),
        Call(operation: "GET /api/v1/trains/{id}/record", path: "/api/v1/trains/nope/record", status: 404, errorContains: "no train 'nope'"),
        Call(operation: "POST /api/v1/trains/{id}/gates/{gate}/override", path: "/api/v1/trains/2026.48/gates/performance/override",
             body: #"{"reason": "perf run 48 within budget"}"#, person: "bob", status: 200),
        Call(operation: "POST /api/v1/trains/{id}/gates/{gate}/override", path: "/api/v1/trains/2026.48/gates/approvals/override",
             body: #"{"reason": "x"}"#, person: "bob", status: 409, errorContains: "holds"),
        Call(operation: "POST /api/v1/trains/{id}/gates/{gate}/override", path: "/api/v1/trains/2026.48/gates/speed/override",
             body: #"{"reason": "x"}"#, person: "bob", status: 404, errorContains: "no gate 'speed'"),
        Call(operation: "POST /api/v1/trains/{id}/soak", path: "/api/v1/trains/2026.48/soak", body: #"{"action": "end", "reason": "freeze"}"#,
             status: 409, errorContains: "sets no soak"),
        Call(operation: "POST /api/v1/trains/{id}/soak", path: "/api/v1/trains/2026.48/soak", body: #"{"action": "stop", "reason": "freeze"}"#,
             status: 400, errorContains: "'action' is not valid"),
        Call(operation: "POST /api/v1/trains/{id}/advance", path: "/api/v1/trains/2026.48/advance", status: 200),
        Call(operation: "POST /api/v1/trains/{id}/skip", path: "/api/v1/trains/2026.48/skip", body: #"{"to": "perf", "reason": "in a hurry"}"#,
             status: 409, errorContains: "regular train"),
        Call(operation: "POST /api/v1/trains/{id}/skip", path: "/api/v1/trains/2026.48/skip", body: #"{"to": "later", "reason": "x"}"#,
             status: 400, errorContains: "'to' is not valid"),
        Call(operation: "POST /api/v1/trains/{id}/cancel", path: "/api/v1/trains/2026.48/cancel", body: #"{"reason": "merged into 2026.49"}"#,
             status: 200),
        Call(operation: "POST /api/v1/trains/{id}/advance", path: "/api/v1/trains/2026.48/advance", status: 409, errorContains: "cancelled"),
        Call(operation: "POST /api/v1/trains/{id}/cancel", path: "/api/v1/trains/2026.48/cancel", body: #"{"reason": ""}"#, status: 400,
             errorContains: "reason must say why"),
        Call(operation: "GET /api/v1/trains", path: "/api/v1/trains", status: 200),
        Call(operation: "GET /api/v1/rollouts/{id}", path: "/api/v1/rollouts/nope", status: 404, errorContains: "no rollout 'nope'"),
        Call(operation: "POST /api/v1/rollouts/{id}/approve", path: "/api/v1/rollouts/nope/approve", person: "bob", status: 404,
             errorContains: "no rollout 'nope'"),
        Call(operation: "POST /api/v1/rollouts/{id}/abort", path: "/api/v1/rollouts/nope/abort", body: #"{"reason": "test"}"#,
             status: 404, errorContains: "no rollout 'nope'"),
        Call(operation: "POST /api/v1/rollouts/{id}/abort", path: "/api/v1/rollouts/nope/abort", status: 404),
        Call(operation: "GET /api/v1/rollouts/{id}/analyses", path: "/api/v1/rollouts/nope/analyses", status: 404, errorContains: "no rollout 'nope'"),
        Call(operation: "GET /api/v1/analyses/{id}", path: "/api/v1/analyses/nope", status: 404, errorContains: "no analysis 'nope'"),
        Call(operation: "GET /api/v1/analyses/{id}/plot.svg", path: "/api/v1/analyses/nope/plot.svg", status: 404,
             errorContains: "no analysis 'nope'"),
        Call(operation: "GET /api/v1/rollouts/{id}/stream", path: "/api/v1/rollouts/nope/stream", status: 404,
             errorContains: "no rollout 'nope'", stream: true),
        // A misspelt service: 404 with a suggestion when a declared name is close, none otherwise.
        Call(operation: "POST /api/v1/rollouts", path: "/api/v1/rollouts", body: #"{"service": "payn", "version": "v2"}"#,
             status: 404, errorContains: "did you mean 'payin'"),
        Call(operation: "POST /api/v1/rollouts", path: "/api/v1/rollouts", body: #"{"service": "ledger-reconciliation", "version": "v2"}"#,
             status: 404, errorContains: "no service 'ledger-reconciliation' in railyard.yml"),
        // Versions reach command lines: anything but the conservative shape is refused.
        Call(operation: "POST /api/v1/rollouts", path: "/api/v1/rollouts", body: #"{"service": "payin", "version": "v1;rm -rf /"}"#,
             status: 400, errorContains: "is not valid"),
        Call(operation: "POST /api/v1/rollouts", path: "/api/v1/rollouts", body: #"{"service": "payin", "version": ""}"#,
             status: 400, errorContains: "is not valid"),
        Call(operation: "POST /api/v1/rollouts", path: "/api/v1/rollouts", body: #"{"service": "payin"}"#,
             status: 400, errorContains: "'version' is required"),
        Call(operation: "POST /api/v1/rollouts", path: "/api/v1/rollouts", body: #"{"service": "payin", "version": 2}"#,
             status: 400, errorContains: "'version' has the wrong type"),
        Call(operation: "POST /api/v1/rollouts", path: "/api/v1/rollouts", body: #"{"service": "payin", "version": "v2", "force": true}"#,
             status: 400, errorContains: "unknown field 'force'"),
        Call(operation: "POST /api/v1/rollouts", path: "/api/v1/rollouts", body: "not json", status: 400, errorContains: "invalid request body"),
        Call(operation: "POST /api/v1/rollouts", path: "/api/v1/rollouts", body: "\u{00}\u{FF}\u{13}garbage", status: 400,
             errorContains: "not a JSON object"),
        Call(operation: "POST /api/v1/rollouts/{id}/abort", path: "/api/v1/rollouts/nope/abort", body: "\u{00}\u{FF}\u{13}garbage", status: 400,
             errorContains: "not a JSON object"),
        Call(operation: "POST /api/v1/rollouts", path: "/api/v1/rollouts", status: 400, errorContains: "invalid request body"),
        // v1 is what railyard.yml says runs everywhere until a rollout promotes another version.
        Call(operation: "POST /api/v1/rollouts", path: "/api/v1/rollouts", body: #"{"service": "payin", "version": "v1"}"#,
             status: 409, errorContains: "already the stable version"),
        Call(operation: "POST /api/v1/rollouts", path: "/api/v1/rollouts", body: #"{"service": "payin", "version": "v2"}"#,
             status: 409, errorContains: "railyard up"),
        // What validate --traffic and deploy read: nothing runs yet, and names not in railyard.yml are named.
        Call(operation: "GET /api/v1/targets/{target}/services/{service}/counters", path: "/api/v1/targets/dc1/services/payin/counters",
             status: 409, errorContains: "payin has no stable version in dc1 yet"),
        Call(operation: "GET /api/v1/targets/{target}/services/{service}/counters", path: "/api/v1/targets/dc1/services/payn/counters",
             status: 404, errorContains: "no service 'payn' in railyard.yml"),
        Call(operation: "GET /api/v1/targets/{target}/services/{service}/counters", path: "/api/v1/targets/dc1/services/payin/counters?histograms=payin%20settle",
             status: 400, errorContains: "histograms must be up to 20 metric names"),
        Call(operation: "GET /api/v1/targets/{target}/services/{service}/counters", path: "/api/v1/targets/mars/services/payin/counters",
             status: 404, errorContains: "no target 'mars' in railyard.yml (targets: staging, dc1, dc2)"),
        // The router command is /bin/false: `up` cannot start a router and says why.
        Call(operation: "POST /api/v1/fleet/up", path: "/api/v1/fleet/up", status: 500, errorContains: "exited before it was healthy"),
        Call(operation: "GET /api/v1/status", path: "/api/v1/status", status: 200),
        Call(operation: "POST /api/v1/fleet/down", path: "/api/v1/fleet/down", person: "olivia", status: 200),
        Call(operation: "GET /api/v1/history", path: "/api/v1/history?limit=1", status: 200),
        Call(operation: "GET /metrics", path: "/metrics", status: 200),
    ]

    @Test("every documented operation answers as documented, and the routes are the documented ones")
    func everyOperationMatchesTheDocument() async throws {
        let document = try OpenAPIDocument()
        let documented = document.operations
        #expect(!documented.isEmpty, "no operation found in docs/openapi.yaml")
        let called = Set(Self.calls.map(\.operation))
        #expect(Set(documented).subtracting(called).isEmpty, "documented but never called: \(Set(documented).subtracting(called).sorted())")
        #expect(called.subtracting(documented).isEmpty, "called but not documented: \(called.subtracting(documented).sorted())")

        try await InProcessAPIServer.run(config: Self.contractConfig) { server in
            #expect(Set(server.routes) == Set(documented),
                    "routes not documented: \(Set(server.routes).subtracting(documented).sorted()); documented but not routed: \(Set(documented).subtracting(server.routes).sorted())")
            for call in Self.calls {
                let method = String(call.operation.split(separator: " ")[0])
                if call.stream {
                    let stream = try await server.stream(call.path)
                    let problems = document.problems(answering: call.operation, status: stream.status, contentType: stream.contentType,
                                                     body: stream.json)
                    #expect(problems.isEmpty, "\(method) \(call.path): \(problems.joined(separator: "; "))")
                    #expect(stream.status == call.status, "\(method) \(call.path): \(stream)")
                    if let fragment = call.errorContains {
                        #expect(stream.json?["detail"]?.string?.contains(fragment) == true, "\(method) \(call.path): \(stream.text)")
                    }
                    continue
                }
                let answer = try await server.send(method, call.path, body: call.body, as: call.person)
                let problems = document.problems(answering: call.operation, status: answer.status, contentType: answer.contentType, body: answer.json)
                #expect(problems.isEmpty, "\(method) \(call.path): \(problems.joined(separator: "; "))")
                #expect(answer.status == call.status, "\(method) \(call.path) body \(call.body ?? "none"): \(answer)")
                if let fragment = call.errorContains {
                    #expect(answer.error.contains(fragment), "\(method) \(call.path): error '\(answer.error)' lacks '\(fragment)'")
                }
            }
            let status = try await server.send("GET", "/api/v1/status")
            let targets = status.json?["targets"]?.array?.compactMap { $0["name"]?.string } ?? []
            #expect(targets == ["staging", "dc1", "dc2"], "\(status)")
        }
    }

    @Test("rollouts: create, approve, abort, refuse — every answer as documented")
    func rolloutLifecycleMatchesTheDocument() async throws {
        let document = try OpenAPIDocument()
        try await InProcessAPIServer.run(config: Self.flowConfig, files: Self.flowFiles) { server in
            try await lifecycle(server, document)
        }
    }

    @Test("a deploy after a failed `up` is refused until a router runs")
    func deployNeedsARunningRouter() async throws {
        let document = try OpenAPIDocument()
        let config = """
            services:
              payin:
                kind: microservice
                command: "/bin/false {port} {version}"
                version: v1
                instances: { staging: 1 }
            environments:
              - name: staging
            deployment:
              waves:
                - name: staging
                  target: staging
                  steps: [deploy, promote]
            """
        try await InProcessAPIServer.run(config: config) { server in
            let up = try await server.send("POST", "/api/v1/fleet/up")
            #expect(up.status == 500, "the router command is /bin/false: \(up)")
            let deploy = try await server.send("POST", "/api/v1/rollouts", body: #"{"service": "payin", "version": "v2"}"#)
            #expect(document.problems(answering: "POST /api/v1/rollouts", status: deploy.status, body: deploy.json).isEmpty, "\(deploy)")
            // A router that was recorded but does not run is no router: accepted, the rollout would fail
            // at `deploy` and its rollback would stall on the dead router.
            #expect(deploy.status == 409 && deploy.error.contains("railyard up"), "\(deploy)")
        }
    }

    func lifecycle(_ server: InProcessAPIServer, _ document: OpenAPIDocument) async throws {
        /// Sends a request and checks its answer against the document.
        func call(_ operation: String, _ path: String, body: String? = nil, as person: String? = "alice",
                  expect status: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws -> InProcessAPIServer.Answer {
            let method = String(operation.split(separator: " ")[0])
            let answer = try await server.send(method, path, body: body, as: person)
            let problems = document.problems(answering: operation, status: answer.status, contentType: answer.contentType, body: answer.json)
            #expect(problems.isEmpty, "\(method) \(path): \(problems.joined(separator: "; "))", sourceLocation: sourceLocation)
            #expect(answer.status == status, "\(method) \(path): \(answer)", sourceLocation: sourceLocation)
            return answer
        }
        let create = "POST /api/v1/rollouts", get = "GET /api/v1/rollouts/{id}"
        let approve = "POST /api/v1/rollouts/{id}/approve", abort = "POST /api/v1/rollouts/{id}/abort"

        // A: created, applies the script, waits for approval, then is aborted while it waits.
        let created = try await call(create, "/api/v1/rollouts", body: #"{"service": "payin", "version": "v2"}"#, expect: 201)
        let a = try #require(created.json?["id"]?.string, "\(created)")
        #expect(created.json?["phase"]?.string == "running")
        #expect(created.json?["created_by"]?.string == "alice")
        #expect(created.json?["step_count"] == .integer(2))
        let busy = try await call(create, "/api/v1/rollouts", body: #"{"service": "payin", "version": "v3"}"#, expect: 409)
        #expect(busy.error.contains("already in progress"), "\(busy)")

        let waiting = try await server.waitForPhase(a, ["awaiting_approval"])
        #expect(document.problems(answering: get, status: waiting.status, body: waiting.json).isEmpty, "\(waiting)")
        #expect(waiting.json?["step"]?.string == "pause: approval")
        #expect(waiting.json?["reason"]?.string?.contains("waiting for approval") == true, "\(waiting)")
        let list = try await call("GET /api/v1/rollouts", "/api/v1/rollouts", expect: 200)
        #expect(list.json?.array?.first?["id"]?.string == a, "\(list)")
        let none = try await call("GET /api/v1/rollouts/{id}/analyses", "/api/v1/rollouts/\(a)/analyses", expect: 200)
        #expect(none.json == .array([]), "\(none)")

        // The live stream: the rollout as it stands first, as a RolloutView on one line.
        let live = try await server.stream("/api/v1/rollouts/\(a)/stream")
        #expect(document.problems(answering: "GET /api/v1/rollouts/{id}/stream", status: live.status, contentType: live.contentType, body: nil).isEmpty,
                "\(live)")
        let firstEvent = try #require(live.events.first, "\(live)")
        let view = try JSONDecoder().decode(JSONValue.self, from: Data(firstEvent.utf8))
        #expect(document.problems(answering: get, status: 200, body: view).isEmpty, "\(firstEvent)")
        #expect(view["phase"]?.string == "awaiting_approval", "\(firstEvent)")
        #expect(!live.ended, "the stream of an active rollout stays open")

        let aborted = try await call(abort, "/api/v1/rollouts/\(a)/abort", body: #"{"reason": "error rate up on pay-ins"}"#, as: "bob", expect: 200)
        #expect(aborted.json?["phase"]?.string == "rolling_back", "\(aborted)")
        #expect(aborted.json?["reason"]?.string == "aborted by bob: error rate up on pay-ins", "\(aborted)")
        #expect(aborted.json?["rollback_plan"] == .array([.string("run rollback script of 001-fee-column")]), "\(aborted)")
        // The rollback script sleeps: A is still rolling back, so a second abort is refused.
        let again = try await server.send("POST", "/api/v1/rollouts/\(a)/abort")
        #expect(document.problems(answering: abort, status: again.status, body: again.json).isEmpty, "\(again)")
        #expect(again.error.contains("already rolling back"), "\(again)")
        #expect(again.status == 409, "\(again)")
        let notWaiting = try await call(approve, "/api/v1/rollouts/\(a)/approve", as: "carol", expect: 409)
        #expect(notWaiting.error.contains("cannot take 'approved' while rolling_back"), "\(notWaiting)")

        let rolledBack = try await server.waitForPhase(a, ["rolled_back"])
        #expect(rolledBack.json?["rollback_done"] == .integer(1), "\(rolledBack)")
        let ended = try await call(abort, "/api/v1/rollouts/\(a)/abort", expect: 409)
        #expect(ended.error.contains("has already ended (rolled_back)"), "\(ended)")

        // B: the script was rolled back, so it runs again; approved, B is promoted.
        let second = try await call(create, "/api/v1/rollouts", body: #"{"service": "payin", "version": "v3"}"#, expect: 201)
        let b = try #require(second.json?["id"]?.string, "\(second)")
        _ = try await server.waitForPhase(b, ["awaiting_approval"])
        let approved = try await call(approve, "/api/v1/rollouts/\(b)/approve", as: "carol", expect: 200)
        #expect(["running", "finishing", "promoted"].contains(approved.json?["phase"]?.string ?? ""), "\(approved)")
        let promoted = try await server.waitForPhase(b, ["promoted"])
        #expect(promoted.json?["step_index"] == promoted.json?["step_count"], "\(promoted)")
        #expect(promoted.json?["reason"] == nil, "\(promoted)")
        let over = try await server.stream("/api/v1/rollouts/\(b)/stream")
        #expect(over.events.count == 1 && over.events.first?.contains(#""phase":"promoted""#) == true, "\(over)")
        #expect(over.ended, "the stream of an ended rollout ends after its one event: \(over)")
        let twice = try await call(approve, "/api/v1/rollouts/\(b)/approve", as: "carol", expect: 409)
        #expect(twice.error.contains("cannot take 'approved' while promoted"), "\(twice)")
        let late = try await call(abort, "/api/v1/rollouts/\(b)/abort", expect: 409)
        #expect(late.error.contains("has already ended (promoted)"), "\(late)")

        // C: no abort body; the script is already applied (by B), so there is nothing to undo.
        let third = try await call(create, "/api/v1/rollouts", body: #"{"service": "payin", "version": "v4"}"#, expect: 201)
        let c = try #require(third.json?["id"]?.string, "\(third)")
        _ = try await server.waitForPhase(c, ["awaiting_approval"])
        let quiet = try await call(abort, "/api/v1/rollouts/\(c)/abort", as: "olivia", expect: 200)
        #expect(quiet.json?["phase"]?.string == "rolled_back", "\(quiet)")
        #expect(quiet.json?["reason"]?.string == "aborted by olivia: no reason given", "\(quiet)")

        // The audit log: the most recent events, oldest first, filtered by subject, limited.
        let history = try await call("GET /api/v1/history", "/api/v1/history?subject=\(a)&limit=500", expect: 200)
        let events = history.json?.array ?? []
        #expect(events.allSatisfy { $0["subject"]?.string == a }, "\(history)")
        #expect(events.first?["kind"]?.string == "rollout.created", "\(history)")
        #expect(events.last?["kind"]?.string == "alert.firing" && events.last?["message"]?.string?.hasPrefix("RolloutRolledBack firing") == true, "\(history)")
        #expect(events.contains { $0["kind"]?.string == "rollout.abort_requested" && $0["actor"]?.string == "bob" }, "\(history)")
        let two = try await call("GET /api/v1/history", "/api/v1/history?limit=2", expect: 200)
        let ids = two.json?.array?.compactMap { event -> Int64? in if case .integer(let id) = event["id"] { id } else { nil } } ?? []
        #expect(ids.count == 2 && ids[0] < ids[1], "\(two)")
        let status = try await call("GET /api/v1/status", "/api/v1/status", expect: 200)
        #expect(status.json?["active_rollouts"] == .array([]), "\(status)")
    }
}
