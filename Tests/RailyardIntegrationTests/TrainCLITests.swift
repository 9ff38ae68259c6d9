import Foundation
import RailyardAdapters
import RailyardCore
import Testing

/// `railyard train` on the binary against a real `railyard serve`: a bad export is refused whole with
/// every problem as FILE:LINE: error: FIELD: MESSAGE (exit 1); a good one is imported and shown.
@Suite("railyard train create / import / show", .serialized)
struct TrainCLITests {
    @Test func aBadExportChangesNothingAndNamesEveryLine() async throws {
        let folder = try RailyardBinary.temporaryFolder("train-cli")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let config = try RailyardBinary.writeDC1Fleet(in: folder)
        let server = try ServerProcess(config: config, stateDirectory: folder + "/state", port: try FreePort.next(), log: folder + "/serve.log")
        try await server.waitReady()
        defer { server.process.terminate(); server.process.waitUntilExit() }
        let owner = server.tokens[.releaseOwner]

        let created = try CLIExitCodeTests.railyard(["train", "create", "2026.48", "--captain", "carol", "--service", "payin=2026.48.1",
                                                     "--server", server.url], token: owner)
        #expect(created.status == 0 && created.out.contains("train 2026.48 (regular) — planned, captain carol"), "\(created.out) \(created.err)")

        let bad = folder + "/bad.csv"
        try "Issue key,Summary,Assignee,Component/s\nPAY-1,Fee column,dave,payin\nPAY-2,,erin,payn\nPAY-1,Again,dave,payin\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try CLIExitCodeTests.railyard(["train", "import", "2026.48", bad, "--server", server.url], token: owner)
        #expect(refused.status == 1, "\(refused.out) \(refused.err)")
        let lines = refused.err.split(separator: "\n").map(String.init)
        #expect(lines.prefix(3) == ["\(bad):3: error: Summary: is empty",
                                    "\(bad):3: error: Component/s: no service 'payn' in railyard.yml; did you mean 'payin'?",
                                    "\(bad):4: error: Issue key: 'PAY-1' already appears on line 2"], "\(refused.err)")
        let empty = try CLIExitCodeTests.railyard(["train", "show", "2026.48", "--server", server.url], token: owner)
        #expect(empty.out.contains("tickets: 0"), "nothing was imported: \(empty.out)")

        let skipped = try CLIExitCodeTests.railyard(["train", "import", "2026.48", bad, "--skip-invalid", "--server", server.url], token: owner)
        #expect(skipped.status == 0 && skipped.out.contains("1 tickets imported into train 2026.48; 2 bad rows skipped")
                && skipped.err.contains("\(bad):3: warning: Summary: is empty"), "\(skipped.out) \(skipped.err)")
        let shown = try CLIExitCodeTests.railyard(["train", "show", "2026.48", "--server", server.url], token: owner)
        #expect(shown.out.contains("PAY-1") && shown.out.contains("to review: scripts, rollbackable, backward_compatible, scope"), "\(shown.out)")

        // The review: answers on the command line, the signature, then the plan with its reasons.
        let unsigned = try CLIExitCodeTests.railyard(["train", "review", "2026.48", "--sign", "--server", server.url], token: owner)
        #expect(unsigned.status == 1 && unsigned.err.contains("PAY-1 (scripts, rollbackable, backward_compatible, scope)"), "\(unsigned.err)")
        let answered = try CLIExitCodeTests.railyard(["train", "answer", "2026.48", "PAY-1", "--scripts", "no", "--rollbackable", "no",
                                                      "--backward-compatible", "yes", "--scope", "narrow", "--server", server.url], token: owner)
        #expect(answered.status == 0 && answered.out.contains("PAY-1: scripts no, rollbackable no, backward-compatible yes, scope narrow"),
                "\(answered.out) \(answered.err)")
        let review = try CLIExitCodeTests.railyard(["train", "review", "2026.48", "--sign", "--server", server.url], token: owner)
        #expect(review.status == 0 && review.out.contains("+5 rollback: cannot be rolled back") && review.out.contains("review signed by alice"),
                "\(review.out) \(review.err)")
        let plan = try CLIExitCodeTests.railyard(["train", "plan", "2026.48", "--server", server.url], token: owner)
        #expect(plan.status == 0 && plan.out.contains("not-rollbackable (PAY-1): four-eyes approval before production"), "\(plan.out)")

        let viewer = try CLIExitCodeTests.railyard(["train", "import", "2026.48", bad, "--server", server.url], token: server.tokens[.approver])
        #expect(viewer.status == 4 && viewer.err.contains("importing tickets needs release-owner or developer"), "\(viewer.err)")
    }
}
