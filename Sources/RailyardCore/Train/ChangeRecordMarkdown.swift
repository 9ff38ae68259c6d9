import Foundation

/// A change record as Markdown, one section per item of PCI DSS v4 requirement 6.5.1.
public enum ChangeRecordMarkdown {
    public static func render(_ record: ChangeRecord) -> String {
        func date(_ value: Date?) -> String { value.map { $0.formatted(.iso8601) } ?? "—" }
        func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
        let s = record.summary
        var out: [String] = []
        out.append("# Change record: train \(s.train)")
        out.append("")
        out.append("- Kind: \(s.kind.rawValue)\(s.fixes.map { ", fixes train \($0)" } ?? "")")
        out.append("- State: \(s.state.rawValue)\(s.productionAt.map { ", live in production since \(date($0))" } ?? "")")
        out.append("- Release captain: \(s.captain); created by \(s.createdBy)")
        out.append("- Services: " + s.services.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        out.append("- Stages: " + s.stages.map { "\($0.state.rawValue) \(date($0.at))" }.joined(separator: " → "))
        out.append("- Generated: \(date(record.generatedAt))")
        out.append("")

        out.append("## 1. Reason for the change (PCI DSS 6.5.1: reason)")
        out.append("")
        if record.reason.tickets.isEmpty { out.append("No ticket.") } else {
            out.append("| Ticket | Title | Type | Owner | Services | Merged |")
            out.append("|---|---|---|---|---|---|")
            for t in record.reason.tickets {
                out.append("| \(t.id) | \(cell(t.title)) | \(t.type) | \(t.owner) | \(t.services.joined(separator: ", ")) | \(date(t.mergedAt)) |")
            }
        }
        out.append("")

        out.append("## 2. Security and risk impact (PCI DSS 6.5.1: impact)")
        out.append("")
        out.append("Risk \(record.impact.score) (\(record.impact.level.rawValue)).")
        out.append("")
        let answers = Dictionary(uniqueKeysWithValues: record.reason.tickets.map { ($0.id, $0.answers) })
        for risk in record.impact.tickets {
            let a = answers[risk.ticket] ?? RiskAnswers()
            func yn(_ v: Bool?) -> String { v.map { $0 ? "yes" : "no" } ?? "unanswered" }
            out.append("- \(risk.ticket): risk \(risk.score); scripts \(yn(a.scripts)), rollbackable \(yn(a.rollbackable)), "
                       + "backward-compatible \(yn(a.backwardCompatible)), scope \(a.scope?.rawValue ?? "unanswered")")
            for finding in risk.findings { out.append("  - +\(finding.score) \(finding.assessor): \(finding.why)") }
        }
        for rule in record.impact.rules { out.append("- Policy \(rule.rule) (\(rule.tickets.joined(separator: ", "))): \(rule.effect)") }
        for problem in record.impact.problems { out.append("- Problem: \(problem)") }
        out.append("")

        out.append("## 3. Approvals (PCI DSS 6.5.1: approval by authorized parties)")
        out.append("")
        if let review = record.approvals.review {
            out.append("- Risk review signed by \(review.by) at \(date(review.at)), risk \(review.score) (\(review.level.rawValue))")
        } else {
            out.append("- Risk review: not signed")
        }
        for item in record.approvals.checklist {
            out.append("- Checklist #\(item.id) \(item.title) (\(item.assignee)): "
                       + (item.approvedBy.map { "approved by \($0)\(item.approverRole.map { " (\($0.rawValue))" } ?? "") at \(date(item.approvedAt))" } ?? "not approved"))
        }
        for gate in record.approvals.gates {
            out.append("- Gate \(gate.gate.rawValue): \(gate.holds ? "holds" : gate.override != nil ? "overridden" : "closed") — \(gate.reason)")
        }
        for o in record.approvals.overrides { out.append("- Override of \(o.gate.rawValue) by \(o.by) at \(date(o.at)): \(o.reason)") }
        for skip in record.approvals.skips { out.append("- Stage \(skip.stage.rawValue) skipped by \(skip.by): \(skip.reason)") }
        out.append("")

        out.append("## 4. Testing (PCI DSS 6.5.1: testing)")
        out.append("")
        if record.testing.validations.isEmpty { out.append("- No validation recorded.") }
        for v in record.testing.validations {
            out.append("- \(v.ticket) \(v.verdict.rawValue) in \(v.environment) by \(v.by) at \(date(v.at)): \(v.comment)")
        }
        for c in record.testing.soakChanges {
            out.append("- Soak in \(c.environment) \(c.kind == .end ? "ended early" : "extended") by \(c.by) at \(date(c.at)): \(c.reason)")
        }
        out.append("- Non-regression: \(record.testing.nonRegression)")
        out.append("- Performance: \(record.testing.performance)")
        out.append("")

        out.append("## 5. The way back (PCI DSS 6.5.1: back-out procedures)")
        out.append("")
        out.append(record.wayBack.procedure)
        out.append("")
        out.append("- Deployment order: " + (record.wayBack.order.isEmpty ? "none" : record.wayBack.order.map { $0.joined(separator: " + ") }.joined(separator: " → ")))
        for r in record.wayBack.reverts { out.append("- \(r.service): back from \(r.from) to \(r.to)") }
        for script in record.wayBack.scripts {
            out.append("- Script \(script.name): \(script.apply), \(script.rollback.map { "undone by \($0)" } ?? "expand-only, nothing to undo")\(script.state.map { " (now \($0))" } ?? "")")
        }
        out.append("")

        out.append("## 6. What happened in production")
        out.append("")
        out.append("Release: \(record.production.phase?.rawValue ?? "not started")\(record.production.reason.map { " — \($0)" } ?? "")")
        out.append("")
        if !record.production.rollouts.isEmpty {
            out.append("| Rollout | Service | Version | Purpose | Outcome | Started | Ended | Analyses |")
            out.append("|---|---|---|---|---|---|---|---|")
            for r in record.production.rollouts {
                let analyses = r.analyses.map { "\($0.target): \($0.verdict?.rawValue ?? "running")" }.joined(separator: "; ")
                out.append("| \(r.id) | \(r.service) | \(r.version) | \(r.purpose.rawValue) | \(r.phase.rawValue)\(r.reason.map { ": \(cell($0))" } ?? "") "
                           + "| \(date(r.startedAt)) | \(date(r.endedAt)) | \(analyses.isEmpty ? "—" : cell(analyses)) |")
            }
            out.append("")
        }

        out.append("## Audit")
        out.append("")
        for event in record.events {
            out.append("- \(date(event.at)) \(event.actor) \(event.kind): \(event.message)\(event.reason.map { " (\($0))" } ?? "")")
        }
        out.append("")
        if let head = record.auditHead {
            out.append("Audit chain head when this record was made: row \(head.id), sha256 `\(head.hash)`. "
                       + "Keep the JSON form of this record: `railyard audit verify --anchor RECORD.json` proves later that the log was not rewritten.")
        } else {
            out.append("The audit chain was empty when this record was made.")
        }
        return out.joined(separator: "\n") + "\n"
    }
}
