import Foundation
import Yams

/// `environments:` and `scripts:` — where instances run, and what prepares a release.
extension ConfigLoader {
    mutating func readEnvironments(_ node: Node) -> [EnvironmentSpec] {
        guard case .sequence(let items) = node else {
            error(at: node, "'environments' must be a list, in promotion order (nightly, testing, perf, staging, production)")
            return []
        }
        var result: [EnvironmentSpec] = []
        var seen: Set<String> = []
        for item in items {
            guard let fields = mapping(item, "an environment") else { continue }
            checkKeys(fields, allowed: Self.environmentKeys, context: "environment")
            guard let name = requiredString(fields, "name", in: item, context: "environment") else { continue }
            var datacenters: [String] = []
            if let dcNode = fields["datacenters"] {
                if case .sequence(let dcs) = dcNode { datacenters = dcs.compactMap(\.string) }
                else { error(at: dcNode, "environment '\(name)': datacenters must be a list of names") }
                if datacenters.isEmpty { error(at: dcNode, "environment '\(name)': datacenters is empty") }
            }
            for label in [name] + datacenters where !seen.insert(label).inserted {
                error(at: item, "environment or datacenter '\(label)' is declared twice")
            }
            result.append(EnvironmentSpec(name: name, datacenters: datacenters))
        }
        if let production = result.first(where: { $0.name == "production" }), production.datacenters.isEmpty {
            error(at: node, "environment 'production' must list its datacenters (e.g. [dc1, dc2])")
        }
        return result
    }

    mutating func readScripts(_ node: Node) -> [ScriptSpec] {
        guard case .sequence(let items) = node else {
            error(at: node, "'scripts' must be a list, in the order they run")
            return []
        }
        var result: [ScriptSpec] = []
        var seen: Set<String> = []
        for item in items {
            guard let fields = mapping(item, "a script") else { continue }
            checkKeys(fields, allowed: Self.scriptKeys, context: "script")
            let name = requiredString(fields, "name", in: item, context: "script")
            let apply = requiredString(fields, "apply", in: item, context: "script '\(name ?? "?")'")
            var expandOnly = false
            if let node = fields["expand_only"] {
                if let flag = node.bool { expandOnly = flag } else { error(at: node, "script '\(name ?? "?")': expand_only must be true or false") }
            }
            var rollback: String?
            var valid = true
            if expandOnly {
                if let node = fields["rollback"] {
                    error(at: node, "script '\(name ?? "?")': an expand-only script has no rollback; remove `rollback` or `expand_only: true`")
                    valid = false
                }
            } else {
                rollback = requiredString(fields, "rollback", in: item, context: "script '\(name ?? "?")'",
                                          hint: "the script that undoes it; or `expand_only: true` when it only adds what the version before ignores")
                valid = rollback != nil
            }
            let timeout = duration(fields, "timeout", context: "script '\(name ?? "?")'") ?? .seconds(300)
            if let name, !seen.insert(name).inserted { error(at: item, "script '\(name)' is declared twice") }
            if let name, let apply, valid {
                result.append(ScriptSpec(name: name, apply: apply, rollback: rollback, timeout: timeout))
            }
        }
        return result
    }
}
