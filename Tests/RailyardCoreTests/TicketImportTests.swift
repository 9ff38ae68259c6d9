import Foundation
import RailyardCore
import Testing

@Suite("Ticket import: every bad row with its line and field")
struct TicketImportTests {
    let services = ["payin", "wallet", "fx"]

    func row(_ line: Int, _ values: [String: [String]]) -> TicketRow { TicketRow(line: line, values: values) }

    @Test func goodRowsBecomeTickets() {
        var columns = TicketColumns()
        columns.scripts = "Needs scripts"
        columns.scope = "Scope"
        let result = TicketImport.read([
            row(2, ["Issue key": ["PAY-1234"], "Summary": ["Fee column"], "Issue Type": ["Story"], "Assignee": ["dave"],
                    "Component/s": ["payin", "wallet"], "Resolved": ["2026-11-20 14:05"], "Needs scripts": ["yes"], "Scope": ["Wide"]]),
            row(3, ["Issue key": ["PAY-1235"], "Summary": ["FX cache"], "Assignee": ["erin"], "Component/s": ["fx; payin, fx"], "Resolved": [""]]),
        ], columns: columns, services: services)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(result.tickets.count == 2)
        let first = result.tickets[0]
        #expect(first.services == ["payin", "wallet"] && first.type == "Story" && first.answers.scripts == true && first.answers.scope == .wide)
        #expect(first.mergedAt == (try? Date("2026-11-20T14:05:00Z", strategy: .iso8601)), "\(String(describing: first.mergedAt))")
        #expect(first.answers.missing == ["rollbackable", "backward_compatible"])
        #expect(result.tickets[1].services == ["fx", "payin"] && result.tickets[1].type == "task" && result.tickets[1].mergedAt == nil)
    }

    @Test func everyBadRowIsReportedWithItsLineAndField() {
        var columns = TicketColumns()
        columns.rollbackable = "Rollback"
        let result = TicketImport.read([
            row(2, ["Issue key": ["PAY-1"], "Summary": ["ok"], "Assignee": ["dave"], "Component/s": ["payin"]]),
            row(3, ["Issue key": [""], "Summary": ["no key"], "Assignee": ["dave"], "Component/s": ["payin"]]),
            row(5, ["Issue key": ["PAY-1"], "Summary": ["twice"], "Assignee": ["dave"], "Component/s": ["payn"], "Resolved": ["yesterday"]]),
            row(6, ["Issue key": ["PAY 7"], "Summary": [""], "Assignee": ["dave"], "Component/s": [], "Rollback": ["maybe"]]),
        ], columns: columns, services: services)
        #expect(result.tickets.map(\.id) == ["PAY-1"])
        #expect(result.badLines == [3, 5, 6])
        let rendered = result.diagnostics.map { $0.rendered(file: "jira.csv") }
        #expect(rendered == [
            "jira.csv:3: error: Issue key: is empty",
            "jira.csv:5: error: Issue key: 'PAY-1' already appears on line 2",
            "jira.csv:5: error: Component/s: no service 'payn' in railyard.yml; did you mean 'payin'?",
            "jira.csv:5: error: Resolved: 'yesterday' is not a date (2026-11-20, 2026-11-20T14:05:00Z or 2026-11-20 14:05)",
            "jira.csv:6: error: Issue key: 'PAY 7' is not a ticket key (letters, digits, '.', '_', '-', e.g. PAY-1234)",
            "jira.csv:6: error: Summary: is empty",
            "jira.csv:6: error: Component/s: names no service; a ticket touches at least one",
            "jira.csv:6: error: Rollback: 'maybe' is not yes or no",
        ], "\(rendered)")
    }

    @Test func aMissingRequiredColumnIsReportedOnTheHeader() {
        let problems = TicketImport.checkHeader(["Key", "Summary", "Assignee", "Component/s"], columns: TicketColumns())
        #expect(problems.count == 1 && problems[0].line == 1 && problems[0].field == "Issue key" && problems[0].message.contains("'Key'"))
    }

    @Test func configMapsColumnsAndRejectsUnknownKeysAtTheirLine() throws {
        let base = """
            services:
              payin: { kind: microservice, command: "x {port} {version}", version: v1, instances: { staging: 1 } }
            environments:
              - name: staging
            deployment:
              waves:
                - name: s
                  target: staging
                  steps: [deploy]
            tickets:
              columns:
                id: Key
                scope: Blast radius
            """
        let config = try ConfigLoader.parse(base, file: "railyard.yml", baseDirectory: "/")
        #expect(config.tickets.id == "Key" && config.tickets.scope == "Blast radius" && config.tickets.title == "Summary")
        do {
            _ = try ConfigLoader.parse(base + "\n    owner_email: Email\n", file: "railyard.yml", baseDirectory: "/")
            Issue.record("an unknown column key was accepted")
        } catch let errors as ConfigErrors {
            #expect(errors.diagnostics.map(\.description).contains { $0.contains("railyard.yml:14:") && $0.contains("owner_email") },
                    "\(errors.diagnostics)")
        }
    }
}
