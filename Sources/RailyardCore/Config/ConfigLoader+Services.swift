import Foundation
import Yams

/// `services:` — how each deployable starts, is checked and where it runs.
extension ConfigLoader {
    mutating func readServices(_ node: Node, targets: [String]) -> [ServiceSpec] {
        guard let services = mapping(node, "services") else { return [] }
        if services.isEmpty { error(at: node, "'services' is empty: declare at least one service") }
        var result: [ServiceSpec] = []
        var dependencyNodes: [String: Node] = [:]
        for (keyNode, value) in services {
            guard let name = keyNode.string else { continue }
            if !isIdentifier(name) { error(at: keyNode, "service name '\(name)' must be lower-case letters, digits and '-'") }
            guard let fields = mapping(value, "service '\(name)'") else { continue }
            checkKeys(fields, allowed: Self.serviceKeys, context: "service '\(name)'")
            let kindText = requiredString(fields, "kind", in: value, context: "service '\(name)'")
            var kind = ServiceSpec.Kind.microservice
            if let kindText {
                if let parsed = ServiceSpec.Kind(rawValue: kindText) { kind = parsed } else {
                    error(at: fields["kind"], "service '\(name)': kind must be monolith or microservice, not '\(kindText)'")
                }
            }
            var command: CommandTemplate?
            if let commandNode = fields["command"] {
                do {
                    if let text = commandNode.string { command = try CommandTemplate(parsing: text) }
                    else if case .sequence(let items) = commandNode { command = try CommandTemplate(arguments: items.map { $0.string ?? "" }) }
                    else { error(at: commandNode, "service '\(name)': command must be a string or a list of arguments") }
                } catch {
                    self.error(at: commandNode, "service '\(name)': \(error)")
                }
                if let command, !command.arguments.contains(where: { $0.contains("{port}") }) {
                    self.error(at: commandNode, "service '\(name)': command must contain {port}, so each instance gets its own port")
                }
            } else {
                error(at: value, "service '\(name)': missing key 'command'")
            }
            let version = requiredString(fields, "version", in: value, context: "service '\(name)'") ?? ""
            if !version.isEmpty && !VersionName.isValid(version) {
                error(at: fields["version"], "service '\(name)': version '\(version)' is not valid: \(VersionName.rule)")
            }
            let health = path(fields, "health", context: "service '\(name)'") ?? "/health"
            let metrics = path(fields, "metrics", context: "service '\(name)'") ?? "/metrics"
            var smoke: [String] = []
            if let smokeNode = fields["smoke"] {
                if case .sequence(let items) = smokeNode {
                    for item in items {
                        if let text = item.string, text.hasPrefix("/") { smoke.append(text) }
                        else { error(at: item, "service '\(name)': smoke paths must start with '/'") }
                    }
                } else { error(at: smokeNode, "service '\(name)': smoke must be a list of paths") }
            }
            var instances: [String: Int] = [:]
            if let instancesNode = fields["instances"], let counts = mapping(instancesNode, "service '\(name)' instances") {
                for (targetNode, countNode) in counts {
                    guard let target = targetNode.string else { continue }
                    if !targets.contains(target) {
                        let hint = Suggestion.hint(for: target, among: targets)
                        error(at: targetNode, "service '\(name)': unknown environment or datacenter '\(target)' in instances\(hint)")
                    }
                    if let count = countNode.int, count >= 0, count <= 64 { instances[target] = count }
                    else { error(at: countNode, "service '\(name)': instances in '\(target)' must be a whole number from 0 to 64") }
                }
            } else if fields["instances"] == nil {
                error(at: value, "service '\(name)': missing key 'instances'")
            }
            let timeout = duration(fields, "start_timeout", context: "service '\(name)'") ?? .seconds(20)
            var dependsOn: [String] = []
            if let node = fields["depends_on"] {
                if case .sequence(let items) = node, items.allSatisfy({ $0.string != nil }) {
                    dependsOn = items.compactMap(\.string)
                    dependencyNodes[name] = node
                } else {
                    error(at: node, "service '\(name)': depends_on must be a list of service names")
                }
            }
            let build = fields["build"].flatMap { readBuild($0, service: name) }
            if let command {
                var spec = ServiceSpec(name: name, kind: kind, command: command, initialVersion: version, healthPath: health,
                                       metricsPath: metrics, smokePaths: smoke, instances: instances, startTimeout: timeout,
                                       dependsOn: dependsOn)
                spec.build = build
                result.append(spec)
            }
        }
        checkDependencies(result, nodes: dependencyNodes)
        return result
    }

    /// Every `depends_on` names a declared service other than itself, and the dependencies have no cycle.
    mutating func checkDependencies(_ services: [ServiceSpec], nodes: [String: Node]) {
        let names = services.map(\.name)
        for service in services {
            for dependency in service.dependsOn where dependency == service.name || !names.contains(dependency) {
                error(at: nodes[service.name], dependency == service.name
                      ? "service '\(service.name)': depends_on names itself"
                      : "service '\(service.name)': depends_on names no service '\(dependency)'\(Suggestion.hint(for: dependency, among: names))")
            }
        }
        if case .cycle(let path) = ServiceOrder.layers(of: services.map(\.name), dependsOn: Dictionary(uniqueKeysWithValues: services.map { ($0.name, $0.dependsOn) })),
           let first = path.first {
            error(at: nodes[first], "services depend on each other in a cycle: \(path.joined(separator: " → ")) → \(first)")
        }
    }

    /// `build: {command, artifact, timeout}` of a service.
    mutating func readBuild(_ node: Node, service: String) -> BuildSpec? {
        guard let fields = mapping(node, "service '\(service)': build") else { return nil }
        let context = "service '\(service)': build"
        checkKeys(fields, allowed: ["command", "artifact", "timeout"], context: context)
        var command: CommandTemplate?
        if let commandNode = fields["command"] {
            do {
                if let text = commandNode.string, case .scalar = commandNode { command = try CommandTemplate(parsing: text) }
                else if case .sequence(let items) = commandNode { command = try CommandTemplate(arguments: items.map { $0.string ?? "" }) }
                else { error(at: commandNode, "\(context): command must be a string or a list of arguments") }
            } catch {
                self.error(at: commandNode, "\(context): \(error)")
            }
            if let command, command.arguments.contains(where: { $0.contains("{port}") }) {
                self.error(at: commandNode, "\(context): {port} means nothing to a build; use {version}, the version to build")
            }
        } else {
            error(at: node, "\(context): missing key 'command' (what builds a version; {version} is the version to build)")
        }
        let artifact = requiredString(fields, "artifact", in: node, context: context, hint: "the file or folder the build leaves, e.g. dist/payin-{version}.tar.gz")
        let timeout = duration(fields, "timeout", context: context) ?? .seconds(600)
        guard let command, let artifact else { return nil }
        return BuildSpec(command: command, artifact: artifact, timeout: timeout)
    }
}
