import Testing

@testable import RailyardSimulation

/// The Kayenta port the judge bench compares with, against Kayenta's own tests (values from R's
/// `wilcox.test` and NIST, in kayenta-mannwhitney's MannWhitneySuite and kayenta-judge's DetectorSuite).
@Suite("Kayenta's classifier (bench anchor)")
struct KayentaClassifierTests {
    @Test("interval and Hodges-Lehmann estimate of a clear shift, as Kayenta's suite has them")
    func simpleShift() throws {
        let result = try KayentaMannWhitney.test([10, 20, 30, 40], [1, 2, 3, 4])
        #expect(abs(result.lower - 6) < 1e-6)
        #expect(abs(result.upper - 39) < 1e-6)
        #expect(abs(result.estimate - 22.5) < 1e-6)
    }

    @Test("ties out with R's wilcox.test on Kayenta's tied latency sample")
    func tiesOutWithR() throws {
        let control: [Double] = [
            1.5, 6.0, 5.0, 2.5, 2.5, 2.0, 2.0, 3.5, 3.0, 3.0, 3.0, 2.0, 3.0, 8.0, 4.0, 2.5, 3.0, 2.5, 2.5, 2.0,
            2.5, 2.0, 2.0, 2.5, 3.5, 3.0, 1.5, 5.0, 2.5, 5.5, 2.0, 2.5, 3.5, 2.0, 2.5, 4.0, 2.0, 2.0, 2.0, 2.0,
            5.5, 4.5, 4.0, 3.0, 3.0, 3.5, 2.5, 3.0, 2.5, 4.0, 6.0, 2.0, 5.0, 6.0, 3.5, 3.0, 54.5, 3.0, 5.0, 6.0,
            3.5, 4.5, 2.5, 2.0, 6.0, 5.0, 2.5, 3.5, 2.0, 3.0, 2.5, 3.5, 3.5, 2.5, 3.0, 4.5, 3.0, 15.5, 5.0, 2.5,
            3.0, 4.0, 3.5, 4.0, 4.0, 2.0, 4.5, 2.5, 4.0, 3.0,
        ]
        let experiment: [Double] = [
            2.5, 2.5, 2.0, 2.5, 3.5, 2.0, 3.5, 1.5, 3.0, 3.0, 2.5, 3.5, 2.0, 2.5, 2.0, 2.0, 5.0, 3.0, 2.0, 1.5,
            2.0, 4.0, 3.0, 2.5, 3.0, 2.0, 2.0, 2.0, 2.5, 3.5, 1.5, 1.5, 3.5, 2.0, 2.5, 2.5, 3.0, 3.5, 2.5, 6.5,
            2.5, 4.0, 2.5, 3.0, 2.5, 6.5, 2.5, 3.0, 1.5, 2.0, 2.5, 3.0, 7.5, 1.5, 2.0, 4.0, 2.5, 2.0, 2.5, 3.5,
            4.0, 2.5, 3.0, 2.5, 2.0, 3.5, 3.0, 16.5, 3.0, 3.0, 7.0, 4.5, 5.0, 2.0, 3.5, 6.0, 1.5, 3.0, 2.5, 4.0,
            3.0, 1.5, 5.0, 3.0, 2.5, 5.5, 3.0, 1.5, 2.5, 6.0,
        ]
        let result = try KayentaMannWhitney.test(experiment, control)
        #expect(abs(result.lower - -0.500002521696696) < 1e-6)
        #expect(abs(result.upper - -3.486287505871302e-5) < 1e-6)
        #expect(abs(result.estimate - -0.4999393907180323) < 1e-4)
    }

    @Test("all observations tied is an error, as Kayenta throws")
    func allTied() {
        #expect(throws: KayentaMannWhitney.Failure.allTied) { try KayentaMannWhitney.wilcoxonDiff(mu: 0, quantile: 0, [1, 1], [1, 1, 1]) }
    }

    @Test("Tukey's fences find Kayenta's outliers, one- and two-sided and on NIST's data")
    func outliers() {
        #expect(KayentaOutliers.detect([21, 23, 24, 25, 50, 29, 23, 21]) == [false, false, false, false, true, false, false, false])
        #expect(KayentaOutliers.detect([1, 1, 1, 5, -1, -1, -1, -5]) == [false, false, false, true, false, false, false, true])
        let nist: [Double] = [
            30, 171, 184, 201, 212, 250, 265, 270, 272, 289, 305, 306, 322, 322, 336, 346, 351, 370, 390, 404, 409, 411, 436, 437,
            439, 441, 444, 448, 451, 453, 470, 480, 482, 487, 494, 495, 499, 503, 514, 521, 522, 527, 548, 550, 559, 560, 570, 572,
            574, 578, 585, 592, 592, 607, 616, 618, 621, 629, 637, 638, 640, 656, 668, 707, 709, 719, 737, 739, 752, 758, 766, 792,
            792, 794, 802, 818, 830, 832, 843, 858, 860, 869, 918, 925, 953, 991, 1000, 1005, 1068, 1441,
        ]
        #expect(KayentaOutliers.detect(nist) == Array(repeating: false, count: nist.count - 1) + [true])
        #expect(KayentaOutliers.detect([]) == [])
        // The judge's reduced sensitivity keeps what lies within the 1st and 99th percentiles even when the IQR is 0.
        #expect(KayentaOutliers.remove([0, 0, 0, 0, 0, 0, 0, 0, 0.1, 0.5], factor: 3) == [0, 0, 0, 0, 0, 0, 0, 0, 0.1])
    }

