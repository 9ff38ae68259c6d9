import Foundation
import PaymentsDemo
import RailyardAdapters
import RailyardCore
import RailyardPorts
import Testing

/// `railyard analysis plan` on the binary against a real `railyard serve`: today's traffic measured
/// through the dc1 router's counters while real pay-ins flow, each analysis step predicted, and a step
/// whose max_duration cannot be enough named (exit 1); `deploy` warns of the same step once the rollout started.
/// And a latency metric the service's buckets could never pass is a config error for `validate --traffic`,
/// and `deploy` starts nothing.
@Suite("railyard analysis plan", .serialized, .fleet)
struct AnalysisPlanCLITests {
    static let waves = """
            - name: canary
              target: dc1
              steps:
                - deploy
                - setWeight: 25
                - analysis: { interval: 1s, max_duration: 10m, metrics: [{ name: error-rate, kind: error_rate, acceptable_rate: 0.05 }] }
                - analysis: { interval: 1s, max_duration: 1s, metrics: [{ name: error-rate, kind: error_rate, acceptable_rate: 0.05 }] }
                - analysis: { interval: 1s, max_duration: 10m, metrics: [{ name: payments, kind: error_rate, failed: payins_failed_total, total: payins_total, acceptable_rate: 0.05 }] }
                - promote
        """

    @Test func measuresTodaysTrafficAndPredictsEachAnalysisStep() async throws {
        let folder = try RailyardBinary.temporaryFolder("analysis-plan")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let config = try RailyardBinary.writePayinFleet(in: folder, instances: "{ dc1: 1 }", waves: Self.waves)
        let server = try ServerProcess(config: config, stateDirectory: folder + "/state", port: try FreePort.next(), log: folder + "/serve.log")
        try await server.waitReady()
        let status = try await server.call("POST", "fleet/up")
        let router = try #require(routerURL(status, target: "dc1"))
        let traffic = PaymentTraffic(routers: [router])
        let sender = Task { await traffic.run(loops: 1, interval: .milliseconds(20)) }
        try await traffic.waitFor(requests: 20, timeout: .seconds(120))
        let owner = server.tokens[.releaseOwner]

        let run = try await CLIExitCodeTests.railyard(["analysis", "plan", "payin", "--target", "dc1", "--config", config, "--window", "3",
                                                      "--output", "json", "--server", server.url], token: owner, limit: .seconds(300))
        // validate --traffic says the same of a valid file, for every service, and changes nothing (exit 0).
        let validated = try await CLIExitCodeTests.railyard(["validate", "--config", config, "--traffic", "--traffic-window", "3", "--server", server.url],
                                                            token: owner, limit: .seconds(300))
        let offline = try await CLIExitCodeTests.railyard(["validate", "--config", config])
        let unreachable = try await CLIExitCodeTests.railyard(["validate", "--config", config, "--traffic", "--traffic-window", "1",
                                                              "--server", "http://127.0.0.1:\(try FreePort.next())"], token: owner)
        // deploy starts the rollout, then says the same of its steps: a warning, not a refusal (exit 0).
        let deploy = try await CLIExitCodeTests.railyard(["deploy", "payin", "v2", "--config", config, "--traffic-window", "3", "--server", server.url],
                                                         token: owner, limit: .seconds(300))
        sender.cancel()
        await sender.value
        let sent = traffic.counts
        _ = try? await server.call("POST", "fleet/down")
        await server.exited()

        #expect(run.status == 1, "the 1 s analysis cannot be enough: \(run.out) \(run.err)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any], "\(run.out) \(run.err)")
        let rate = report["requests_per_second"] as? Double ?? 0
        #expect(rate > 0 && report["error_rate"] as? Double == 0, "\(report)")
        #expect(sent.failed == 0, "\(traffic.failures)")
        let steps = report["steps"] as? [[String: Any]] ?? []
        #expect(steps.map { $0["weight"] as? Int } == [25, 25, 25])
        let prediction = steps.first?["prediction"] as? [String: Any] ?? [:]
        // No pay-in fails: the pass is the canary's own rate shown under 5%, about 110 requests at a quarter of the rate.
        let pass = prediction["pass_within"] as? Double ?? -1
        let expected = 110 / (rate / 4)
        #expect(pass > 0.6 * expected && pass < 1.6 * expected + 2, "pass within \(pass) s at \(rate) requests/s; about \(expected) s expected")
        #expect(steps.first?["warning"] == nil || steps.first?["warning"] is NSNull, "\(steps.first ?? [:])")
        #expect((steps[1]["warning"] as? String ?? "").hasPrefix("max_duration 1s cannot be enough at today's traffic: a good version needs "), "\(steps[1])")
        // The pay-ins metric runs at the rate of v1's own payins_total, read through the metric source at both
        // ends of the window (unread, it would be left out with the reason): each request to payin is one pay-in,
        // so the two rates agree within the readings' few seconds apart.
        let payments = ((steps[2]["prediction"] as? [String: Any])?["metrics"] as? [[String: Any]])?.first ?? [:]
        let payinRate = payments["requests_per_second_per_group"] as? Double ?? -1
        #expect(payments["metric"] as? String == "payments" && payments["unpredicted"] == nil, "\(steps[2])")
        #expect(abs(payinRate - rate / 4) <= 0.3 * rate / 4, "pay-ins \(payinRate) a second a group, HTTP \(rate / 4): \(steps[2])")
        #expect(payments["pass_within"] is Double && (steps[2]["warning"] == nil || steps[2]["warning"] is NSNull), "\(steps[2])")

        #expect(validated.status == 0, "\(validated.out) \(validated.err)")
        #expect(validated.out.hasPrefix("\(config): ok — 1 services"), "\(validated.out)")
        #expect(validated.out.contains("  ⚠ wave 'canary' (dc1, canary at 25%): max_duration 1s cannot be enough at today's traffic: a good version needs "),
                "\(validated.out)")
        #expect(validated.out.components(separatedBy: "⚠").count == 2, "only the 1 s step is too short: \(validated.out)")
        #expect(offline.status == 0 && !offline.out.contains("traffic"), "without --traffic no server is read: \(offline.out) \(offline.err)")
        #expect(unreachable.status == 1 && unreachable.out.contains("traffic check skipped: "), "asked for and not done: \(unreachable.out) \(unreachable.err)")

