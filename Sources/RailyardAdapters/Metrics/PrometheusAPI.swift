/// The JSON of Prometheus' HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/).
enum PrometheusAPI {
    struct Envelope: Decodable {
        var status: String
        var data: QueryData?
        var errorType: String?
        var error: String?
        var warnings: [String]?
    }

    struct QueryData: Decodable {
        var resultType: String
        var raw: RawResult

        enum CodingKeys: String, CodingKey { case resultType, result }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            resultType = try container.decode(String.self, forKey: .resultType)
            switch resultType {
            case "vector":
                raw = .vector(try container.decode([VectorItem].self, forKey: .result))
            case "matrix":
                raw = .matrix(try container.decode([MatrixItem].self, forKey: .result))
            case "scalar", "string":
                raw = .pair(try container.decode(Pair.self, forKey: .result))
            default:
                throw DecodingError.dataCorruptedError(
                    forKey: .resultType, in: container, debugDescription: "unknown resultType \(resultType)"
                )
            }
        }

        func result() throws -> PrometheusResult {
            switch raw {
            case .vector(let items):
                // Native-histogram samples carry "histogram" instead of "value": not counters we read.
                return .vector(try items.compactMap { item in
                    guard let value = item.value else { return nil }
                    return PrometheusSample(labels: item.metric ?? [:], point: try value.point())
                })
            case .matrix(let items):
                return .matrix(try items.map { item in
                    PrometheusSeries(labels: item.metric ?? [:], points: try (item.values ?? []).map { try $0.point() })
                })
            case .pair(let pair):
                if resultType == "string" { return .string(time: pair.time, value: pair.text) }
                return .scalar(try pair.point())
            }
        }
    }

    enum RawResult {
        case vector([VectorItem])
        case matrix([MatrixItem])
        case pair(Pair)
    }

    struct VectorItem: Decodable {
        var metric: [String: String]?
        var value: Pair?
    }

    struct MatrixItem: Decodable {
        var metric: [String: String]?
        var values: [Pair]?
    }

    /// `[1435781451.781, "1"]`: a JSON number, then the value as a string.
    struct Pair: Decodable {
        var time: Double
        var text: String

        init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            time = try container.decode(Double.self)
            text = try container.decode(String.self)
        }

        func point() throws -> PrometheusPoint {
            guard let value = PrometheusAPI.parseValue(text) else {
                throw PrometheusValueError(text: text)
            }
            return PrometheusPoint(time: time, value: value)
        }
    }

    /// Go's `strconv.FormatFloat` output as Prometheus writes it: numbers, "NaN", "+Inf", "-Inf".
    static func parseValue(_ text: String) -> Double? {
        switch text {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default: return Double(text)
        }
    }
}

struct PrometheusValueError: Error, CustomStringConvertible {
    var text: String
    var description: String { "sample value \"\(text)\" is not a number" }
}
