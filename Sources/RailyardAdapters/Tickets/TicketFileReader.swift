import Foundation
import RailyardCore
import SwiftCSV

/// Reads a ticket tracker's export (CSV through SwiftCSV, or JSON) into rows with their line in the
/// file, for `TicketImport` to check. A file that cannot be read at all is one diagnostic with the
/// line where reading stopped.
public enum TicketFileReader {
    public enum Format: String, Sendable, Codable, CaseIterable {
        case csv, json

        /// By the file's extension: `.csv` or `.json`.
        public init?(fileName: String) {
            self.init(rawValue: URL(fileURLWithPath: fileName).pathExtension.lowercased())
        }
    }

    public struct Table: Sendable {
        public var header: [String]
        public var rows: [TicketRow]
        /// Problems with the file itself (not CSV, not a JSON array of objects).
        public var diagnostics: [ImportDiagnostic]
    }

    public static func read(_ content: String, format: Format) -> Table {
        switch format {
        case .csv: csv(content)
        case .json: json(content)
        }
    }

    /// CSV with a header row; a column name may repeat (Jira's multi-valued fields). Line numbers count
    /// the line breaks inside quoted cells, so they are the lines an editor shows.
    static func csv(_ content: String) -> Table {
        let text = content.hasPrefix("\u{FEFF}") ? String(content.dropFirst()) : content
        let delimiter: CSVDelimiter = text.prefix { !$0.isNewline }.filter { $0 == ";" }.count > text.prefix { !$0.isNewline }.filter { $0 == "," }.count
            ? .semicolon : .comma
        let header: [String]
        let parsed: EnumeratedCSV
        do {
            parsed = try EnumeratedCSV(string: text, delimiter: delimiter, loadColumns: false, rowLimit: 0)
            header = parsed.header.map { $0.trimmingCharacters(in: .whitespaces) }
        } catch {
            return Table(header: [], rows: [], diagnostics: [ImportDiagnostic(line: 1, field: "header", message: "not CSV: \(error)")])
        }
        // SwiftCSV reads an unclosed quote to the end of the file as one cell; say where it opened instead.
        if let opened = unclosedQuoteLine(text) {
            return Table(header: header, rows: [], diagnostics: [ImportDiagnostic(line: opened, field: "csv",
                                                                                  message: "a quote opened here is never closed")])
        }
        var rows: [TicketRow] = []
        var line = 1 + newlines(in: parsed.header) + 1
        do {
            try parsed.enumerateAsArray(startAt: 1, rowLimit: nil) { cells in
                defer { line += 1 + newlines(in: cells) }
                if cells.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { return }
                var values: [String: [String]] = [:]
                for (index, column) in header.enumerated() { values[column, default: []].append(index < cells.count ? cells[index] : "") }
                rows.append(TicketRow(line: line, values: values))
            }
        } catch {
            return Table(header: header, rows: rows, diagnostics: [ImportDiagnostic(line: line, field: "csv", message: "cannot be read from here on: \(error)")])
        }
        return Table(header: header, rows: rows, diagnostics: [])
    }

    /// The line of a quote still open at the end of the text, or nil ("" inside a quoted cell toggles twice).
    static func unclosedQuoteLine(_ text: String) -> Int? {
        var line = 1, open: Int?
        for character in text {
            if character.isNewline { line += 1 }
            if character == "\"" { open = open == nil ? line : nil }
        }
        return open
    }

    static func newlines(in cells: [String]) -> Int { cells.reduce(0) { $0 + $1.filter(\.isNewline).count } }

    /// A JSON array of objects, one per ticket; a value is a string, a number, a boolean, null, or an
    /// array of those (several values, like a repeated CSV column).
    static func json(_ content: String) -> Table {
        let data = Data(content.utf8)
        let lines = elementLines(data)
        let objects: [[String: JSONCell]]
        do {
            objects = try JSONDecoder().decode([[String: JSONCell]].self, from: data)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let index = context.codingPath.first?.intValue
            return Table(header: [], rows: [], diagnostics: [ImportDiagnostic(
                line: index.flatMap { lines.indices.contains($0) ? lines[$0] : nil } ?? 1, field: context.codingPath.dropFirst().first?.stringValue ?? "json",
                message: "expected an array of objects whose values are strings, numbers, booleans or arrays of them")])
        } catch {
            return Table(header: [], rows: [], diagnostics: [ImportDiagnostic(line: lines.last ?? 1, field: "json", message: "not valid JSON: \(error)")])
        }
        var header: [String] = []
        let rows = objects.enumerated().map { index, object in
            for key in object.keys.sorted() where !header.contains(key) { header.append(key) }
            return TicketRow(line: lines.indices.contains(index) ? lines[index] : 1, values: object.mapValues(\.texts))
        }
        return Table(header: header, rows: rows, diagnostics: [])
    }

    /// The line on which each element of the top-level array starts.
    static func elementLines(_ data: Data) -> [Int] {
        var lines: [Int] = []
        var line = 1, depth = 0, inString = false, escaped = false, expectValue = false
        for byte in data {
            if byte == UInt8(ascii: "\n") { line += 1 }
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                continue
            case UInt8(ascii: ","):
                if depth == 1 { expectValue = true }
                continue
            default:
                break
            }
            if depth == 1, expectValue, byte != UInt8(ascii: "]") {
                lines.append(line)
                expectValue = false
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth == 1 { expectValue = true }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth -= 1
                if depth == 1 { expectValue = false }
            default: break
            }
        }
        return lines
    }
}

/// One value of a JSON export, read as text.
enum JSONCell: Decodable {
    case text(String)
    case list([String])
    case none

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .none }
        else if let value = try? container.decode(Bool.self) { self = .text(value ? "true" : "false") }
        else if let value = try? container.decode(Int.self) { self = .text(String(value)) }
        else if let value = try? container.decode(Double.self) { self = .text(String(value)) }
        else if let value = try? container.decode(String.self) { self = .text(value) }
        else { self = .list(try container.decode([JSONCell].self).flatMap(\.texts)) }
    }

    var texts: [String] {
        switch self {
        case .text(let value): [value]
        case .list(let values): values
        case .none: []
        }
    }
}