        #expect(deploy.status == 0, "\(deploy.out) \(deploy.err)")
        #expect(deploy.out.hasPrefix("rollout payin-v2-") && deploy.out.contains(" started: payin v2\n"), "\(deploy.out)")
        #expect(deploy.out.contains("  ⚠ wave 'canary' (dc1, canary at 25%): max_duration 1s cannot be enough at today's traffic: a good version needs "),
                "\(deploy.out)")
        #expect(deploy.out.contains("    see: railyard analysis plan payin --target dc1"), "\(deploy.out)")
        #expect(deploy.out.components(separatedBy: "⚠").count == 2, "only the 1 s step is too short: \(deploy.out)")

        let bad = try await CLIExitCodeTests.railyard(["analysis", "plan", "payout", "--target", "dc1", "--config", config, "--server", server.url], token: owner)
        #expect(bad.status != 0 && bad.err.contains("no service 'payout' in \(config) (services: payin)"), "\(bad.out) \(bad.err)")
    }

    @Test func latencyBucketsTooCoarseForTheToleranceAreAConfigError() async throws {
        let folder = try RailyardBinary.temporaryFolder("analysis-layout")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // v1 answers every pay-in 30 ms late: today's requests fill the (25 ms, 50 ms] bucket, with no bound
        // inside the central 98% to read a +10% shift against.
        let waves = Self.waves.replacingOccurrences(of: "max_duration: 10m, metrics: [{ name: error-rate, kind: error_rate, acceptable_rate: 0.05 }]",
                                                    with: "max_duration: 10m, metrics: [{ name: error-rate, kind: error_rate, acceptable_rate: 0.05 }, "
                                                        + "{ name: latency, kind: latency, allowed_increase: 0.1 }, "
                                                        + "{ name: settlement, kind: latency, histogram: payin_settlement_seconds, allowed_increase: 0.1 }]")
        #expect(waves != Self.waves)
        let config = try RailyardBinary.writePayinFleet(in: folder, instances: "{ dc1: 1 }", waves: waves, behaviour: "payin: { v1: { extra_latency_ms: 30 } }\n")
        let server = try ServerProcess(config: config, stateDirectory: folder + "/state", port: try FreePort.next(), log: folder + "/serve.log")
        try await server.waitReady()
        let status = try await server.call("POST", "fleet/up")
        let router = try #require(routerURL(status, target: "dc1"))
        let traffic = PaymentTraffic(routers: [router])
        let sender = Task { await traffic.run(loops: 2, interval: .milliseconds(5)) }
        try await traffic.waitFor(requests: 300, timeout: .seconds(120))
        sender.cancel()
        await sender.value
        let owner = server.tokens[.releaseOwner]

        // What the server reads: v1's counters through the metric source, every request in one bucket.
        let read = try await server.call("GET", "targets/dc1/services/payin/counters")
        let counters = read["counters"] as? [String: Any] ?? [:]
        #expect(read["version"] as? String == "v1" && read["instances"] as? Int == 1, "\(read)")
        #expect((counters["requests"] as? Double ?? 0) >= 300, "\(read)")
        let (unknownStatus, unknown) = try await ServerProcess.request("GET", server.url + "/api/v1/targets/dc1/services/payout/counters", token: owner)
        #expect(unknownStatus == 404 && (unknown as? [String: Any])?["detail"] as? String == "no service 'payout' in railyard.yml (services: payin)",
                "\(unknownStatus) \(unknown)")

        let validated = try await CLIExitCodeTests.railyard(["validate", "--config", config, "--traffic", "--traffic-window", "1", "--server", server.url],
                                                            token: owner, limit: .seconds(300))
        let deploy = try await CLIExitCodeTests.railyard(["deploy", "payin", "v2", "--config", config, "--traffic-window", "1", "--server", server.url],
                                                         token: owner, limit: .seconds(300))
        let rollouts = try await server.call("GET", "rollouts")
        _ = try? await server.call("POST", "fleet/down")
        await server.exited()

        #expect(validated.status == 1, "\(validated.out) \(validated.err)")
        // Every request in (25 ms, 50 ms], or a few spilling over on a loaded machine: either way no +10% shift can be read.
        // Each refused metric with one of the two reasons a layout that can never pass gets: every request in one
        // bucket, or too few bounds for the tolerance (a loaded machine spreads a few requests into the next bucket).
        // v1 settles each pay-in at once: every settlement within the first bucket (5 ms), refused however loaded.
        // The HTTP latency (30 ms late) is refused too unless load spreads it over enough bounds.
        let refused = validated.out.components(separatedBy: "\n").filter { $0.hasPrefix("  ✘ wave 'canary' (dc1), metric '") }
        #expect(refused.contains { $0.hasPrefix("  ✘ wave 'canary' (dc1), metric 'settlement': ") }, "\(validated.out)")
        for line in refused {
            #expect(line.contains(" requests falls in one latency bucket (they answered ")
                    || line.contains("are too coarse for the +10% tolerance: fewer than two bounds fall inside the central 98% of requests"), "\(line)")
            #expect(line.contains("latency cannot pass (finer buckets around the usual latency fix it)"), "\(line)")
        }
        let count = refused.count
        #expect(validated.out.contains("\(count) error\(count == 1 ? "" : "s") against today's traffic: a latency metric that could never pass on these buckets"),
                "\(validated.out)")
        #expect(deploy.status == 1, "\(deploy.out) \(deploy.err)")
        #expect(deploy.out.contains("not deployed: \(count) latency metric\(count == 1 ? "" : "s") of \(config) could never pass on payin's buckets"), "\(deploy.out)")
        #expect(!deploy.out.contains("started"), "nothing starts: \(deploy.out)")
        #expect((rollouts["items"] as? [Any])?.isEmpty == true, "no rollout was created: \(rollouts)")
    }
}
