import Foundation
import Yams

/// Reading YAML nodes while collecting every problem with its line and column.
extension ConfigLoader {
    mutating func mapping(_ node: Node, _ what: String) -> Node.Mapping? {
        if case .mapping(let mapping) = node { return mapping }
        error(at: node, "\(what) must be a mapping of keys to values")
        return nil
    }

    mutating func checkKeys(_ mapping: Node.Mapping, allowed: [String], context: String) {
        for key in mapping.keys {
            guard let name = key.string, !allowed.contains(name) else { continue }
            let hint = Suggestion.hint(for: name, among: allowed)
            error(at: key, "unknown key '\(name)' in \(context)\(hint)")
        }
    }

    mutating func requiredString(_ mapping: Node.Mapping, _ key: String, in parent: Node, context: String, hint: String? = nil) -> String? {
        guard let node = mapping[key] else {
            error(at: parent, "\(context): missing key '\(key)'" + (hint.map { " (\($0))" } ?? ""))
            return nil
        }
        guard case .scalar = node, let text = node.string, !text.isEmpty else {
            error(at: node, "\(context): '\(key)' must be a non-empty string")
            return nil
        }
        return text
    }

    mutating func path(_ mapping: Node.Mapping, _ key: String, context: String) -> String? {
        guard let node = mapping[key] else { return nil }
        guard let text = node.string, text.hasPrefix("/") else {
            error(at: node, "\(context): '\(key)' must be a path starting with '/'")
            return nil
        }
        return text
    }

    mutating func duration(_ mapping: Node.Mapping, _ key: String, context: String) -> Duration? {
        guard let node = mapping[key] else { return nil }
        guard let text = node.string, let value = DurationText.parse(text) else {
            error(at: node, "\(context): '\(key)' must be a duration such as 500ms, 30s, 5m or 1h")
            return nil
        }
        return value
    }

    /// An http(s) URL with a host; anything else is reported at `node`, with `example`.
    mutating func httpURL(_ node: Node?, context: String, example: String) -> String? {
        guard let node else { return nil }
        if let text = node.string, let url = URL(string: text), let scheme = url.scheme?.lowercased(),
           scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty {
            return text
        }
        error(at: node, "\(context) must be an http(s) URL with a host, e.g. \(example), not '\(node.string ?? "")'")
        return nil
    }

    func isIdentifier(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { ($0.isLetter && $0.isLowercase) || $0.isNumber || $0 == "-" } && name.first!.isLetter
    }

    mutating func error(at node: Node?, _ message: String) {
        let mark = node?.mark
        diagnostics.append(ConfigDiagnostic(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message))
    }

    mutating func report(yamlError: YamlError) {
        switch yamlError {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            diagnostics.append(ConfigDiagnostic(file: file, line: mark.line, column: mark.column, message: "invalid YAML: \(problem)"))
        case .duplicatedKeysInMapping(let duplicates, let context):
            diagnostics.append(ConfigDiagnostic(file: file, line: context.mark.line, column: context.mark.column,
                                                message: "duplicate key \(duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")) in one mapping"))
        default:
            diagnostics.append(ConfigDiagnostic(file: file, line: 1, column: 1, message: "invalid YAML: \(yamlError)"))
        }
    }
}
