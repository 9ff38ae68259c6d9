import Foundation

/// One value at one time, as Prometheus returns it: `[<unix seconds>, "<number>"]`.
/// `value` may be NaN or ±infinity (Prometheus writes "NaN", "+Inf", "-Inf").
public struct PrometheusPoint: Sendable, Equatable, Codable {
    /// Unix seconds (Prometheus gives millisecond precision).
    public var time: Double
    public var value: Double

    public init(time: Double, value: Double) {
        self.time = time
        self.value = value
    }

    public var date: Date { Date(timeIntervalSince1970: time) }
}

/// One series of an instant vector: its labels (including `__name__` when the expression keeps it) and one point.
public struct PrometheusSample: Sendable, Equatable, Codable {
    public var labels: [String: String]
    public var point: PrometheusPoint

    public init(labels: [String: String], point: PrometheusPoint) {
        self.labels = labels
        self.point = point
    }
}

/// One series of a range vector: its labels and its points in time order.
public struct PrometheusSeries: Sendable, Equatable, Codable {
    public var labels: [String: String]
    public var points: [PrometheusPoint]

    public init(labels: [String: String], points: [PrometheusPoint]) {
        self.labels = labels
        self.points = points
    }
}

/// What a query evaluates to, by Prometheus' `resultType`.
public enum PrometheusResult: Sendable, Equatable {
    case vector([PrometheusSample])
    case matrix([PrometheusSeries])
    case scalar(PrometheusPoint)
    case string(time: Double, value: String)

    public var resultType: String {
        switch self {
        case .vector: "vector"
        case .matrix: "matrix"
        case .scalar: "scalar"
        case .string: "string"
        }
    }

    /// The samples of an instant vector; a scalar counts as one sample without labels.
    /// Throws for a matrix or a string, naming what came instead.
    public func vector() throws -> [PrometheusSample] {
        switch self {
        case .vector(let samples): return samples
        case .scalar(let point): return [PrometheusSample(labels: [:], point: point)]
        default: throw PrometheusResultMismatch(expected: "vector", got: resultType)
        }
    }

    /// The series of a range vector. Throws for any other result type.
    public func matrix() throws -> [PrometheusSeries] {
        guard case .matrix(let series) = self else {
            throw PrometheusResultMismatch(expected: "matrix", got: resultType)
        }
        return series
    }
}

public struct PrometheusResultMismatch: Error, CustomStringConvertible, Equatable {
    public var expected: String
    public var got: String
    public init(expected: String, got: String) {
        self.expected = expected
        self.got = got
    }
    public var description: String { "Prometheus returned a \(got) where a \(expected) was expected" }
}