    @Test("a metric is High only when the interval clears the tolerance and the mean ratio the allowed increase")
    func classification() {
        var random = Xoshiro256StarStar(seed: 1)
        let kayenta = KayentaClassifier()
        let control: [Double] = (0..<30).map { 0.100 + 0.001 * Double($0 % 7) }
        let slower = control.map { $0 * 1.5 }
        let metric = KayentaClassifier.Metric(name: "latency", allowedIncrease: 1.2)
        #expect(kayenta.classify(metric, control: control, experiment: slower, random: &random) == .high)
        // The same shift under a larger allowed increase (mean ratio 1.5 < 2) passes.
        var lenient = metric
        lenient.allowedIncrease = 2
        #expect(kayenta.classify(lenient, control: control, experiment: slower, random: &random) == .pass)
        // Faster is not worse when only an increase is.
        #expect(kayenta.classify(metric, control: slower, experiment: control, random: &random) == .pass)
        var either = metric
        either.direction = .either
        either.allowedDecrease = 0.9
        #expect(kayenta.classify(either, control: slower, experiment: control, random: &random) == .low)
        #expect(kayenta.classify(metric, control: control, experiment: control.reversed(), random: &random) == .pass)
        // Two constant series: Kayenta adds noise, then the shift shows.
        #expect(kayenta.classify(metric, control: [1, 1, 1, 1, 1, 1], experiment: [2, 2, 2, 2, 2, 2], random: &random) == .high)
        // NaN (an empty step) counts as 0, Kayenta's default.
        #expect(kayenta.classify(metric, control: [.nan, .nan], experiment: [0, 0], random: &random) == .pass)
    }

    @Test("the weighted-sum score: a critical metric that is not Pass fails the canary, others weigh by group")
    func score() {
        let kayenta = KayentaClassifier()
        let metrics = [KayentaClassifier.Metric(name: "errors", critical: true), KayentaClassifier.Metric(name: "latency")]
        #expect(kayenta.score(metrics, [.pass, .pass]) == 100)
        #expect(kayenta.score(metrics, [.pass, .high]) == 50)
        #expect(kayenta.score(metrics, [.high, .pass]) == 0)
        #expect(kayenta.score(metrics, [.error, .pass]) == 0)
        #expect(kayenta.score(metrics, [.pass, .error]) == 100)
        #expect(kayenta.score(metrics, [.pass, .nodata]) == 0)
    }

    @Test("an odd canary instance mixes two latency distributions; a canary can turn worse mid-analysis")
    func oddInstanceAndLateStart() {
        var model = CanaryTrafficModel(requestsPerSecond: 100, bounds: CanaryTrafficModel.demoBounds)
        let even = model.bucketProbabilities(canary: true)
        model.oddInstanceShift = 0.4
        let mixed = model.bucketProbabilities(canary: true)
        #expect(abs(mixed.reduce(0, +) - 1) < 1e-12)
        #expect(mixed != even)
        #expect(model.bucketProbabilities(canary: false) == even)
        #expect(abs(model.cells(canary: true).reduce(0, +) - 1) < 1e-12)

        var simulator = CanaryStreamSimulator(model: CanaryTrafficModel(requestsPerSecond: 1000, baselineErrorRate: 0.01), seed: 7)
        _ = simulator.step(seconds: 60)
        let before = simulator.look
        simulator.changeCanary(to: CanaryTrafficModel(requestsPerSecond: 1000, baselineErrorRate: 0.01, errorRatio: 4))
        let after = simulator.step(seconds: 60)
        let canaryRate = (after.canary.errors - before.canary.errors) / (after.canary.requests - before.canary.requests)
        let baselineRate = (after.baseline.errors - before.baseline.errors) / (after.baseline.requests - before.baseline.requests)
        #expect(canaryRate > 0.03 && canaryRate < 0.05, "canary \(canaryRate)")
        #expect(baselineRate > 0.007 && baselineRate < 0.013, "baseline \(baselineRate)")
        #expect(simulator.canaryCellCounts.reduce(0, +) == after.canary.requests)
    }
}
