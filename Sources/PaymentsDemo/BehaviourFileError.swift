/// A behaviour file that cannot be used, pointing at the file, line and key so the operator can fix it.
public struct BehaviourFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    /// 1-based line of the offending node, when the YAML parser knows it.
    public var line: Int?
    /// Dotted path to the offending key, e.g. `payin.v2.failure_rate`; empty for whole-file problems.
    public var key: String
    public var message: String

    public init(path: String, line: Int?, key: String, message: String) {
        self.path = path
        self.line = line
        self.key = key
        self.message = message
    }

    // `file:line: key: message`, the shape editors and CI logs turn into links.
    public var description: String {
        var location = path
        if let line { location += ":\(line)" }
        return key.isEmpty ? "\(location): \(message)" : "\(location): \(key): \(message)"
    }
}
