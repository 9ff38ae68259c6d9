import Foundation

/// One row of a ticket export, whatever its format: its line in the file and, for each column, the
/// values found there (several for a repeated CSV column or a JSON array).
public struct TicketRow: Sendable, Equatable {
    public var line: Int
    public var values: [String: [String]]
    public init(line: Int, values: [String: [String]]) {
        self.line = line
        self.values = values
    }
}

/// A problem with one row (or the header) of an import, as `FILE:LINE: error: FIELD: MESSAGE`.
public struct ImportDiagnostic: Sendable, Equatable, Codable, CustomStringConvertible {
    public var line: Int
    public var field: String
    public var message: String
    public init(line: Int, field: String, message: String) {
        self.line = line
        self.field = field
        self.message = message
    }
    public func rendered(file: String) -> String { "\(file):\(line): error: \(field): \(message)" }
    public var description: String { "line \(line): \(field): \(message)" }
}

/// Turns the rows of an export into tickets, checking every row: the id, title, owner and services
/// are required, services must be declared in railyard.yml, dates and answers must parse, an id
/// may appear once. Every bad row is reported with its line and field.
public enum TicketImport {
    public struct Result: Sendable {
        public var tickets: [Ticket]
        public var diagnostics: [ImportDiagnostic]
        /// Lines of the rows that had a problem (skipped with `--skip-invalid`).
        public var badLines: [Int]
    }

    public static func read(_ rows: [TicketRow], columns: TicketColumns, services known: [String]) -> Result {
        var tickets: [Ticket] = []
        var diagnostics: [ImportDiagnostic] = []
        var badLines: [Int] = []
        var seen: [String: Int] = [:]
        for row in rows {
            var problems: [ImportDiagnostic] = []
            func problem(_ column: String, _ message: String) { problems.append(ImportDiagnostic(line: row.line, field: column, message: message)) }
            func single(_ column: String) -> String? {
                let values = (row.values[column] ?? []).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
                return values.first
            }
            func required(_ column: String) -> String {
                guard let value = single(column) else { problem(column, "is empty"); return "" }
                return value
            }

            let id = required(columns.id)
            if !id.isEmpty {
                if !Ticket.isValidID(id) {
                    problem(columns.id, "'\(id)' is not a ticket key (letters, digits, '.', '_', '-', e.g. PAY-1234)")
                } else if let first = seen[id] {
                    problem(columns.id, "'\(id)' already appears on line \(first)")
                } else {
                    seen[id] = row.line
                }
            }
            let title = required(columns.title)
            let owner = required(columns.owner)
            let type = single(columns.type) ?? "task"
            let named = (row.values[columns.services] ?? []).flatMap { $0.split(whereSeparator: { ",;".contains($0) }) }
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if named.isEmpty { problem(columns.services, "names no service; a ticket touches at least one") }
            for service in named where !known.contains(service) {
                problem(columns.services, "no service '\(service)' in railyard.yml\(Suggestion.hint(for: service, among: known))")
            }
            var mergedAt: Date?
            if let text = single(columns.mergedAt) {
                mergedAt = TicketDate.parse(text)
                if mergedAt == nil { problem(columns.mergedAt, "'\(text)' is not a date (2026-11-20, 2026-11-20T14:05:00Z or 2026-11-20 14:05)") }
            }
            var answers = RiskAnswers()
            if let column = columns.scripts, let text = single(column) {
                answers.scripts = yesNo(text)
                if answers.scripts == nil { problem(column, "'\(text)' is not yes or no") }
            }
            if let column = columns.rollbackable, let text = single(column) {
                answers.rollbackable = yesNo(text)
                if answers.rollbackable == nil { problem(column, "'\(text)' is not yes or no") }
            }
            if let column = columns.backwardCompatible, let text = single(column) {
                answers.backwardCompatible = yesNo(text)
                if answers.backwardCompatible == nil { problem(column, "'\(text)' is not yes or no") }
            }
            if let column = columns.scope, let text = single(column) {
                answers.scope = RiskAnswers.Scope(rawValue: text.lowercased())
                if answers.scope == nil { problem(column, "'\(text)' is not narrow or wide") }
            }
            if problems.isEmpty {
                var unique: [String] = []
                for service in named where !unique.contains(service) { unique.append(service) }
                tickets.append(Ticket(id: id, title: title, type: type, owner: owner, services: unique, mergedAt: mergedAt, answers: answers))
            } else {
                diagnostics += problems
                badLines.append(row.line)
            }
        }
        return Result(tickets: tickets, diagnostics: diagnostics, badLines: badLines)
    }

    /// The header must name every required column; a missing one is reported on line 1.
    public static func checkHeader(_ header: [String], columns: TicketColumns) -> [ImportDiagnostic] {
        [columns.id, columns.title, columns.owner, columns.services].filter { !header.contains($0) }.map { column in
            ImportDiagnostic(line: 1, field: column, message: "no such column; the file has \(header.map { "'\($0)'" }.joined(separator: ", ")) "
                             + "(map yours under `tickets: columns:` in railyard.yml)")
        }
    }

    static func yesNo(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "yes", "y", "true", "1": true
        case "no", "n", "false", "0": false
        default: nil
        }
    }
}

/// The dates ticket trackers export.
public enum TicketDate {
    public static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let date = try? Date(trimmed, strategy: .iso8601) { return date }
        for format in ["yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = format
            formatter.isLenient = false
            if let date = formatter.date(from: trimmed) { return date }
        }
        return nil
    }
}
