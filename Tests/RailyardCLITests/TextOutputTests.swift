import Foundation
import RailyardAPI
@testable import RailyardCore
import RailyardPorts
import RailyardSimulation


import Testing

@testable import railyard

/// What people read: `rollout watch`'s look lines, a rollout's progress, `railyard scrape`'s summary.
@Suite struct TextOutputTests {
    static let look = AnalysisLook(elapsed: 6, baseline: GroupCounters(requests: 150, errors: 0), canary: GroupCounters(requests: 149, errors: 6))
    static let judgement = Judgement(verdict: .inconclusive, reason: "no decision yet", metrics: [
        MetricVerdict(metric: "error-rate", verdict: .inconclusive, reason: "", baselineValue: 0, canaryValue: 0.0403,
                      statistic: 2.1234, boundary: 5.2983),
    ])

    @Test func aLookLineShowsTheWeightsCanaryFirstThenBothGroupsAndTheStatisticAgainstItsBoundary() {
        let live = LiveAnalysis(analysisID: "a", target: "dc1", look: Self.look, judgement: Self.judgement,
                                weights: ["stable": 50, "baseline": 25, "canary": 25])
        #expect(AnalysisText.liveLine(live)
            == "6s dc1 [canary 25% baseline 25% stable 50%]: canary 4.03% err of 149 vs baseline 0.00% err of 150; error-rate 2.12/5.30 → inconclusive")
        let unread = LiveAnalysis(analysisID: "a", target: "dc1", look: Self.look, judgement: Self.judgement)
        #expect(AnalysisText.liveLine(unread).hasPrefix("6s dc1: canary 4.03%"), "no weights read: no brackets")
    }

    @Test func anAnalysisReportSaysHowLongItMayWatchAndTheSequentialJudgeHasNoMinimum() {
        var record = AnalysisRecord(id: "a1", rolloutID: "payin-v2-1", service: "payin", target: "dc1", baselineVersion: "v1", canaryVersion: "v2",
                                    spec: AnalysisSpec(maxDuration: .seconds(20), interval: .seconds(1), maxExtension: .seconds(120)), startedAt: Date())
        let lines = AnalysisText.report(API.AnalysisReport(analysis: record, looks: [])).split(separator: "\n").map(String.init)
        #expect(lines[2] == "  judge     sequential, α=0.01, every 1s, up to 20s and 2m more if undecided", "\(lines)")
        record.spec = AnalysisSpec(judge: .mannWhitney, minSamples: 50, maxDuration: .seconds(300))
        let fixed = AnalysisText.report(API.AnalysisReport(analysis: record, looks: [])).split(separator: "\n").map(String.init)
        #expect(fixed[2] == "  judge     mann-whitney, α=0.01, min 50 requests, every 5s, up to 5m", "\(fixed)")
    }

    @Test func anAnalysisReportShowsWhatIsStillWatchedAfterThePass() throws {
        let spec = AnalysisSpec(alpha: 0.01, interval: .seconds(10), metrics: [
            AnalysisMetricSpec(name: "error-rate", kind: .errorRate, allowedIncrease: 0.5, acceptableRate: 0.001),
            AnalysisMetricSpec(name: "latency-p90", kind: .latency, allowedIncrease: 0.5, quantile: 0.9),
        ], watchAfterPass: .seconds(600))
        let baseline = GroupCounters(requests: 1_000, latencyBuckets: [LatencyBucket(le: 0.1, count: 600), LatencyBucket(le: 0.25, count: 920),
                                                                       LatencyBucket(le: .infinity, count: 1_000)])
        var record = AnalysisRecord(id: "a1", rolloutID: "payin-v2-1", service: "payin", target: "dc1", baselineVersion: "v1", canaryVersion: "v2",
                                    spec: spec, startedAt: Date())
        record.lateWatch = try #require(LateWatchState.start(for: spec, baseline: baseline, canary: baseline, at: Date()))
        let lines = AnalysisText.report(API.AnalysisReport(analysis: record, looks: [])).split(separator: "\n").map(String.init)
        #expect(lines.contains("  after the pass: watching"), "\(lines)")
        #expect(lines.contains("    error rate  0 of 60 looks, evidence 0.0 of 9.4 (ratio over the tolerated 1.50×, α=0.005)"), "\(lines)")
        #expect(lines.contains("    latency-p90  share slower than 250 ms: 0 of 60 looks, evidence 0.0 of 9.4 (over the tolerated 1.50×, α=0.005)"), "\(lines)")
        record.lateWatch?.ended = "the wave promoted"
        let ended = AnalysisText.report(API.AnalysisReport(analysis: record, looks: []))
        #expect(ended.contains("  after the pass: ended — the wave promoted"), "\(ended)")
        // With the whole latency judged too, its shift is watched: three watches at α/3 each.
        var withShift = spec
        withShift.metrics.append(AnalysisMetricSpec(name: "latency", kind: .latency, allowedIncrease: 0.1))
        record.spec = withShift
        record.lateWatch = try #require(LateWatchState.start(for: withShift, baseline: baseline, canary: baseline, at: Date()))
        let three = AnalysisText.report(API.AnalysisReport(analysis: record, looks: [])).split(separator: "\n").map(String.init)
        #expect(three.contains("    error rate  0 of 60 looks, evidence 0.0 of 9.8 (ratio over the tolerated 1.50×, α=0.003333)"), "\(three)")
        #expect(three.contains("    latency  shift over the tolerated +10%: 0 of 60 looks, evidence 0.0 of 9.8 (for +20%, α=0.003333)"), "\(three)")
    }

    @Test func anAnalysisPlanSaysWhatEachStepNeedsAndWarnsWhereItCannotBeEnough() {
        let prediction = AnalysisPlanner.Prediction(requestsPerSecondPerGroup: 20, baselineErrorRate: 0.005, passWithin: 1_230, catchWithin: nil,
                                                    horizon: 3_600, runs: 200)
        let plans = [AnalysisPlanner.StepPlan(wave: "canary", weight: 25, maxDuration: 300, maxExtension: 600, prediction: prediction,
                                              warning: "max_duration 5m and max_extension 10m cannot be enough at today's traffic: a good version needs 20m30s to pass in 9 analyses of 10")]
        #expect(AnalysisCommand.Plan.text(service: "payin", target: "dc1", rate: 80, errorRate: 0.005, plans: plans) == """
            payin in dc1: 80.0 requests/s, 0.50% failed
              wave 'canary': canary at 25% (20.0 requests/s a group), watches up to 5m + 10m
                a good version passes within 20m30s in 9 analyses of 10
                a version failing twice as often is caught within more than 1h in 9 of 10
                ⚠ max_duration 5m and max_extension 10m cannot be enough at today's traffic: a good version needs 20m30s to pass in 9 analyses of 10
            """)
        #expect(AnalysisCommand.Plan.text(service: "payin", target: "dc2", rate: 0, errorRate: 0, plans: []).hasSuffix("no analysis step runs in dc2"))
        // With stable_as_control the plan says how much stable traffic it counted as control.
        var stable = prediction
        stable.stableRequestsPerSecond = 40
        let withStable = [AnalysisPlanner.StepPlan(wave: "canary", weight: 25, maxDuration: 300, maxExtension: 600, prediction: stable)]
        #expect(AnalysisCommand.Plan.text(service: "payin", target: "dc1", rate: 80, errorRate: 0.005, plans: withStable)
            .contains("    the stable group counted as control too (stable_as_control): 40.0 requests/s\n    a good version passes within 20m30s"))
        // Instances read apart (railyard.yml starts two of each there): the plan says it simulated them so.
        var apart = prediction
        apart.instancesPerGroup = 2
        #expect(AnalysisCommand.Plan.text(service: "payin", target: "dc1", rate: 80, errorRate: 0.005,
                                          plans: [AnalysisPlanner.StepPlan(wave: "canary", weight: 25, maxDuration: 300, maxExtension: 600, prediction: apart)])
            .contains("watches up to 5m + 10m\n    canary and baseline read apart by instance (simulated as 2 each): "
                      + "a fail must also show without each canary instance\n"))
        // Several metrics: each one's needs, so the one that keeps a good version waiting shows; one left out says why.
        var metrics = prediction
        metrics.baselineErrorRate = 0
        metrics.metrics = [AnalysisPlanner.MetricPrediction(metric: "payments", requestsPerSecondPerGroup: 12, passWithin: 95, failedShare: 0.01, catchWithin: 300),
                           AnalysisPlanner.MetricPrediction(metric: "latency", requestsPerSecondPerGroup: 20, passWithin: 1_230, slowerCaughtWithin: 44),
                           AnalysisPlanner.MetricPrediction(metric: "settlement", unpredicted: "no payin_settlement_seconds histogram read from the stable version: nothing to simulate")]
        metrics.catchWithin = 300
        metrics.slowerBy = 0.2
        metrics.slowerCaughtWithin = 44
        let each = AnalysisCommand.Plan.text(service: "payin", target: "dc1", rate: 80, errorRate: 0,
                                             plans: [AnalysisPlanner.StepPlan(wave: "canary", weight: 25, maxDuration: 1_800, maxExtension: 0, prediction: metrics)])
        #expect(each == """
            payin in dc1: 80.0 requests/s, 0.00% failed
              wave 'canary': canary at 25% (20.0 requests/s a group), watches up to 30m
                a good version passes within 20m30s in 9 analyses of 10
                a version failing twice as often is caught within 5m in 9 of 10
                a version 20% slower (twice the tolerated increase) is caught within 44s in 9 of 10
                  payments (12.0 a second a group): passes within 1m35s, twice as often caught within 5m
                  latency (20.0 a second a group): passes within 20m30s, the slower version caught within 44s
                  settlement: not predicted: no payin_settlement_seconds histogram read from the stable version: nothing to simulate
                ✔ enough at today's traffic
            """, "\(each)")
    }

    static func view(phase: RolloutPhase, reason: String?) throws -> API.RolloutView {
        let config = try ConfigLoader.parse("""
            services:
              payin:
                kind: microservice
                command: ./payin --port {port}
                version: v1
                instances: { dc1: 1 }
            environments:
              - name: production
                datacenters: [dc1]
            deployment:
              waves:
                - name: canary
                  target: dc1
                  steps: [deploy, setWeight: 25, analysis, promote]
            """, file: "r.yml", baseDirectory: "/")
        var record = RolloutRecord(id: "payin-v2-0001", service: "payin", version: "v2", createdBy: "alice", at: Date(timeIntervalSince1970: 0))
        record.phase = phase
        record.reason = reason
        record.cursor.step = 2
        return API.RolloutView(record, deployment: config.deployment)
    }

    @Test func aRolloutWaitingForAPersonSaysWhyWhenAnAnalysisWasInconclusive() throws {
        let inconclusive = try Self.view(phase: .awaitingApproval, reason: "analysis inconclusive after 5m: waiting for data: canary 40 requests of the 100 it needs")
        #expect(RolloutText.progress(inconclusive)
            == "step 3/4 wave canary: analysis inconclusive after 5m: waiting for data: canary 40 requests of the 100 it needs; waiting for a person (railyard rollout approve|abort payin-v2-0001)")
        let approval = try Self.view(phase: .awaitingApproval, reason: "waiting for approval at wave 'canary'")
        #expect(RolloutText.progress(approval) == "step 3/4 wave canary: waiting for a person (railyard rollout approve|abort payin-v2-0001)")
    }

    @Test func releaseFiguresSayWhatADoraBucketMeansAndRoundQualityComponents() throws {
        var figures = ReleaseFigures.compute(trains: [], tickets: [:], now: Date(timeIntervalSince1970: 1_800_000_000))
        figures.dora.medianTimeToRestoreHours = 15.0 / 3600
        figures.dora.timeToRestoreBucket = "One day"
        figures.dora.medianLeadTimeHours = 501.3
        figures.dora.leadTimeBucket = "One month"
        figures.quality = [.init(train: "2026.48", state: .done, score: 0.88, components: [
            .init(name: "validation_days", value: 4.00001, target: 5, tolerable: 10, score: 1),
            .init(name: "hotfixes", value: 0.5, target: 0, tolerable: 2, score: 0.5),
        ])]
        let lines = FiguresText.render(figures).split(separator: "\n").map(String.init)
        let restore = try #require(lines.first { $0.hasPrefix("median time to restore") })
        #expect(restore.hasSuffix("15 s (DORA: under a day)"), "fourkeys' 'One day' is a bucket's upper end: \(restore)")
        let lead = try #require(lines.first { $0.hasPrefix("median lead time") })
        #expect(lead.hasSuffix("20.9 days (DORA: a week to a month)"), "\(lead)")
        let train = try #require(lines.first { $0.hasPrefix("2026.48") })
        #expect(train.hasSuffix("validation_days 4, hotfixes 0.5"), "\(train)")
    }

    @Test func colourMarksFailAndRollbackRedAndPassAndPromotionGreenOnlyWhenAsked() {
        #expect(Style.phase(.rolledBack, colour: true) == "\u{1B}[31mrolled_back\u{1B}[0m")
        #expect(Style.phase(.promoted, colour: true) == "\u{1B}[32mpromoted\u{1B}[0m")
        #expect(Style.verdict(.fail, colour: true) == "\u{1B}[31mfail\u{1B}[0m")
        #expect(Style.verdict(.pass, colour: true) == "\u{1B}[32mpass\u{1B}[0m")
        #expect(Style.phase(.running, colour: true) == "running")
        #expect(Style.phase(.rolledBack, colour: false) == "rolled_back")
    }

    @Test func theStatusTableFitsTheTerminalAndListsUnaccountedProcesses() {
        let instance = FleetStatus.Instance(address: "127.0.0.1:1", pid: 1, alive: true)
        let groups = [FleetStatus.Group(name: "stable", version: "v1", weight: 50, requests: 10, errors: 0, instances: [instance]),
                      FleetStatus.Group(name: "canary", version: "v2", weight: 25, requests: 5, errors: 1, instances: [instance]),
                      FleetStatus.Group(name: "baseline", version: "v1", weight: 25, requests: 5, errors: 0, instances: [instance])]
        let status = FleetStatus(targets: [FleetStatus.Target(name: "dc1", environment: "production", router: "http://127.0.0.1:9",
                                                              routerAlive: true, services: [FleetStatus.Service(name: "payin", stableVersion: "v1", groups: groups)])],
                                 activeRollouts: [], unaccounted: [FleetStatus.Unaccounted(pid: 4242, label: "payin-v3-dc1-5000")])
        let wide = StatusTable.render(status, width: 200).split(separator: "\n")
        #expect(wide[1] == "  payin    stable v1 50% (1/1 up, 10 req, 0 err) | canary v2 25% (1/1 up, 5 req, 1 err) | baseline v1 25% (1/1 up, 5 req, 0 err)")
        let narrow = StatusTable.render(status, width: 80).split(separator: "\n")
        #expect(narrow[1...3] == ["  payin    stable v1 50% (1/1 up, 10 req, 0 err)", "           canary v2 25% (1/1 up, 5 req, 1 err)",
                                   "           baseline v1 25% (1/1 up, 5 req, 0 err)"])
        #expect(narrow.allSatisfy { $0.count <= 80 }, "\(narrow)")
        #expect(narrow.contains("  pid 4242  payin-v3-dc1-5000"))
    }

    @Test func theEventColumnNeverCutsTheLongestKind() {
        let event = AuditEvent(at: Date(timeIntervalSince1970: 0), actor: "railyard", kind: "rollout.rollback_action_done", subject: "r",
                               message: "rollback: route all of dc1's traffic to stable")
        let line = EventLine.render(event)
        #expect(line.contains("rollout.rollback_action_done rollback: route all"), "\(line)")
        let short = EventLine.render(AuditEvent(at: Date(timeIntervalSince1970: 0), actor: "railyard", kind: "rollout.created", subject: "r", message: "m"))
        // Messages line up: every kind is padded to the longest one.
        #expect(short.range(of: " m")?.lowerBound.utf16Offset(in: short) == line.range(of: " rollback:")?.lowerBound.utf16Offset(in: line))
    }

    @Test func scrapeSummaryLeavesOutRailyardsOwnScrapesAndProbes() throws {
        let families = try PrometheusText.parse("""
            # TYPE http_requests_total counter
            http_requests_total{route="/metrics",method="GET",status="200"} 7
            http_requests_total{route="/health",method="GET",status="200"} 3
            http_requests_total{route="/payins",method="POST",status="201"} 96
            http_requests_total{route="/payins",method="POST",status="500"} 4
            """)
        #expect(ScrapeCommand.analysisLine(families).hasPrefix("analysis reads: 100 requests, 4 5xx (4.00%), not counting /metrics and /health;"))
    }
}
