/// What the review's answers do to a train's deployment, with each rule's reason, before anything
/// runs (`railyard train plan`). The train's release follows it: its order, and its adjustments on
/// every rollout it creates.
public struct TrainPlan: Codable, Sendable, Equatable {
    public struct TicketRisk: Codable, Sendable, Equatable {
        public var ticket: String
        public var score: Int
        public var findings: [RiskFinding]
    }

    /// One rule of the risk policy that applies, the tickets that trigger it, and what it changes.
    public struct Rule: Codable, Sendable, Equatable {
        public var rule: String
        public var tickets: [String]
        public var effect: String
    }

    public enum Level: String, Codable, Sendable { case low, medium, high }

    public var train: String
    public var score: Int
    public var level: Level
    public var tickets: [TicketRisk]
    public var rules: [Rule]
    /// Batches of services in deployment order; a batch's services may go in parallel.
    public var order: [[String]]
    /// Production needs an approver other than the deployer before it starts.
    public var fourEyes: Bool
    /// Multiply the canary analysis' duration by this.
    public var analysisFactor: Double
    /// Multiply each weight step by this (smaller steps).
    public var weightFactor: Double
    /// Multiply each bake (timed pause) by this.
    public var bakeFactor: Double
    public var dc2WaitsForDc1: Bool
    /// What the rules do to each rollout of the train, as the release stores it on them.
    public var adjustments: RolloutAdjustments
    /// The deployment process as the train's rollouts will run it, wave by wave, steps adjusted.
    public var waves: [String]
    /// What must be fixed before this plan can run (scripts without rollback, unanswered tickets).
    public var problems: [String]
}

/// Builds a train's plan from its tickets' answers and railyard.yml.
public enum TrainPlanner {
    public static func plan(train: TrainRecord, tickets: [Ticket], config: RailyardConfig) -> TrainPlan {
        let risks = tickets.map { ticket in
            let findings = RiskAssessors.all.compactMap { $0.assess(ticket) }
            return TrainPlan.TicketRisk(ticket: ticket.id, score: findings.reduce(0) { $0 + $1.score }, findings: findings)
        }
        let score = risks.reduce(0) { $0 + $1.score }
        let level: TrainPlan.Level = risks.contains { $0.score >= 5 } || score >= 15 ? .high : score >= 5 ? .medium : .low
        func ids(_ matching: (RiskAnswers) -> Bool) -> [String] { tickets.filter { matching($0.answers) }.map(\.id) }

        var rules: [TrainPlan.Rule] = []
        var problems: [String] = []
        let scripted = ids { $0.scripts == true }
        if !scripted.isEmpty {
            rules.append(.init(rule: "scripts", tickets: scripted,
                               effect: "pre-deployment scripts run first, each with its rollback script: "
                                   + (config.scripts.isEmpty ? "none declared"
                                      : config.scripts.map { $0.name + ($0.isExpandOnly ? " (expand-only)" : "") }.joined(separator: ", "))))
            if config.scripts.isEmpty { problems.append("\(scripted.joined(separator: ", ")) need pre-deployment scripts, and railyard.yml declares none") }
            if !config.deployment.waves.contains(where: { $0.steps.contains(.scripts) }) {
                problems.append("\(scripted.joined(separator: ", ")) need scripts, and no wave of the deployment runs a `scripts` step")
            }
        }
        let irreversible = ids { $0.rollbackable != true }
        if !irreversible.isEmpty {
            rules.append(.init(rule: "not-rollbackable", tickets: irreversible,
                               effect: "four-eyes approval before production, and the canary analysis runs twice as long"))
        }
        let breaking = ids { $0.backwardCompatible != true }
        let serviceNames = train.services.keys.sorted()
        var order: [[String]] = serviceNames.isEmpty ? [] : [serviceNames]
        if !breaking.isEmpty {
            let dependsOn = Dictionary(uniqueKeysWithValues: config.services.map { ($0.name, $0.dependsOn) })
            switch ServiceOrder.layers(of: serviceNames, dependsOn: dependsOn) {
            case .layers(let layers): order = layers
            case .cycle(let path): problems.append("the train's services depend on each other in a cycle: \(path.joined(separator: " → "))")
            }
            rules.append(.init(rule: "not-backward-compatible", tickets: breaking,
                               effect: "services deploy in dependency order (providers first: \(order.map { $0.joined(separator: " + ") }.joined(separator: " → "))), and dc2 waits for dc1 to finish"))
        }
        let wide = ids { $0.scope != .narrow }
        if !wide.isEmpty {
            rules.append(.init(rule: "wide-scope", tickets: wide, effect: "weight steps halved and every bake twice as long"))
        }
        // dc2 waits for dc1: each production datacenter after the first is a hold.
        let laterDatacenters = config.environments.first { $0.name == "production" }.map { Array($0.datacenters.dropFirst()) } ?? []
        let adjustments = RolloutAdjustments(weightFactor: wide.isEmpty ? 1 : 0.5, bakeFactor: wide.isEmpty ? 1 : 2,
                                             analysisFactor: irreversible.isEmpty ? 1 : 2, holdBefore: breaking.isEmpty ? [] : laterDatacenters,
                                             reasons: rules.filter { $0.rule != "scripts" }.map { "\($0.rule) (\($0.tickets.joined(separator: ", "))): \($0.effect)" })
        let waves = adjustments.adjust(config.deployment).waves.map { wave in
            let hold = wave.target.map { adjustments.holdBefore.contains($0) } == true ? "hold for the train's batch, " : ""
            return "\(wave.name)\(wave.target.map { " (\($0))" } ?? ""): " + hold + wave.steps.map(Self.describe).joined(separator: ", ")
        }
        let unanswered = tickets.filter { !$0.answers.missing.isEmpty }.map(\.id)
        if !unanswered.isEmpty {
            problems.append("\(unanswered.count) ticket(s) not reviewed yet (\(unanswered.joined(separator: ", "))): unanswered questions count as the risky answer")
        }
        return TrainPlan(train: train.id, score: score, level: level, tickets: risks, rules: rules, order: order,
                         fourEyes: !irreversible.isEmpty, analysisFactor: adjustments.analysisFactor, weightFactor: adjustments.weightFactor,
                         bakeFactor: adjustments.bakeFactor, dc2WaitsForDc1: !breaking.isEmpty, adjustments: adjustments, waves: waves,
                         problems: problems)
    }

    /// A step in railyard.yml's words, with the analysis' deadline that the policy may lengthen.
    static func describe(_ step: StepSpec) -> String {
        if case .analysis(let spec) = step { return "analysis (max \(DurationText.format(spec.maxDuration)))" }
        return step.description
    }
}
