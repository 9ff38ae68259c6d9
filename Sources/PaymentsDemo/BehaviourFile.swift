import Foundation
import Yams

/// Reads the demo's behaviour file: which version of which service misbehaves, and how.
///
/// ```yaml
/// payin:
///   v2: { failure_rate: 0.04 }
///   v3: {}
///   v4: { failure_rate: 0.3, healthy_requests: 500 }   # each instance fails only after 500 good payments
///   v5: { slow_rate: 0.05, slow_latency_ms: 300 }      # one payment in 20 takes 300 ms more: a slower tail
///   v6: { decline_rate: 0.2 }                          # one pay-in in 5 declined (402): failed, yet no 5xx
///   v7: { settlement_ms: 80 }                          # each pay-in settles 80 ms after its answer: no HTTP latency shows it
///   v8: { extra_latency_ms: 5, latency_spread: 0.5 }   # 5 ms more, spread log-logistically (median 5 ms): a whole distribution
///   v9: { slow_rate: 1.0, slow_latency_ms: 80, one_instance: true }   # only the first instance started is slower: one slow host
/// fx:
///   v2: { extra_latency_ms: 30 }
/// ```
/// Walks the YAML node tree rather than decoding, because nodes carry their line and the error must name it.
public enum BehaviourFile {
    public typealias Table = [String: [String: VersionBehaviour]]

