/// The marks a process Railyard starts carries in its environment, where /proc shows them for its
/// whole life: who owns it (a state folder) and which record it belongs to. Instances, routers and
/// scripts all carry them, so a restart or `down` finds every one.
enum ProcessMark {
    static let ownerVariable = "RAILYARD_OWNER", labelVariable = "RAILYARD_PROCESS"

    static func environment(_ base: [String: String], owner: String?, label: String?) -> [String: String] {
        var environment = base
        if let owner { environment[ownerVariable] = owner }
        if let label { environment[labelVariable] = label }
        return environment
    }
}
