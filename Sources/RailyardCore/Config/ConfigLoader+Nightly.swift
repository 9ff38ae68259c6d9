import Foundation
import Yams

/// `nightly:` — schedules, suites, re-runs, flaky thresholds, test owners.
extension ConfigLoader {
    static let nightlyKeys = ["schedule", "time_zone", "catch_up", "environment", "reruns", "flaky", "suites", "owners"]
    static let suiteKeys = ["name", "command", "list", "shards", "services", "timeout"]

    mutating func readNightly(_ node: Node, services: [String], targets: [String], defaultZone: TimeZone) -> NightlySpec {
        var spec = NightlySpec()
        guard let fields = mapping(node, "nightly") else { return spec }
        checkKeys(fields, allowed: Self.nightlyKeys, context: "nightly")
        var zone = defaultZone
        if let zoneNode = fields["time_zone"] {
            if let name = zoneNode.string, let parsed = TimeZone(identifier: name) { zone = parsed } else {
                error(at: zoneNode, "nightly: time_zone must be an IANA time zone such as Europe/Paris or UTC, not '\(zoneNode.string ?? "")'")
            }
        }
        if let scheduleNode = fields["schedule"] {
            let items: [Node] = if case .sequence(let list) = scheduleNode { Array(list) } else { [scheduleNode] }
            for item in items {
                guard let text = item.string else { error(at: item, "nightly: schedule must be a cron expression or a list of them"); continue }
                do { spec.schedule.append(try CronSchedule(text, timeZone: zone)) } catch {
                    self.error(at: item, "nightly: schedule '\(text)': \(error.description)")
                }
            }
        }
        if let node = fields["catch_up"] {
            if let value = node.string.flatMap(NightlySpec.CatchUp.init(rawValue:)) { spec.catchUp = value } else {
                error(at: node, "nightly: catch_up must be one (a run missed while Railyard was down runs once on restart) or none")
            }
        }
        if let node = fields["environment"] {
            if let name = node.string, targets.contains(name) { spec.environment = name } else {
                error(at: node, "nightly: environment '\(node.string ?? "")' is not an environment or datacenter of railyard.yml"
                      + Suggestion.hint(for: node.string ?? "", among: targets))
            }
        }
        if let node = fields["reruns"] {
            if let value = node.int, (0...5).contains(value) { spec.reruns = value } else {
                error(at: node, "nightly: reruns must be how many times a failed test runs again, 0 to 5")
            }
        }
        if let node = fields["flaky"], let flaky = mapping(node, "nightly: flaky") {
            checkKeys(flaky, allowed: ["k", "m"], context: "nightly: flaky (flaky in k of the last m runs)")
            let k = flaky["k"]?.int ?? spec.flakyK, m = flaky["m"]?.int ?? spec.flakyM
            if (flaky["k"] != nil && flaky["k"]?.int == nil) || (flaky["m"] != nil && flaky["m"]?.int == nil) || k < 1 || m < k || m > 100 {
                error(at: node, "nightly: flaky must be {k, m} with 1 ≤ k ≤ m ≤ 100: a test flaky in k of the last m runs is proposed for quarantine")
            } else {
                spec.flakyK = k
                spec.flakyM = m
            }
        }
        if let node = fields["suites"] { spec.suites = readSuites(node, services: services) }
        if fields["environment"] == nil, !spec.suites.isEmpty, !targets.contains(spec.environment) {
            error(at: node, "nightly: no environment named 'nightly' in railyard.yml: set `environment` to the one the suites run against")
        }
        if let node = fields["owners"] {
            guard case .sequence(let items) = node else {
                error(at: node, "nightly: owners must be a list of {match, service}")
                return spec
            }
            for item in items {
                guard let owner = mapping(item, "nightly: owners: each entry") else { continue }
                checkKeys(owner, allowed: ["match", "service"], context: "nightly: owners")
                let pattern = requiredString(owner, "match", in: item, context: "nightly: owners")
                let service = requiredString(owner, "service", in: item, context: "nightly: owners")
                if let service, !services.contains(service) {
                    error(at: owner["service"]!, "nightly: owners: no service '\(service)' in railyard.yml" + Suggestion.hint(for: service, among: services))
                    continue
                }
                if let pattern, let service { spec.owners.append(.init(pattern: pattern, service: service)) }
            }
        }
        return spec
    }

    mutating func readSuites(_ node: Node, services: [String]) -> [SuiteSpec] {
        guard case .sequence(let items) = node else {
            error(at: node, "nightly: suites must be a list of {name, command, list, shards, services, timeout}")
            return []
        }
        var suites: [SuiteSpec] = []
        var seen: Set<String> = []
        for item in items {
            guard let fields = mapping(item, "nightly: a suite") else { continue }
            checkKeys(fields, allowed: Self.suiteKeys, context: "nightly: suite")
            guard let name = requiredString(fields, "name", in: item, context: "nightly: suite") else { continue }
            if !seen.insert(name).inserted { error(at: item, "nightly: suite '\(name)' is declared twice") }
            let context = "nightly: suite '\(name)'"
            let command = fields["command"].flatMap { arguments($0, context: context + ": command") }
            if fields["command"] == nil { error(at: item, "\(context): missing key 'command' (the program that runs the tests and writes $RAILYARD_JUNIT)") }
            let list = fields["list"].flatMap { arguments($0, context: context + ": list") }
            var shards = 1
            if let shardsNode = fields["shards"] {
                if let value = shardsNode.int, (1...32).contains(value) { shards = value } else {
                    error(at: shardsNode, "\(context): shards must be a whole number from 1 to 32")
                }
                if shards > 1, fields["list"] == nil {
                    error(at: shardsNode, "\(context): \(shards) shards need `list`, the command that prints the suite's tests one per line")
                }
            }
            var touched: [String] = []
            if let servicesNode = fields["services"] {
                if case .sequence(let names) = servicesNode {
                    for nameNode in names {
                        guard let service = nameNode.string, services.contains(service) else {
                            error(at: nameNode, "\(context): no service '\(nameNode.string ?? "")' in railyard.yml" + Suggestion.hint(for: nameNode.string ?? "", among: services))
                            continue
                        }
                        touched.append(service)
                    }
                } else {
                    error(at: servicesNode, "\(context): services must be a list of service names")
                }
            }
            let timeout = duration(fields, "timeout", context: context) ?? .seconds(900)
            if let command {
                suites.append(SuiteSpec(name: name, command: command, list: list, shards: shards, services: touched, timeout: timeout))
            }
        }
        return suites
    }

    /// A command as a string (split like a shell would, quotes allowed; no placeholders) or a list of arguments.
    mutating func arguments(_ node: Node, context: String) -> [String]? {
        do {
            if let text = node.string, case .scalar = node { return try CommandTemplate(parsing: text).arguments }
            if case .sequence(let items) = node { return try CommandTemplate(arguments: items.map { $0.string ?? "" }).arguments }
            error(at: node, "\(context) must be a string or a list of arguments")
        } catch {
            self.error(at: node, "\(context): \(error)")
        }
        return nil
    }
}