    public static func load(path: String) throws -> Table {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw BehaviourFileError(path: path, line: nil, key: "", message: "cannot read file: \(error.localizedDescription)")
        }
        return try parse(text, path: path)
    }

    /// Parses behaviour YAML; `path` is only used to name the source in errors.
    public static func parse(_ yaml: String, path: String) throws -> Table {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw BehaviourFileError(path: path, line: line(of: error), key: "", message: "invalid YAML: \(problem(of: error))")
        }
        guard let root, !isNull(root) else { return [:] }
        var table: Table = [:]
        for (serviceKey, versions) in try entries(of: root, key: "", path: path) {
            guard DemoService(rawValue: serviceKey.name) != nil else {
                let known = DemoService.allCases.map(\.rawValue).joined(separator: ", ")
                throw serviceKey.error("unknown service (expected one of: \(known))", path: path)
            }
            var byVersion: [String: VersionBehaviour] = [:]
            for (versionKey, fields) in try entries(of: versions, key: serviceKey.name, path: path) {
                let dotted = "\(serviceKey.name).\(versionKey.name)"
                byVersion[versionKey.name] = try behaviour(from: fields, key: dotted, path: path)
            }
            table[serviceKey.name] = byVersion
        }
        return table
    }

    /// A service or version absent from the table runs healthy: the file only lists what misbehaves.
    public static func behaviour(for service: DemoService, version: String, in table: Table) -> VersionBehaviour {
        table[service.rawValue]?[version] ?? .healthy
    }

    /// The behaviour for one process: with `one_instance`, only the first process of the version to claim it
    /// (creating `<file>.<service>.<version>.claimed`, which holds its pid) has the faults; the others keep the
    /// version's latency and lose its faults (`VersionBehaviour.withoutFaults`). A claim lasts as long as its file:
    /// the same version started again (another target, a restarted instance) finds it taken and runs without faults.
    public static func behaviour(for service: DemoService, version: String, in table: Table, file path: String) -> VersionBehaviour {
        let behaviour = behaviour(for: service, version: version, in: table)
        guard behaviour.oneInstance else { return behaviour }
        return claim("\(path).\(service.rawValue).\(version).claimed") ? behaviour : behaviour.withoutFaults
    }

    /// Creates `path` if no process did before (O_EXCL: one winner among instances started together).
    static func claim(_ path: String) -> Bool {
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0o644)
        guard fd >= 0 else { return false }
        let pid = Array("\(getpid())\n".utf8)
        _ = pid.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        return true
    }

    // MARK: - Node walking

    private struct Key {
        var name: String
        var dotted: String
        var line: Int?

        func error(_ message: String, path: String) -> BehaviourFileError {
            BehaviourFileError(path: path, line: line, key: dotted, message: message)
        }
    }

    /// The pairs of a mapping node (an empty list for `~` or an empty value), rejecting duplicates.
    private static func entries(of node: Node, key: String, path: String) throws -> [(Key, Node)] {
        if isNull(node) { return [] }
        guard let mapping = node.mapping else {
            throw BehaviourFileError(path: path, line: node.mark?.line, key: key, message: "expected a mapping")
        }
        var seen: Set<String> = []
        var result: [(Key, Node)] = []
        for (keyNode, value) in mapping {
            let line = keyNode.mark?.line
            guard let name = keyNode.scalar?.string else {
                throw BehaviourFileError(path: path, line: line, key: key, message: "keys must be plain scalars")
            }
            let entry = Key(name: name, dotted: key.isEmpty ? name : "\(key).\(name)", line: line)
            guard seen.insert(name).inserted else { throw entry.error("duplicate key", path: path) }
            result.append((entry, value))
        }
        return result
    }

    private static func behaviour(from node: Node, key: String, path: String) throws -> VersionBehaviour {
        var behaviour = VersionBehaviour.healthy
        var oneInstanceKey: Key?
        for (field, value) in try entries(of: node, key: key, path: path) {
            // Quoted numbers are strings in YAML; accepting them would hide a typo-prone file.
            let fraction = { () throws -> Double in
                guard value.tag.rawValue == Tag.Name.float.rawValue || value.tag.rawValue == Tag.Name.int.rawValue, let rate = value.float,
                      rate.isFinite, (0...1).contains(rate)
                else { throw field.error("expected a number between 0 and 1", path: path) }
                return rate
            }
            switch VersionBehaviour.CodingKeys(rawValue: field.name) {
            case .failureRate:
                behaviour.failureRate = try fraction()
            case .slowRate:
                behaviour.slowRate = try fraction()
            case .declineRate:
                behaviour.declineRate = try fraction()
            case .slowLatencyMs:
                guard value.tag.rawValue == Tag.Name.int.rawValue, let ms = value.int, ms >= 0
                else { throw field.error("expected a non-negative integer (milliseconds)", path: path) }
                behaviour.slowLatencyMs = ms
            case .settlementMs:
                guard value.tag.rawValue == Tag.Name.int.rawValue, let ms = value.int, ms >= 0
                else { throw field.error("expected a non-negative integer (milliseconds)", path: path) }
                behaviour.settlementMs = ms
            case .extraLatencyMs:
                guard value.tag.rawValue == Tag.Name.int.rawValue, let ms = value.int, ms >= 0
                else { throw field.error("expected a non-negative integer (milliseconds)", path: path) }
                behaviour.extraLatencyMs = ms
            case .latencySpread:
                guard value.tag.rawValue == Tag.Name.float.rawValue || value.tag.rawValue == Tag.Name.int.rawValue, let spread = value.float,
                      spread.isFinite, (0...3).contains(spread)
                else { throw field.error("expected a number from 0 to 3 (the spread of log-latency; 0.5 is typical)", path: path) }
                behaviour.latencySpread = spread
            case .oneInstance:
                guard value.tag.rawValue == Tag.Name.bool.rawValue, let flag = value.bool
                else { throw field.error("expected true or false", path: path) }
                behaviour.oneInstance = flag
                oneInstanceKey = field
            case .healthyRequests:
                guard value.tag.rawValue == Tag.Name.int.rawValue, let count = value.int, count >= 0
                else { throw field.error("expected a non-negative integer (payment requests served well before the faults begin)", path: path) }
                behaviour.healthyRequests = count
            case nil:
                let known = VersionBehaviour.CodingKeys.allCases.map(\.rawValue).joined(separator: ", ")
                throw field.error("unknown key (expected one of: \(known))", path: path)
            }
        }
        if let oneInstanceKey, behaviour.oneInstance, !behaviour.hasFaults {
            throw oneInstanceKey.error("one_instance gives one instance the version's faults, and it has none "
                                       + "(failure_rate, slow_rate with slow_latency_ms, decline_rate)", path: path)
        }
        return behaviour
    }

    private static func isNull(_ node: Node) -> Bool {
        node.scalar != nil && node.tag.rawValue == Tag.Name.null.rawValue
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return nil
        }
    }

    private static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
            return problem
        default:
            return "\(error)"
        }
    }
}
