import Foundation
import RailyardAdapters
import RailyardCore
import Testing

/// Real export files (a Jira CSV with a BOM, CRLF, a repeated column and quoted line breaks; a JSON
/// array) read into rows with the lines an editor shows, then checked by `TicketImport`.
@Suite("Ticket files: CSV (SwiftCSV) and JSON, with their lines")
struct TicketFileReaderTests {
    static func fixture(_ name: String) throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tickets/\(name)")
        return try String(contentsOf: url, encoding: .utf8)
    }

    let services = ["payin", "wallet", "fx", "payout"]

    @Test func aJiraCSVExportKeepsItsLinesAcrossQuotedLineBreaksAndBlankLines() throws {
        let table = TicketFileReader.read(try Self.fixture("jira-export.csv"), format: .csv)
        #expect(table.diagnostics.isEmpty, "\(table.diagnostics)")
        #expect(table.header.first == "Issue key", "the byte-order mark is not part of the first column's name: \(table.header)")
        #expect(table.rows.map(\.line) == [2, 4, 6, 9])
        #expect(table.rows[0].values["Component/s"] == ["payin", "wallet"], "a repeated column gives every value")
        #expect(table.rows[0].values["Description"] == ["Adds the fee\r\ncolumn, see \"PAY-1100\""])
        let result = TicketImport.read(table.rows, columns: TicketColumns(), services: services)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(result.tickets.map(\.id) == ["PAY-1201", "PAY-1202", "PAY-1203", "PAY-1204"])
        #expect(result.tickets[1].services == ["wallet"] && result.tickets[2].mergedAt == nil)
    }

    @Test func aJSONExportNamesTheLineOfEachObject() throws {
        let table = TicketFileReader.read(try Self.fixture("linear-export.json"), format: .json)
        #expect(table.diagnostics.isEmpty, "\(table.diagnostics)")
        #expect(table.rows.map(\.line) == [2, 10, 12])
        var columns = TicketColumns()
        columns.scripts = "Needs scripts"
        let result = TicketImport.read(table.rows, columns: columns, services: services)
        #expect(result.tickets.map(\.id) == ["PAY-1301", "PAY-1302"])
        #expect(result.tickets[0].answers.scripts == true && result.tickets[1].answers.scripts == false)
        #expect(result.tickets[1].title == "Quote \"FX\" rates")
        #expect(result.diagnostics.map { $0.rendered(file: "linear-export.json") } == [
            "linear-export.json:12: error: Component/s: no service 'ledger' in railyard.yml",
            "linear-export.json:12: error: Needs scripts: 'perhaps' is not yes or no",
        ])
    }

    @Test func aBrokenFileIsOneProblemAtTheLineWhereReadingStopped() throws {
        let csv = TicketFileReader.read(try Self.fixture("broken.csv"), format: .csv)
        #expect(csv.diagnostics == [ImportDiagnostic(line: 3, field: "csv", message: "a quote opened here is never closed")], "\(csv.diagnostics)")
        let json = TicketFileReader.read(#"[{"Issue key": "PAY-1"}, {"Issue key": {"nested": 1}}]"#, format: .json)
        #expect(json.diagnostics.count == 1 && json.diagnostics[0].message.contains("array of objects"), "\(json.diagnostics)")
        let notJSON = TicketFileReader.read("[{\"Issue key\": \"PAY-1\"},\n  oops", format: .json)
        #expect(notJSON.diagnostics.first?.field == "json" && notJSON.diagnostics.first?.message.contains("not valid JSON") == true)
        #expect(TicketFileReader.Format(fileName: "export.CSV") == .csv && TicketFileReader.Format(fileName: "export.xlsx") == nil)
    }

    @Test func aSemicolonCSVIsReadToo() {
        let table = TicketFileReader.read("Issue key;Summary;Assignee;Component/s\nPAY-9;Montants, arrondis;dave;payin\n", format: .csv)
        #expect(table.rows.first?.values["Summary"] == ["Montants, arrondis"], "\(table.rows)")
    }
}
