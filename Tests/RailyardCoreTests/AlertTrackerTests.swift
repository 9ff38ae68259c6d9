import Foundation
import Testing
@testable import RailyardCore

@Suite("Alert rules and their life")
struct AlertTrackerTests {
    let t0 = Date(timeIntervalSince1970: 1_000_000)
    let rule = AlertRule(name: "payin-errors", service: "payin", target: "dc1", measure: .errorRate, comparison: .greater,
                         threshold: 0.02, holdFor: .seconds(30))

    @Test func firesOnlyAfterHoldingForItsDurationThenResolvesOnce() {
        var tracker = AlertTracker(rule: rule)
        #expect(tracker.observe(0.05, at: t0) == nil)
        #expect(tracker.state == .pending)
        #expect(tracker.observe(0.04, at: t0.addingTimeInterval(29)) == nil)
        #expect(tracker.observe(0.04, at: t0.addingTimeInterval(30)) == .fired(value: 0.04, since: t0))
        #expect(tracker.state == .firing)
        #expect(tracker.observe(0.06, at: t0.addingTimeInterval(35)) == nil, "a firing alert is announced once")
        #expect(tracker.observe(0.01, at: t0.addingTimeInterval(40)) == .resolved(value: 0.01))
        #expect(tracker.state == .inactive)
        #expect(tracker.observe(0.01, at: t0.addingTimeInterval(45)) == nil, "resolved once")
    }

    @Test func aBlipShorterThanTheDurationNeverFires() {
        var tracker = AlertTracker(rule: rule)
        #expect(tracker.observe(0.05, at: t0) == nil)
        #expect(tracker.observe(0.0, at: t0.addingTimeInterval(10)) == nil)
        #expect(tracker.state == .inactive)
        #expect(tracker.observe(0.05, at: t0.addingTimeInterval(20)) == nil)
        #expect(tracker.observe(0.05, at: t0.addingTimeInterval(45)) == nil, "the clock restarted at the second breach")
        #expect(tracker.observe(0.05, at: t0.addingTimeInterval(50)) == .fired(value: 0.05, since: t0.addingTimeInterval(20)))
    }

    @Test func noTrafficIsNotABreach() {
        var tracker = AlertTracker(rule: AlertRule(name: "r", service: "s", target: "t", measure: .errorRate, comparison: .greater,
                                                   threshold: 0.02, holdFor: .zero))
        #expect(tracker.observe(nil, at: t0) == nil)
        #expect(tracker.observe(0.5, at: t0) == .fired(value: 0.5, since: t0))
        #expect(tracker.observe(nil, at: t0.addingTimeInterval(1)) == .resolved(value: nil))
    }

    @Test func expressionsAndMeasures() {
        #expect(AlertRule.parseExpression("error_rate > 0.02")! == (.errorRate, .greater, 0.02))
        #expect(AlertRule.parseExpression("request_rate < 1")! == (.requestRate, .less, 1))
        #expect(AlertRule.parseExpression("error_rate >= 0.02") == nil)
        #expect(AlertRule.parseExpression("errors > 1") == nil)
        #expect(AlertRule.parseExpression("error_rate > nan") == nil)
        let window = GroupCounters(requests: 200, errors: 8, latencyBuckets: [LatencyBucket(le: 0.1, count: 150), LatencyBucket(le: 0.5, count: 199),
                                                                              LatencyBucket(le: .infinity, count: 200)])
        #expect(rule.value(over: window, seconds: 10) == 0.04)
        var p99 = rule; p99.measure = .latencyP99
        #expect(p99.value(over: window, seconds: 10) == 0.5)
        var rate = rule; rate.measure = .requestRate
        #expect(rate.value(over: window, seconds: 10) == 20)
        #expect(rule.value(over: .zero, seconds: 10) == nil)
    }

    @Test func countersSinceAStartNeverGoNegative() {
        let start = GroupCounters(requests: 100, errors: 5, latencyBuckets: [LatencyBucket(le: 0.1, count: 90), LatencyBucket(le: .infinity, count: 100)])
        let later = GroupCounters(requests: 160, errors: 6, latencyBuckets: [LatencyBucket(le: 0.1, count: 140), LatencyBucket(le: .infinity, count: 160)])
        #expect(later.since(start) == GroupCounters(requests: 60, errors: 1, latencyBuckets: [LatencyBucket(le: 0.1, count: 50), LatencyBucket(le: .infinity, count: 60)]))
        let restarted = GroupCounters(requests: 10, errors: 0, latencyBuckets: [])
        #expect(restarted.since(start).requests == 0)
    }
}

