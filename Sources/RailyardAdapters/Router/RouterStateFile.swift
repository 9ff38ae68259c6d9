import Foundation

/// The file that lets a restarted router come back with the weights it had: the table without
/// counters, as JSON.
struct RouterStateFile: Sendable {
    let path: String

    /// The saved state, or `.empty` when there is no file yet. A file that exists but cannot be
    /// read is an error: starting empty would silently drop every service's traffic.
    func load() throws -> RouterState {
        guard FileManager.default.fileExists(atPath: path) else { return .empty }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let state = try JSONDecoder().decode(RouterState.self, from: data)
            for (service, groups) in state.services {
                if let problem = RouteValidator.problem(service: service, groups: groups) {
                    throw RouterError.stateFile(path: path, reason: problem)
                }
            }
            return state
        } catch let error as RouterError {
            throw error
        } catch {
            throw RouterError.stateFile(path: path, reason: "\(error)")
        }
    }

    /// Writes to a temporary file in the same directory and renames it over the old one
    /// (`.atomic`), so a crash mid-write leaves the previous table, never half a file.
    func save(_ state: RouterState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try encoder.encode(state).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw RouterError.stateFile(path: path, reason: "\(error)")
        }
    }
}
