/// One step of a rollback, in the order they run: traffic first, then instances, then scripts.
public enum RollbackAction: Codable, Sendable, Equatable, CustomStringConvertible {
    case routeToStable(target: String)
    case stopNewInstances(target: String)
    case rollbackScript(name: String)

    public var description: String {
        switch self {
        case .routeToStable(let target): "route all of \(target)'s traffic to stable"
        case .stopNewInstances(let target): "stop the new version's instances in \(target)"
        case .rollbackScript(let name): "run rollback script of \(name)"
        }
    }

    /// Built from what the rollout recorded, in reverse promotion order within each kind.
    public static func plan(for record: RolloutRecord, targetOrder: [String]) -> [RollbackAction] {
        let touched = targetOrder.filter { record.targets[$0] != nil }.reversed()
        var plan: [RollbackAction] = []
        // Every deployed target goes back to stable, whatever weight was last recorded: a lowered
        // weight is an intent, and the router may still send the higher one.
        for target in touched where record.targets[target]!.deployed || record.targets[target]!.canaryWeight > 0 || record.targets[target]!.promoted {
            plan.append(.routeToStable(target: target))
        }
        for target in touched where record.targets[target]!.deployed {
            plan.append(.stopNewInstances(target: target))
        }
        for script in record.appliedScripts.reversed() {
            plan.append(.rollbackScript(name: script))
        }
        return plan
    }
}