@Suite("analysis, alerts and metrics in railyard.yml")
struct AnalysisAlertsConfigTests {
    static let base = """
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
              steps:
                - deploy
                - analysis:
                    judge: mann-whitney
                    alpha: 0.05
                    min_samples: 50
                    interval: 10s
                    max_duration: 10m
                    metrics:
                      - { name: errors, kind: error_rate, critical: true }
                      - { name: slow, kind: latency, allowed_increase: 0.2 }
        """

    @Test func analysisSettingsAreRead() throws {
        let config = try ConfigLoader.parse(Self.base, file: "r.yml", baseDirectory: "/")
        guard case .analysis(let spec) = config.deployment.waves[0].steps[1] else { Issue.record("not an analysis"); return }
        #expect(spec.judge == .mannWhitney && spec.alpha == 0.05 && spec.minSamples == 50)
        #expect(spec.interval == .seconds(10) && spec.maxDuration == .seconds(600))
        #expect(spec.metrics == [AnalysisMetricSpec(name: "errors", kind: .errorRate, critical: true),
                                 AnalysisMetricSpec(name: "slow", kind: .latency, allowedIncrease: 0.2)])
    }

    @Test func directionsAndRangesAreReadAndCheckedAgainstTheJudge() throws {
        let text = Self.base.replacingOccurrences(of: "- { name: slow, kind: latency, allowed_increase: 0.2 }",
                                                  with: "- { name: slow, kind: latency, direction: either, allowed_decrease: 0.5 }")
        let config = try ConfigLoader.parse(text, file: "r.yml", baseDirectory: "/")
        guard case .analysis(let spec) = config.deployment.waves[0].steps[1] else { Issue.record("not an analysis"); return }
        #expect(spec.metrics[1] == AnalysisMetricSpec(name: "slow", kind: .latency, direction: .either, allowedDecrease: 0.5))
        let threshold = Self.base.replacingOccurrences(of: "judge: mann-whitney", with: "judge: threshold")
            .replacingOccurrences(of: "- { name: slow, kind: latency, allowed_increase: 0.2 }", with: "- { name: slow, kind: latency, min: 0.001, max: 0.5, failure_limit: 3 }")
        guard case .analysis(let range) = try ConfigLoader.parse(threshold, file: "r.yml", baseDirectory: "/").deployment.waves[0].steps[1] else { return }
        #expect(range.metrics[1] == AnalysisMetricSpec(name: "slow", kind: .latency, min: 0.001, max: 0.5, failureLimit: 3))

        let bad = Self.base.replacingOccurrences(of: "judge: mann-whitney", with: "judge: sequential")
            .replacingOccurrences(of: "- { name: slow, kind: latency, allowed_increase: 0.2 }",
                                  with: "- { name: slow, kind: latency, direction: decrease, allowed_decrease: 1.5, min: 0.9, max: 0.5, critical: false }")
            .replacingOccurrences(of: "kind: error_rate, critical: true", with: "kind: error_rate, direction: sideways, allowed_decrease: 0.2, critical: true")
        do {
            _ = try ConfigLoader.parse(bad, file: "r.yml", baseDirectory: "/")
            Issue.record("expected errors")
        } catch let errors as ConfigErrors {
            let lines = errors.diagnostics.map { "\($0.line): \($0.message)" }
            #expect(lines.contains("23: wave 'canary': analysis metric 'errors': direction must be one of increase, decrease, either"), "\(lines)")
            #expect(lines.contains("23: wave 'canary': analysis metric 'errors': allowed_decrease needs direction: decrease or either (with increase, a lower value always passes)"))
            #expect(lines.contains("24: wave 'canary': analysis metric 'slow': 'direction' is read by the mann-whitney judge only; this analysis uses sequential"))
            #expect(lines.contains("24: wave 'canary': analysis metric 'slow': 'min' is read by the threshold judge only; this analysis uses sequential"))
            #expect(lines.contains("24: wave 'canary': analysis metric 'slow': allowed_decrease must be a fraction from 0 to below 1 (0.3 = −30%)"))
            #expect(lines.contains("24: wave 'canary': analysis metric 'slow': min (0.9) is above max (0.5): no value could be in range"))
            #expect(lines.contains { $0.hasPrefix("24: wave 'canary': analysis metric 'slow': with the sequential judge every metric is critical") })
        }
    }

    @Test func theSequentialJudgesTolerancesAndExtensionAreReadWithTheirDefaultsAndChecked() throws {
        let sequential = Self.base.replacingOccurrences(of: "judge: mann-whitney", with: "judge: sequential")
            .replacingOccurrences(of: "min_samples: 50", with: "max_extension: 5m")
            .replacingOccurrences(of: "- { name: slow, kind: latency, allowed_increase: 0.2 }", with: "- { name: pays, kind: error_rate, allowed_increase: 0.2, acceptable_rate: 0.002 }")
            .replacingOccurrences(of: "kind: error_rate, critical: true", with: "kind: error_rate")
        let config = try ConfigLoader.parse(sequential, file: "r.yml", baseDirectory: "/")
        guard case .analysis(let spec) = config.deployment.waves[0].steps[1] else { Issue.record("not an analysis"); return }
        #expect(spec.maxExtension == .seconds(300) && spec.maxDuration == .seconds(600))
        #expect(spec.watchAfterPass == .seconds(3600), "watched an hour after a pass unless said otherwise")
        let watched = try ConfigLoader.parse(sequential.replacingOccurrences(of: "max_extension: 5m", with: "watch_after_pass: 20m"), file: "r.yml", baseDirectory: "/")
        guard case .analysis(let watchedSpec) = watched.deployment.waves[0].steps[1] else { Issue.record("not an analysis"); return }
        #expect(watchedSpec.watchAfterPass == .seconds(1200))
        #expect(LateWatchState.watch(for: watchedSpec)?.maxLooks == Int((1200 / watchedSpec.interval.timeInterval).rounded(.up)))
        var off = watchedSpec
        off.watchAfterPass = .zero
        #expect(LateWatchState.watch(for: off) == nil)
        do {
            _ = try ConfigLoader.parse(sequential.replacingOccurrences(of: "max_extension: 5m", with: "watch_after_pass: forever"), file: "r.yml", baseDirectory: "/")
            Issue.record("expected an error")
        } catch let errors as ConfigErrors {
            #expect(errors.diagnostics.map { "\($0.line): \($0.message)" }.contains("19: wave 'canary': analysis: 'watch_after_pass' must be a duration such as 500ms, 30s, 5m or 1h"),
                    "\(errors.diagnostics.map(\.message))")
        }
        // An error rate named without tolerances gets the sequential judge's: +50%, or 0.1% whatever the baseline.
        #expect(spec.metrics == [AnalysisMetricSpec(name: "errors", kind: .errorRate, allowedIncrease: 0.5, acceptableRate: 0.001),
                                 AnalysisMetricSpec(name: "pays", kind: .errorRate, allowedIncrease: 0.2, acceptableRate: 0.002)])
        let bad = sequential.replacingOccurrences(of: "max_extension: 5m", with: "max_extension: soon")
            .replacingOccurrences(of: "acceptable_rate: 0.002", with: "acceptable_rate: 2")
            .replacingOccurrences(of: "- { name: errors, kind: error_rate }", with: "- { name: slow, kind: latency, acceptable_rate: 0.01 }")
        do {
            _ = try ConfigLoader.parse(bad, file: "r.yml", baseDirectory: "/")
            Issue.record("expected errors")
        } catch let errors as ConfigErrors {
            let lines = errors.diagnostics.map { "\($0.line): \($0.message)" }
            #expect(lines.contains("19: wave 'canary': analysis: 'max_extension' must be a duration such as 500ms, 30s, 5m or 1h"), "\(lines)")
            #expect(lines.contains("23: wave 'canary': analysis metric 'slow': acceptable_rate is an error rate; a latency metric has none"), "\(lines)")
            #expect(lines.contains("24: wave 'canary': analysis metric 'pays': acceptable_rate must be a fraction from 0 to below 1 (0.001 = 0.1% of requests)"), "\(lines)")
        }
        let mannWhitney = Self.base.replacingOccurrences(of: "kind: error_rate, critical: true", with: "kind: error_rate, acceptable_rate: 0.01")
        do {
            _ = try ConfigLoader.parse(mannWhitney, file: "r.yml", baseDirectory: "/")
            Issue.record("expected an error")
        } catch let errors as ConfigErrors {
            #expect(errors.diagnostics.map(\.message).contains("wave 'canary': analysis metric 'errors': 'acceptable_rate' is read by the sequential judge only; this analysis uses mann-whitney"),
                    "\(errors.diagnostics.map(\.message))")
        }
    }

    /// `base` with the sequential judge, its errors metric without `critical` and `min_samples: 50` (which
    /// the sequential judge does not read) replaced by `setting` (on line 19).
    static func sequential(_ setting: String) -> String {
        base.replacingOccurrences(of: "judge: mann-whitney", with: "judge: sequential")
            .replacingOccurrences(of: "min_samples: 50", with: setting)
            .replacingOccurrences(of: "kind: error_rate, critical: true", with: "kind: error_rate")
    }

    /// The analysis step of a file that loads.
    static func analysis(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> AnalysisSpec? {
        guard case .analysis(let spec) = try ConfigLoader.parse(yaml, file: "r.yml", baseDirectory: "/").deployment.waves[0].steps[1] else {
            Issue.record("not an analysis", sourceLocation: sourceLocation)
            return nil
        }
        return spec
    }

    /// The problems of a file that must be rejected, as "line: message" (an issue recorded if it loads).
    static func problems(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        do {
            _ = try ConfigLoader.parse(yaml, file: "r.yml", baseDirectory: "/")
            Issue.record("expected errors", sourceLocation: sourceLocation)
        } catch let errors as ConfigErrors {
            return errors.diagnostics.map { "\($0.line): \($0.message)" }
        } catch {
            Issue.record("expected ConfigErrors, got \(error)", sourceLocation: sourceLocation)
        }
        return []
    }

    static let slow = "- { name: slow, kind: latency, allowed_increase: 0.2 }"

    @Test func aLatencyQuantileIsReadWithTheTailsToleranceAndChecked() throws {
        let sequential = Self.sequential("max_extension: 5m")
        let spec = try #require(try Self.analysis(sequential.replacingOccurrences(of: Self.slow, with: "- { name: p99, kind: latency, quantile: 0.99 }")))
        #expect(spec.metrics[1] == AnalysisMetricSpec(name: "p99", kind: .latency, allowedIncrease: 0.5, quantile: 0.99), "+50% more slow requests unless said otherwise")
        let tightSpec = try #require(try Self.analysis(sequential.replacingOccurrences(of: Self.slow, with: "- { name: p99, kind: latency, quantile: 0.999, allowed_increase: 0.2 }")))
        #expect(tightSpec.metrics[1].allowedIncrease == 0.2 && tightSpec.metrics[1].quantile == 0.999)
        let stored = try JSONDecoder().decode(AnalysisMetricSpec.self, from: try JSONEncoder().encode(tightSpec.metrics[1]))
        #expect(stored == tightSpec.metrics[1], "stored and read back with its quantile")

        let lines = Self.problems(sequential.replacingOccurrences(of: Self.slow, with: "- { name: p99, kind: latency, quantile: 99 }")
            .replacingOccurrences(of: "- { name: errors, kind: error_rate }", with: "- { name: errors, kind: error_rate, quantile: 0.99 }"))
        #expect(lines.contains("23: wave 'canary': analysis metric 'errors': quantile reads the latency tail; an error rate has none"), "\(lines)")
        #expect(lines.contains("24: wave 'canary': analysis metric 'p99': quantile must be a fraction from 0.5 to below 1 (0.99 = p99)"), "\(lines)")
        let mannWhitney = Self.problems(Self.base.replacingOccurrences(of: Self.slow, with: "- { name: p99, kind: latency, quantile: 0.99 }"))
        #expect(mannWhitney.contains("24: wave 'canary': analysis metric 'p99': 'quantile' is read by the sequential judge only; this analysis uses mann-whitney"),
                "\(mannWhitney)")
    }

    @Test func theServicesOwnCountersAreReadAsAPairAndChecked() throws {
        let sequential = Self.sequential("max_extension: 1m")
        let spec = try #require(try Self.analysis(sequential.replacingOccurrences(of: Self.slow,
                                                                                  with: "- { name: payin-failures, kind: error_rate, failed: payins_failed_total, total: payins_total }")))
        #expect(spec.metrics[1] == AnalysisMetricSpec(name: "payin-failures", kind: .errorRate, allowedIncrease: 0.5, acceptableRate: 0.001,
                                                      failedCounter: "payins_failed_total", totalCounter: "payins_total"))
        #expect(spec.namedCounters == ["payins_failed_total", "payins_total"])
        let lines = Self.problems(sequential.replacingOccurrences(of: Self.slow, with: "- { name: slow, kind: latency, failed: x_total, total: y_total }")
            .replacingOccurrences(of: "- { name: errors, kind: error_rate }", with: "- { name: errors, kind: error_rate, failed: \"payins failed\" }"))
        #expect(lines.contains("23: wave 'canary': analysis metric 'errors': failed must be a metric name of the service's exposition, such as payins_failed_total"), "\(lines)")
        #expect(lines.contains("23: wave 'canary': analysis metric 'errors': failed and total go together (failures out of attempts, e.g. failed: payins_failed_total, total: payins_total)"), "\(lines)")
        #expect(lines.contains("24: wave 'canary': analysis metric 'slow': failed names a counter of failures or of attempts; a latency metric has none"), "\(lines)")
        let mannWhitney = Self.problems(Self.base.replacingOccurrences(of: "kind: error_rate, critical: true", with: "kind: error_rate, failed: a_total, total: b_total"))
        #expect(mannWhitney.contains("23: wave 'canary': analysis metric 'errors': 'failed' is read by the sequential judge only; this analysis uses mann-whitney"),
                "\(mannWhitney)")
    }

    @Test func theServicesOwnHistogramIsReadAndChecked() throws {
        let sequential = Self.sequential("max_extension: 1m")
        let spec = try #require(try Self.analysis(sequential.replacingOccurrences(of: Self.slow,
                                                                                  with: "- { name: settlement, kind: latency, histogram: payin_settlement_seconds, quantile: 0.9 }")))
        #expect(spec.metrics[1] == AnalysisMetricSpec(name: "settlement", kind: .latency, allowedIncrease: 0.5, quantile: 0.9, histogram: "payin_settlement_seconds"))
        #expect(spec.namedHistograms == ["payin_settlement_seconds"])
        let stored = try JSONDecoder().decode(AnalysisMetricSpec.self, from: try JSONEncoder().encode(spec.metrics[1]))
        #expect(stored == spec.metrics[1], "stored and read back with its histogram")
        let lines = Self.problems(sequential.replacingOccurrences(of: Self.slow, with: "- { name: slow, kind: latency, histogram: \"settle time\" }")
            .replacingOccurrences(of: "- { name: errors, kind: error_rate }", with: "- { name: errors, kind: error_rate, histogram: payin_settlement_seconds }"))
        #expect(lines.contains("23: wave 'canary': analysis metric 'errors': histogram names a latency histogram to judge; an error rate counts failures (failed and total)"), "\(lines)")
        #expect(lines.contains("24: wave 'canary': analysis metric 'slow': histogram must be a histogram of the service's exposition, such as payin_settlement_seconds"), "\(lines)")
        let mannWhitney = Self.problems(Self.base.replacingOccurrences(of: Self.slow, with: "- { name: slow, kind: latency, histogram: payin_settlement_seconds }"))
        #expect(mannWhitney.contains("24: wave 'canary': analysis metric 'slow': 'histogram' is read by the sequential judge only; this analysis uses mann-whitney"),
                "\(mannWhitney)")
    }

    @Test func stableAsControlIsReadOffByDefaultAndChecked() throws {
        let off = try #require(try Self.analysis(Self.sequential("max_extension: 1m")))
        #expect(off.stableAsControl == false)
        let on = try #require(try Self.analysis(Self.sequential("stable_as_control: true")))
        #expect(on.stableAsControl)
        let stored = try JSONDecoder().decode(AnalysisSpec.self, from: try JSONEncoder().encode(on))
        #expect(stored == on)
        let older = try JSONDecoder().decode(AnalysisSpec.self, from: Data(#"{"judge":"sequential","alpha":0.01,"minSamples":100,"maxDuration":300,"interval":5,"metrics":[]}"#.utf8))
        #expect(older.stableAsControl == false, "an analysis stored before the setting reads it off")
        #expect(Self.problems(Self.sequential("stable_as_control: maybe")).contains("19: wave 'canary': analysis: stable_as_control must be true or false"))
        let mannWhitney = Self.problems(Self.base.replacingOccurrences(of: "min_samples: 50", with: "stable_as_control: true"))
        #expect(mannWhitney.contains("19: wave 'canary': analysis: stable_as_control is read by the sequential judge only; this analysis uses mann-whitney"),
                "\(mannWhitney)")
    }

    @Test func metricsStoredBeforeDirectionAndMinExistedStillRead() throws {
        // As the store wrote an analysis's metrics before `direction`, `allowedDecrease` and `min`.
        let stored = #"{"name":"latency","kind":"latency","critical":false,"allowedIncrease":0.1,"max":0.5,"failureLimit":2}"#
        let metric = try JSONDecoder().decode(AnalysisMetricSpec.self, from: Data(stored.utf8))
        #expect(metric == AnalysisMetricSpec(name: "latency", kind: .latency, critical: false, allowedIncrease: 0.1, max: 0.5))
        let again = try JSONDecoder().decode(AnalysisMetricSpec.self, from: try JSONEncoder().encode(
            AnalysisMetricSpec(name: "x", kind: .errorRate, direction: .either, allowedDecrease: 0.3, min: 0.001)))
        #expect(again.direction == .either && again.allowedDecrease == 0.3 && again.min == 0.001)
    }

    @Test func alertsAndMetricsSourceAreRead() throws {
        let text = Self.base + """

            alerts:
              interval: 15s
              notifiers:
                - webhook: http://127.0.0.1:9000/hook
                - alertmanager: http://127.0.0.1:9093
              rules:
                - name: payin-errors
                  service: payin
                  target: dc1
                  expr: error_rate > 0.02
                  for: 1m
            metrics:
              source: prometheus
              prometheus_url: http://127.0.0.1:9090
            """
        let config = try ConfigLoader.parse(text, file: "r.yml", baseDirectory: "/")
        #expect(config.alerts.interval == .seconds(15))
        #expect(config.alerts.notifiers == [.webhook(url: "http://127.0.0.1:9000/hook"), .alertmanager(url: "http://127.0.0.1:9093")])
        #expect(config.alerts.rules == [AlertRule(name: "payin-errors", service: "payin", target: "dc1", measure: .errorRate,
                                                  comparison: .greater, threshold: 0.02, holdFor: .seconds(60))])
        #expect(config.metrics.source == .prometheus(url: "http://127.0.0.1:9090"))
    }

    @Test func notifierURLsAndAPrometheusURLWithoutItsSourceAreErrors() {
        let text = Self.base + """

            alerts:
              notifiers:
                - webhook: hooks.example.com/railyard
                - alertmanager: http://
            metrics:
              prometheus_url: http://127.0.0.1:9090
            """
        do {
            _ = try ConfigLoader.parse(text, file: "r.yml", baseDirectory: "/")
            Issue.record("expected errors")
        } catch let errors as ConfigErrors {
            let lines = errors.diagnostics.map { "\($0.line): \($0.message)" }
            #expect(lines.contains { $0.hasPrefix("27: alerts: the webhook notifier's URL must be an http(s) URL with a host") })
            #expect(lines.contains { $0.hasPrefix("28: alerts: the alertmanager notifier's URL must be an http(s) URL with a host") })
            #expect(lines.contains("30: metrics: prometheus_url is only read with `source: prometheus` (the source here is scrape)"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func badAnalysisAndAlertsAreReportedWithTheirLines() {
        let text = Self.base.replacingOccurrences(of: "judge: mann-whitney", with: "judge: bayes")
            .replacingOccurrences(of: "alpha: 0.05", with: "alpha: 2") + """

            alerts:
              notifiers:
                - pager: pager.example.com
              rules:
                - name: r
                  service: payin
                  target: dc9
                  expr: error_rate >> 2
              interval: 10s
            metrics:
              source: prometheus
              prometheus_url: localhost:9090
            """
        do {
            _ = try ConfigLoader.parse(text, file: "r.yml", baseDirectory: "/")
            Issue.record("expected errors")
        } catch let errors as ConfigErrors {
            let lines = errors.diagnostics.map { "\($0.line): \($0.message)" }
            #expect(lines.contains("17: wave 'canary': analysis: judge must be one of sequential, mann-whitney, threshold"))
            #expect(lines.contains("18: wave 'canary': analysis: alpha must be a number between 0 and 0.5, such as 0.01"))
            #expect(lines.contains { $0.hasPrefix("27: alerts: unknown notifier 'pager'") })
            #expect(lines.contains("31: alert rule 'r': unknown environment or datacenter 'dc9'"))
            #expect(lines.contains { $0.hasPrefix("32: alert rule 'r': expr must read MEASURE OP NUMBER") })
            #expect(lines.contains("36: metrics: prometheus_url must be an http(s) URL with a host, e.g. http://127.0.0.1:9090, not 'localhost:9090'"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
