/// Why an exposition does not parse, at its first malformed line: `line 7: expected a value after the metric name`.
public struct PrometheusParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line number in the exposition text.
    public var line: Int
    public var message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}
