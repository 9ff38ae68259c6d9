import Foundation
import RailyardAdapters
import RailyardAPI

/// Where the CLI finds its token, first found wins:
/// 1. `RAILYARD_TOKEN`;
/// 2. the file named by `--token-file` or `RAILYARD_TOKEN_FILE`;
/// 3. `~/.config/railyard/token`;
/// 4. for a server on this machine, the local admin token `railyard serve` wrote in the state folder.
/// Every file must be readable by its owner only (mode 0600); one that others can read is refused.
enum Credentials {
    static var userFile: String {
        (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) + "/.config/railyard/token"
    }

    static func token(server: String, tokenFile: String?, stateDirectory: String) throws -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let token = environment["RAILYARD_TOKEN"], !token.isEmpty { return token }
        if let file = tokenFile ?? environment["RAILYARD_TOKEN_FILE"] { return try read(file) }
        if FileManager.default.fileExists(atPath: userFile) { return try read(userFile) }
        let local = stateDirectory + "/admin.token"
        if isLoopback(server), FileManager.default.fileExists(atPath: local) { return try read(local) }
        return nil
    }

    static func read(_ file: String) throws -> String {
        do {
            return try SecretFile.read(file)
        } catch let error as SecretFileError {
            throw RailyardClient.Failure(status: 401, message: "token file \(error.description)")
        }
    }

    static func isLoopback(_ server: String) -> Bool {
        guard let host = URLComponents(string: server)?.host else { return false }
        return host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}
