import Foundation
import RailyardAdapters
import RailyardCore
import Testing

/// `railyard train` on the binary against a real `railyard serve`: a bad export is refused whole with
/// every problem as FILE:LINE: error: FIELD: MESSAGE (exit 1); a good one is imported and shown.
@Suite("railyard train create / import / show", .serialized)
struct TrainCLITests {
    /// A `railyard serve` on one payin instance in dc1, in `folder`; returns its railyard.yml and the server.
    static func serveDC1Fleet(in folder: String) async throws -> (config: String, server: ServerProcess) {
        let config = try RailyardBinary.writeDC1Fleet(in: folder)
        let server = try ServerProcess(config: config, stateDirectory: folder + "/state", port: try FreePort.next(), log: folder + "/serve.log")
        try await server.waitReady()
        return (config, server)
    }

    @Test func aBadExportChangesNothingAndNamesEveryLine() async throws {
        let folder = try RailyardBinary.temporaryFolder("train-cli")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (_, server) = try await Self.serveDC1Fleet(in: folder)
        defer { server.process.terminate(); server.process.waitUntilExit() }
        let owner = server.tokens[.releaseOwner]

        let created = try await CLIExitCodeTests.railyard(["train", "create", "2026.48", "--captain", "carol", "--service", "payin=2026.48.1",
                                                     "--server", server.url], token: owner)
        #expect(created.status == 0 && created.out.contains("train 2026.48 (regular) — planned, captain carol"), "\(created.out) \(created.err)")

        let bad = folder + "/bad.csv"
        try "Issue key,Summary,Assignee,Component/s\nPAY-1,Fee column,dave,payin\nPAY-2,,erin,payn\nPAY-1,Again,dave,payin\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try await CLIExitCodeTests.railyard(["train", "import", "2026.48", bad, "--server", server.url], token: owner)
        #expect(refused.status == 1, "\(refused.out) \(refused.err)")
        let lines = refused.err.split(separator: "\n").map(String.init)
        #expect(lines.prefix(3) == ["\(bad):3: error: Summary: is empty",
                                    "\(bad):3: error: Component/s: no service 'payn' in railyard.yml; did you mean 'payin'?",
                                    "\(bad):4: error: Issue key: 'PAY-1' already appears on line 2"], "\(refused.err)")
        let empty = try await CLIExitCodeTests.railyard(["train", "show", "2026.48", "--server", server.url], token: owner)
        #expect(empty.out.contains("tickets: 0"), "nothing was imported: \(empty.out)")

        let skipped = try await CLIExitCodeTests.railyard(["train", "import", "2026.48", bad, "--skip-invalid", "--server", server.url], token: owner)
        #expect(skipped.status == 0 && skipped.out.contains("1 tickets imported into train 2026.48; 2 bad rows skipped")
                && skipped.err.contains("\(bad):3: warning: Summary: is empty"), "\(skipped.out) \(skipped.err)")
        let shown = try await CLIExitCodeTests.railyard(["train", "show", "2026.48", "--server", server.url], token: owner)
        #expect(shown.out.contains("PAY-1") && shown.out.contains("to review: scripts, rollbackable, backward_compatible, scope"), "\(shown.out)")

        // The review: answers on the command line, the signature, then the plan with its reasons.
        let unsigned = try await CLIExitCodeTests.railyard(["train", "review", "2026.48", "--sign", "--server", server.url], token: owner)
        #expect(unsigned.status == 1 && unsigned.err.contains("PAY-1 (scripts, rollbackable, backward_compatible, scope)"), "\(unsigned.err)")
        let answered = try await CLIExitCodeTests.railyard(["train", "answer", "2026.48", "PAY-1", "--scripts", "no", "--rollbackable", "no",
                                                      "--backward-compatible", "yes", "--scope", "narrow", "--server", server.url], token: owner)
        #expect(answered.status == 0 && answered.out.contains("PAY-1: scripts no, rollbackable no, backward-compatible yes, scope narrow"),
                "\(answered.out) \(answered.err)")
        let review = try await CLIExitCodeTests.railyard(["train", "review", "2026.48", "--sign", "--server", server.url], token: owner)
        #expect(review.status == 0 && review.out.contains("+5 rollback: cannot be rolled back") && review.out.contains("review signed by alice"),
                "\(review.out) \(review.err)")
        let plan = try await CLIExitCodeTests.railyard(["train", "plan", "2026.48", "--server", server.url], token: owner)
        #expect(plan.status == 0 && plan.out.contains("not-rollbackable (PAY-1): four-eyes approval before production"), "\(plan.out)")

        let viewer = try await CLIExitCodeTests.railyard(["train", "import", "2026.48", bad, "--server", server.url], token: server.tokens[.approver])
        #expect(viewer.status == 4 && viewer.err.contains("importing tickets needs release-owner or developer"), "\(viewer.err)")
    }

    /// The ceremony in a real pseudo-terminal: the four questions ticket by ticket, a wrong answer asked
    /// again, each ticket's answers stored at once, the signature offered; Ctrl-D keeps what was answered.
    @Test func theInteractiveReviewAsksTheFourQuestionsUnderAPseudoTerminal() async throws {
        let folder = try RailyardBinary.temporaryFolder("train-pty")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (_, server) = try await Self.serveDC1Fleet(in: folder)
        defer { server.process.terminate(); server.process.waitUntilExit() }
        let owner = server.tokens[.releaseOwner]!
        for train in ["2026.48", "2026.49"] {
            _ = try await CLIExitCodeTests.railyard(["train", "create", train, "--captain", "carol", "--service", "payin=\(train).1", "--server", server.url],
                                              token: owner)
            let export = folder + "/\(train).csv"
            try "Issue key,Summary,Assignee,Component/s\nPAY-1,Fee column,dave,payin\nPAY-2,Refund fees,erin,payin\n"
                .write(toFile: export, atomically: true, encoding: .utf8)
            let imported = try await CLIExitCodeTests.railyard(["train", "import", train, export, "--server", server.url], token: owner)
            #expect(imported.status == 0, "\(imported.err)")
        }

        let terminal = try PseudoTerminal(["train", "review", "2026.48", "--server", server.url], token: owner)
        try terminal.expect("[1/2] PAY-1  Fee column")
        try terminal.expect("Scripts? Does it need pre-deployment scripts? [y/n] ")
        terminal.type("maybe")
        try terminal.expect("please answer y or n or yes or no")
        try terminal.expect("Scripts?")
        terminal.type("y")
        try terminal.expect("Rollbackable?")
        terminal.type("n")
        try terminal.expect("Backward-compatible?")
        terminal.type("yes")
        try terminal.expect("Scope?")
        terminal.type("wide")
        try terminal.expect("recorded: scripts yes, rollbackable no, backward-compatible yes, scope wide")
        try terminal.expect("[2/2] PAY-2  Refund fees")
        for reply in ["n", "y", "y", "narrow"] {
            try terminal.expect("] ")
            terminal.type(reply)
        }
        try terminal.expect("recorded: scripts no, rollbackable yes, backward-compatible yes, scope narrow")
        try terminal.expect("Sign the review of train 2026.48")
        terminal.type("y")
        try terminal.expect("+5 rollback: cannot be rolled back")
        try terminal.expect("review signed by alice")
        #expect(terminal.finish() == 0, "\(terminal.output)")
        let signed = try await CLIExitCodeTests.railyard(["train", "show", "2026.48", "--output", "json", "--server", server.url], token: owner)
        let view = try #require(try JSONSerialization.jsonObject(with: Data(signed.out.utf8)) as? [String: Any])
        #expect(((view["train"] as? [String: Any])?["review"] as? [String: Any])?["by"] as? String == "alice")

        // Ctrl-D in the middle: the first ticket's answers are kept, the second's are not recorded, exit 1.
        let stopped = try PseudoTerminal(["train", "review", "2026.49", "--server", server.url], token: owner)
        for reply in ["n", "y", "y", "narrow"] {
            try stopped.expect("] ")
            stopped.type(reply)
        }
        try stopped.expect("[2/2] PAY-2")
        try stopped.expect("Scripts?")
        stopped.endOfInput()
        try stopped.expect("review stopped: the answers given so far are recorded")
        #expect(stopped.finish() == 1)
        let kept = try await CLIExitCodeTests.railyard(["train", "show", "2026.49", "--server", server.url], token: owner)
        #expect(!kept.out.contains("PAY-1      Fee column [payin] dave — to review") && kept.out.contains("PAY-2      Refund fees [payin] erin — to review: "
                                                                                                        + "scripts, rollbackable, backward_compatible, scope"),
                "\(kept.out)")

        // Without a terminal, answers come from a file; a bad one is refused whole, naming ticket and field.
        let bad = folder + "/answers.json"
        try #"{"PAY-2": {"scripts": 1, "scope": "huge"}, "PAY-9": {"scripts": true}}"#.write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try await CLIExitCodeTests.railyard(["train", "review", "2026.49", "--answers", bad, "--server", server.url], token: owner)
        #expect(refused.status == 1)
        #expect(refused.err.contains("\(bad): error: PAY-2: scope: must be \"narrow\" or \"wide\"")
                && refused.err.contains("\(bad): error: PAY-2: scripts: must be true or false")
                && refused.err.contains("\(bad): error: PAY-9: no such ticket in the train") && refused.err.contains("nothing was recorded"),
                "\(refused.err)")
        let good = folder + "/good.json"
        try #"{"PAY-2": {"scripts": false, "rollbackable": true, "backward_compatible": true, "scope": "narrow"}}"#
            .write(toFile: good, atomically: true, encoding: .utf8)
        let answered = try await CLIExitCodeTests.railyard(["train", "review", "2026.49", "--answers", good, "--sign", "--server", server.url], token: owner)
        #expect(answered.status == 0 && answered.out.contains("1 tickets answered from \(good)") && answered.out.contains("review signed by alice"),
                "\(answered.out) \(answered.err)")
    }

    /// Editing by hand, the gates, the change record, the timetable and the figures on the binary.
    @Test func editingGatesRecordTimetableAndFiguresOnTheBinary() async throws {
        let folder = try RailyardBinary.temporaryFolder("train-cli-more")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (config, server) = try await Self.serveDC1Fleet(in: folder)
        defer { server.process.terminate(); server.process.waitUntilExit() }
        let owner = server.tokens[.releaseOwner]!
        func run(_ arguments: [String], token: String? = nil) async throws -> CLIExitCodeTests.Run {
            try await CLIExitCodeTests.railyard(arguments + ["--server", server.url], token: token ?? owner)
        }
        #expect(try await run(["train", "create", "2026.48", "--captain", "carol"]).status == 0)
        let set = try await run(["train", "set", "2026.48", "--service", "payin=2026.48.1"])
        #expect(set.status == 0 && set.out.contains("train 2026.48 carries payin 2026.48.1"), "\(set.out) \(set.err)")
        let badSet = try await run(["train", "set", "2026.48", "--service", "payn=1"])
        #expect(badSet.status == 1 && badSet.err.contains("no service 'payn' in railyard.yml; did you mean 'payin'?"), "\(badSet.err)")
        let ticket = try await run(["train", "ticket", "2026.48", "PAY-1260", "--title", "Refund fees", "--owner", "erin", "--service", "payin",
                              "--merged", "2026-11-20"])
        #expect(ticket.status == 0 && ticket.out.contains("PAY-1260 in train 2026.48: Refund fees [payin] erin"), "\(ticket.out) \(ticket.err)")
        let badTicket = try await run(["train", "ticket", "2026.48", "PAY-1261", "--title", "x", "--owner", "erin", "--service", "payin", "--merged", "soon"])
        #expect(badTicket.status == 1 && badTicket.err.contains("merged_at: 'soon' is not a date"), "\(badTicket.err)")

        let gates = try await run(["train", "gates", "2026.48"])
        #expect(gates.status == 0 && gates.out.contains("train 2026.48: no gate before its next move"), "\(gates.out)")
        let record = try await run(["train", "record", "2026.48", "--format", "md"])
        #expect(record.status == 0 && record.out.contains("# Change record: train 2026.48") && record.out.contains("| PAY-1260 | Refund fees |")
                && record.out.contains("## 5. The way back") && record.out.contains("- payin: back from 2026.48.1 to v1"), "\(record.out)")
        let json = try await run(["train", "record", "2026.48", "--format", "json"])
        let anchor = folder + "/record.json"
        try json.out.write(toFile: anchor, atomically: true, encoding: .utf8)
        let metrics = try await run(["metrics", "--svg", folder + "/chart.svg"])
        #expect(metrics.status == 0 && metrics.out.contains("non-regression runs per day") && metrics.out.contains("not measured yet (no nightly runs)")
                && metrics.out.contains("deployment frequency            Yearly (0 releases)"), "\(metrics.out) \(metrics.err)")
        #expect((try? String(contentsOfFile: folder + "/chart.svg", encoding: .utf8))?.contains("no released train yet") == true)
        server.process.terminate()
        await server.exited()
        let verified = try await CLIExitCodeTests.railyard(["audit", "verify", "--state-dir", folder + "/state", "--anchor", anchor])
        #expect(verified.status == 0 && verified.out.contains("audit chain intact"), "the record's head is in the chain: \(verified.out) \(verified.err)")

        let timetable = try await CLIExitCodeTests.railyard(["timetable", "--config", config, "--from", "2026-12-21", "--weeks", "4", "--output", "json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(timetable.out.utf8)) as? [[String: Any]], "\(timetable.out) \(timetable.err)")
        #expect(rows.map { $0["sprint"] as? String } == ["2026.52", "2027.01"] && (rows.first?["lanes"] as? [String: String])?["production"] == "2026.46")
        let badWeeks = try await CLIExitCodeTests.railyard(["timetable", "--config", config, "--weeks", "0"])
        #expect(badWeeks.status == 64 && badWeeks.err.contains("--weeks must be 1 to 104"), "\(badWeeks.err)")
    }
}
