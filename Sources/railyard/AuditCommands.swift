import ArgumentParser
import Foundation
import RailyardAdapters
import RailyardAPI
import RailyardCore

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check and export the hash-chained audit log (works on the state folder, with or without a server).",
        discussion: """
            Every row of the audit log carries the SHA-256 of its fields and of the row before it: an edited, \
            inserted or deleted row breaks the chain from there on. `export` writes the chain and its head \
            hash; keep that file elsewhere, and `verify --anchor FILE` later proves the log was not rewritten \
            up to that head either.
            """,
        subcommands: [AuditVerifyCommand.self, AuditExportCommand.self]
    )
}

/// An export's head: the last row's id and hash when it was written.
struct AuditHead: Codable {
    var id: Int64
    var hash: String
}

struct AuditExport: Codable {
    struct Row: Codable {
        var event: AuditEvent
        var prevHash: String?
        var hash: String?
    }
    var head: AuditHead?
    var rows: [Row]
}

func readChain(stateDirectory: String) async throws -> [AuditChain.Link] {
    do {
        return try await StoreFactory.auditChain(stateDirectory: stateDirectory)
    } catch let error as StoreReadError {
        var standardError = StandardError()
        print("error: \(error)", to: &standardError)
        throw ExitStatus.refused
    }
}

struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check every row of the audit chain; exit 1 naming the first bad row.")
    @Option(help: "Folder of the store.") var stateDir: String = Defaults.stateDirectory
    @Option(help: "An earlier `railyard audit export` file, or a change record (`train record --format json`): its head must still be in the chain, unchanged.") var anchor: String?
    @Option(help: "text for people, json for scripts.") var output: OutputFormat = .text

    struct Report: Codable {
        var intact: Bool
        var rows: Int
        var head: AuditHead?
        var firstBadRow: Int64?
        var problem: String?
    }

    func run() async throws {
        let links = try await readChain(stateDirectory: stateDir)
        var problem = AuditChain.verify(links).map { ($0.id, $0.problem) }
        if problem == nil, let anchor {
            // An export keeps the head as `head`; a change record (`train record --format json`) as `audit_head`.
            struct Anchor: Codable { var head: AuditHead?; var auditHead: AuditHead? }
            let exported = try API.decoder.decode(Anchor.self, from: Data(contentsOf: URL(fileURLWithPath: anchor)))
            if let head = exported.head ?? exported.auditHead, links.first(where: { $0.event.id == head.id })?.hash != head.hash {
                problem = (head.id, "no longer has the hash exported in \(anchor): the log was rewritten after that export")
            }
        }
        let head = links.last.flatMap { link in link.hash.map { AuditHead(id: link.event.id ?? 0, hash: $0) } }
        let report = Report(intact: problem == nil, rows: links.count, head: head, firstBadRow: problem?.0, problem: problem?.1)
        if output == .json {
            try printJSON(report)
        } else if let problem {
            var standardError = StandardError()
            print("error: audit row \(problem.0) \(problem.1)", to: &standardError)
        } else {
            print("audit chain intact: \(links.count) rows" + (head.map { ", head row \($0.id) \($0.hash)" } ?? ""))
        }
        if problem != nil { throw ExitStatus.refused }
    }
}

struct AuditExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write the audit chain and its head hash as JSON, to keep elsewhere.")
    @Option(help: "Folder of the store.") var stateDir: String = Defaults.stateDirectory
    @Option(help: "Write to this file instead of standard output.") var file: String?

    func run() async throws {
        let links = try await readChain(stateDirectory: stateDir)
        let head = links.last.flatMap { link in link.hash.map { AuditHead(id: link.event.id ?? 0, hash: $0) } }
        let export = AuditExport(head: head, rows: links.map { .init(event: $0.event, prevHash: $0.previousHash, hash: $0.hash) })
        let data = try API.encoder.encode(export)
        if let file {
            try data.write(to: URL(fileURLWithPath: file), options: .atomic)
            print("exported \(links.count) rows to \(file)" + (head.map { "; head row \($0.id) \($0.hash)" } ?? ""))
        } else {
            printJSON(data)
        }
    }
}
